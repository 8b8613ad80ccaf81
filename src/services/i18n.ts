import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IntlMessageFormat } from 'intl-messageformat';

/**
 * Members read the bot in their own Discord language. Texts live in catalogues a translator can edit
 * without reading code: `locales/<language>/<namespace>.json`, flat keys to ICU MessageFormat strings
 * (`{name}` placeholders, `{count, plural, one {…} other {…}}`), loaded once at start-up.
 */
export const LANGUAGES = ['en', 'zh-TW', 'zh-CN', 'ja'] as const;
export type CatalogueLanguage = (typeof LANGUAGES)[number];
/** The language a member reads the bot in. */
export type Language = CatalogueLanguage;

/** Every language other than English must have every key English has; anything else falls back to English. */
export const FALLBACK_LANGUAGE: CatalogueLanguage = 'en';

/** Discord's locale codes (`interaction.locale`) for the catalogues we have; any other locale reads English. */
const DISCORD_LOCALES: Readonly<Record<string, CatalogueLanguage>> = { 'zh-TW': 'zh-TW', 'zh-HK': 'zh-TW', 'zh-CN': 'zh-CN', ja: 'ja' };

export function catalogueLanguageOf(locale: string | null | undefined): CatalogueLanguage {
  return (locale && DISCORD_LOCALES[locale]) || FALLBACK_LANGUAGE;
}

/** Another name for catalogueLanguageOf. */
export const languageOf = catalogueLanguageOf;

export type TextValues = Record<string, string | number>;
export type Lookup<K extends string = string> = (key: K, language: CatalogueLanguage, values?: TextValues) => string;

/** Walks up from this file (src/services or the compiled dist/services) to the folder holding `locales/`. */
export function findLocalesFolder(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(folder, 'locales');
    if (existsSync(join(candidate, FALLBACK_LANGUAGE))) return candidate;
    const parent = dirname(folder);
    if (parent === folder) throw new Error('The bot\'s text catalogues (the locales/ folder) are missing from this installation.');
    folder = parent;
  }
}

export type Catalogues = Record<CatalogueLanguage, Record<string, Record<string, string>>>;

/** Reads every catalogue file once; a file that isn't a flat object of strings stops the start with its name. */
export function loadCatalogues(folder = findLocalesFolder()): Catalogues {
  const catalogues = {} as Catalogues;
  for (const language of LANGUAGES) {
    catalogues[language] = {};
    const dir = join(folder, language);
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir).filter((name) => name.endsWith('.json')).sort()) {
      const parsed: unknown = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || Object.values(parsed).some((v) => typeof v !== 'string')) {
        throw new Error(`The text catalogue locales/${language}/${file} must be one JSON object of strings.`);
      }
      catalogues[language][file.slice(0, -'.json'.length)] = parsed as Record<string, string>;
    }
  }
  return catalogues;
}

let loaded: Catalogues | undefined;
const compiled = new Map<string, IntlMessageFormat>();

function catalogues(): Catalogues {
  return (loaded ??= loadCatalogues());
}

function formatter(language: CatalogueLanguage, namespace: string, key: string): IntlMessageFormat {
  const id = `${language}\0${namespace}\0${key}`;
  let format = compiled.get(id);
  if (!format) {
    const own = catalogues()[language][namespace]?.[key];
    const source = own ?? catalogues()[FALLBACK_LANGUAGE][namespace]?.[key];
    if (source === undefined) throw new Error(`No text "${namespace}:${key}" in the catalogues.`);
    // ignoreTag: Discord's own markup (`<@id>`, `<t:…:R>`, `<#id>`) is text here, not rich-text tags.
    format = new IntlMessageFormat(source, own === undefined ? FALLBACK_LANGUAGE : language, undefined, { ignoreTag: true });
    compiled.set(id, format);
  }
  return format;
}

/** A text without braces, and whose apostrophes quote nothing (ICU quotes only before `' < > { }`), has no placeholder, plural or quoting: ICU MessageFormat gives it back unchanged. */
export const PLAIN_TEXT = /^(?:[^{}']|'(?![<>']))*$/;
/** After an apostrophe, these start a quoted literal in ICU MessageFormat (`#` only inside a plural, which this never reads). */
const QUOTABLE = new Set(["'", '{', '}', '<', '>']);
/** `name}` after an opening brace: a simple argument (no number, plural or select format). */
const SIMPLE_ARGUMENT = /^(\w+)\}/;

/**
 * The text with its simple arguments (`{max}`) and quoting (`'{'`, `''`) resolved exactly as intl-messageformat does
 * (it prints a simple argument's string or number with String()), or undefined when only ICU can say (a plural, a
 * formatted number, a missing value).
 */
export function filledIn(text: string, values: TextValues): string | undefined {
  if (PLAIN_TEXT.test(text)) return text;
  let result = '';
  for (let at = 0; at < text.length;) {
    const char = text[at]!;
    if (char === "'" && QUOTABLE.has(text[at + 1] ?? '')) {
      if (text[at + 1] === "'") {
        result += "'";
        at += 2;
        continue;
      }
      // A quoted literal runs to the next lone apostrophe ('' inside it is one apostrophe), or to the end.
      at++;
      while (at < text.length && !(text[at] === "'" && text[at + 1] !== "'")) {
        result += text[at];
        at += text[at] === "'" ? 2 : 1;
      }
      at++;
    } else if (char === '{') {
      const argument = SIMPLE_ARGUMENT.exec(text.slice(at + 1, at + 66));
      const value = argument ? values[argument[1]!] : undefined;
      if (typeof value !== 'string' && typeof value !== 'number') return undefined;
      result += String(value);
      at += argument![0].length + 1;
    } else if (char === '}') {
      return undefined;
    } else {
      result += char;
      at++;
    }
  }
  return result;
}

/** One text in one language; a missing value is a bug caught by the catalogue tests, never shown as `{name}` silently. */
export function t(language: CatalogueLanguage, namespace: string, key: string, values: TextValues = {}): string {
  // Most texts need no formatter, nor ICU's locale data (~16 ms to load): the command descriptions built at every start among them.
  const own = catalogues()[language][namespace]?.[key];
  const filled = own === undefined ? undefined : filledIn(own, values);
  return filled ?? String(formatter(language, namespace, key).format(values));
}

/** The lookup for one namespace, for a module that reads many texts from the same catalogue file. */
export function catalogue<K extends string = string>(namespace: string): Lookup<K> {
  return (key, language, values) => t(language, namespace, key, values);
}

/** Discord's localizations for a command field: every non-English catalogue that has the text, `values` filled in. */
export function localizations(namespace: string, key: string, values?: TextValues): Partial<Record<string, string>> {
  const result: Partial<Record<string, string>> = {};
  for (const language of LANGUAGES) {
    if (language === FALLBACK_LANGUAGE) continue;
    const text = catalogues()[language][namespace]?.[key];
    if (text !== undefined) result[language] = values ? t(language, namespace, key, values) : text;
  }
  return result;
}
