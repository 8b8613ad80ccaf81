import { findLanguage, languageForLocale, type Language } from './languages.ts';

export type TargetChoice =
  | { ok: true; language: Language; from: 'option' | 'server' | 'locale' }
  | { ok: false; input: string };

/**
 * The language to translate into: the `to` option, else the server's default (set with /settings),
 * else the invoker's Discord locale (zh-TW is Traditional Chinese). A `to` nobody can read is an error,
 * not a silent fallback; a stored server default that no longer resolves is skipped.
 */
export function resolveTarget(option: string | null | undefined, serverDefault: string | undefined, locale: string | null | undefined): TargetChoice {
  if (option !== null && option !== undefined && option.trim() !== '') {
    const language = findLanguage(option);
    return language ? { ok: true, language, from: 'option' } : { ok: false, input: option };
  }
  const server = serverDefault === undefined ? undefined : findLanguage(serverDefault);
  if (server) return { ok: true, language: server, from: 'server' };
  return { ok: true, language: languageForLocale(locale), from: 'locale' };
}
