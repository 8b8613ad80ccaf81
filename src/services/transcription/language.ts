import { findLanguage } from '../translate/languages.ts';

/** The transcription API takes its language hint as an ISO-639-1 code: two lowercase letters. */
const ISO_639_1 = /^[a-z]{2}$/;

export type LanguageHint = { ok: true; code: string } | { ok: false };

/** "zh-TW", "Japanese", a language's own name or "fr" → the ISO-639-1 code the API wants ("zh", "ja", "fr"). */
export function transcriptionLanguage(input: string): LanguageHint {
  const known = findLanguage(input);
  const code = (known ? known.id.split('-')[0] : input.trim())?.toLowerCase() ?? '';
  return ISO_639_1.test(code) ? { ok: true, code } : { ok: false };
}
