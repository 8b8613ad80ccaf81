import { LANGUAGES as UI_LANGUAGES, type CatalogueLanguage } from '../i18n.ts';

/**
 * Language names in the reader's own language come from ICU's data (Intl.DisplayNames), not from hand tables:
 * English readers keep the translation catalogue's English names (what the model is told), everyone else reads
 * the name ICU gives in their language (for `ja`: Japanese in zh-TW, zh-CN and ja script each).
 */

/** ICU names zh-TW "Chinese (Taiwan)"; the script tags give the names people use for the two written forms. */
const DISPLAY_IDS: Readonly<Record<string, string>> = { 'zh-TW': 'zh-Hant', 'zh-CN': 'zh-Hans' };

const namers = new Map<CatalogueLanguage, Intl.DisplayNames>();

/** ICU's name of a language code in `ui`, or undefined for a code it doesn't know (or that isn't a code at all). */
export function displayName(code: string, ui: CatalogueLanguage): string | undefined {
  let namer = namers.get(ui);
  if (!namer) namers.set(ui, (namer = new Intl.DisplayNames([ui], { type: 'language', fallback: 'none' })));
  try {
    return namer.of(DISPLAY_IDS[code] ?? code);
  } catch {
    return undefined; // RangeError: not a well-formed language tag
  }
}

/** Every name ICU gives a code in the bot's reader languages other than English, so members can type the name they know. */
export function namesInReaderLanguages(code: string): string[] {
  return UI_LANGUAGES.filter((ui) => ui !== 'en').flatMap((ui) => displayName(code, ui) ?? []);
}
