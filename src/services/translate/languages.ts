import type { CatalogueLanguage } from '../i18n.ts';
import { displayName, namesInReaderLanguages } from './names.ts';

/** A language /translate can translate into. */
export interface Language {
  /** Canonical BCP-47-style id, also the autocomplete value. */
  id: string;
  english: string;
  native: string;
  /** Other ways people write it: ISO 639-2/3 codes, regional tags, common names in English and Chinese. */
  aliases: readonly string[];
  /** Discord user locales that mean this language. */
  discordLocales: readonly string[];
  /** Extra guidance for the model when this is the target (script, region, variety). */
  instructions?: string;
}

const lang = (id: string, english: string, native: string, aliases: string[], discordLocales: string[] = [], instructions?: string): Language =>
  ({ id, english, native, aliases, discordLocales, ...(instructions ? { instructions } : {}) });

/**
 * The catalogue, most commonly wanted first: an empty autocomplete query shows this order.
 * Bare "zh", "Chinese", "中文", "Mandarin" and "國語" are ambiguous between scripts; this bot's
 * audience writes Traditional Chinese (zh-TW), so they mean Traditional here. zh-HK and zh-MO also
 * map to Traditional: Hong Kong and Macau write Traditional characters (spoken Cantonese is `yue`).
 * "Taiwanese" is deliberately not an alias of zh-TW: in Taiwan it names Taiwanese Hokkien (台語).
 */
export const LANGUAGES: readonly Language[] = [
  lang('en', 'English', 'English', ['eng', 'en-US', 'en-GB', 'American English', 'British English', '英文', '英語', '英语'], ['en-US', 'en-GB']),
  lang('zh-TW', 'Traditional Chinese', '繁體中文', [
    'zh', 'zh-Hant', 'zh-Hant-TW', 'zh-HK', 'zh-MO', 'zho', 'chi', 'cht', 'Chinese', 'Chinese (Traditional)', 'Traditional',
    'Mandarin', '中文', '繁中', '繁體', '繁体中文', '正體中文', '正體字', '國語', '華語', '台灣中文', '臺灣中文', '台灣華語',
  ], ['zh-TW'], 'Write Traditional Chinese as used in Taiwan (繁體中文), with Taiwanese vocabulary and full-width punctuation — never Simplified Chinese characters.'),
  lang('zh-CN', 'Simplified Chinese', '简体中文', [
    'zh-Hans', 'zh-Hans-CN', 'zh-SG', 'chs', 'Chinese (Simplified)', 'Simplified', '简中', '簡中', '简体', '簡體', '簡體中文', '普通话', '普通話',
  ], ['zh-CN'], 'Write Simplified Chinese as used in mainland China (简体中文) — never Traditional Chinese characters.'),
  lang('ja', 'Japanese', '日本語', ['jp', 'jpn', '日文', '日語', '日语', 'にほんご'], ['ja']),
  lang('ko', 'Korean', '한국어', ['kr', 'kor', '韓文', '韓語', '韩语', '韓國語'], ['ko']),
  lang('es', 'Spanish', 'Español', ['spa', 'es-ES', 'es-419', 'es-MX', 'Castellano', 'Latin American Spanish', '西班牙文', '西班牙語', '西班牙语'], ['es-ES', 'es-419']),
  lang('fr', 'French', 'Français', ['fra', 'fre', 'fr-FR', 'fr-CA', '法文', '法語', '法语'], ['fr']),
  lang('de', 'German', 'Deutsch', ['deu', 'ger', 'de-DE', '德文', '德語', '德语'], ['de']),
  lang('pt-BR', 'Brazilian Portuguese', 'Português (Brasil)', ['Portuguese (Brazil)', 'Brazilian', '巴西葡萄牙語', '巴西葡萄牙语'], ['pt-BR'],
    'Write Brazilian Portuguese as used in Brazil.'),
  lang('pt', 'Portuguese', 'Português', ['por', 'pt-PT', 'European Portuguese', 'Portuguese (Portugal)', '葡萄牙文', '葡萄牙語', '葡萄牙语'], [],
    'Write European Portuguese as used in Portugal.'),
  lang('it', 'Italian', 'Italiano', ['ita', '義大利文', '義大利語', '意大利語', '意大利语'], ['it']),
  lang('ru', 'Russian', 'Русский', ['rus', '俄文', '俄語', '俄语'], ['ru']),
  lang('uk', 'Ukrainian', 'Українська', ['ukr', 'ua', '烏克蘭文', '烏克蘭語', '乌克兰语'], ['uk']),
  lang('vi', 'Vietnamese', 'Tiếng Việt', ['vie', 'vn', '越南文', '越南語', '越南语'], ['vi']),
  lang('th', 'Thai', 'ไทย', ['tha', 'ภาษาไทย', '泰文', '泰語', '泰语'], ['th']),
  lang('id', 'Indonesian', 'Bahasa Indonesia', ['ind', '印尼文', '印尼語', '印尼语'], ['id']),
  lang('ms', 'Malay', 'Bahasa Melayu', ['msa', 'may', 'Melayu', '馬來文', '馬來語', '马来语']),
  lang('tl', 'Filipino', 'Tagalog', ['fil', 'tgl', '菲律賓語', '菲律宾语', '他加祿語']),
  lang('hi', 'Hindi', 'हिन्दी', ['hin', 'हिंदी', '印地語', '印地语'], ['hi']),
  lang('ar', 'Arabic', 'العربية', ['ara', '阿拉伯文', '阿拉伯語', '阿拉伯语']),
  lang('he', 'Hebrew', 'עברית', ['heb', 'iw', '希伯來文', '希伯來語', '希伯来语']),
  lang('tr', 'Turkish', 'Türkçe', ['tur', '土耳其文', '土耳其語', '土耳其语'], ['tr']),
  lang('pl', 'Polish', 'Polski', ['pol', '波蘭文', '波蘭語', '波兰语'], ['pl']),
  lang('nl', 'Dutch', 'Nederlands', ['nld', 'dut', 'Flemish', 'Vlaams', '荷蘭文', '荷蘭語', '荷兰语'], ['nl']),
  lang('sv', 'Swedish', 'Svenska', ['swe', 'sv-SE', '瑞典文', '瑞典語', '瑞典语'], ['sv-SE']),
  lang('no', 'Norwegian', 'Norsk', ['nor', 'nb', 'nob', 'Bokmål', 'Norsk bokmål', '挪威文', '挪威語', '挪威语'], ['no']),
  lang('da', 'Danish', 'Dansk', ['dan', '丹麥文', '丹麥語', '丹麦语'], ['da']),
  lang('fi', 'Finnish', 'Suomi', ['fin', '芬蘭文', '芬蘭語', '芬兰语'], ['fi']),
  lang('cs', 'Czech', 'Čeština', ['ces', 'cze', '捷克文', '捷克語', '捷克语'], ['cs']),
  lang('el', 'Greek', 'Ελληνικά', ['ell', 'gre', 'gr', '希臘文', '希臘語', '希腊语'], ['el']),
  lang('hu', 'Hungarian', 'Magyar', ['hun', '匈牙利文', '匈牙利語', '匈牙利语'], ['hu']),
  lang('ro', 'Romanian', 'Română', ['ron', 'rum', '羅馬尼亞文', '羅馬尼亞語', '罗马尼亚语'], ['ro']),
  lang('bg', 'Bulgarian', 'Български', ['bul', '保加利亞文', '保加利亞語', '保加利亚语'], ['bg']),
  lang('hr', 'Croatian', 'Hrvatski', ['hrv', '克羅埃西亞文', '克羅埃西亞語', '克罗地亚语'], ['hr']),
  lang('sr', 'Serbian', 'Српски', ['srp', 'Srpski', '塞爾維亞文', '塞爾維亞語', '塞尔维亚语'], [], 'Write Serbian in the Cyrillic script.'),
  lang('lt', 'Lithuanian', 'Lietuvių', ['lit', '立陶宛文', '立陶宛語', '立陶宛语'], ['lt']),
  lang('sk', 'Slovak', 'Slovenčina', ['slk', 'slo', '斯洛伐克文', '斯洛伐克語', '斯洛伐克语']),
  lang('ca', 'Catalan', 'Català', ['cat', '加泰隆尼亞語', '加泰罗尼亚语']),
  lang('fa', 'Persian', 'فارسی', ['fas', 'per', 'Farsi', '波斯文', '波斯語', '波斯语']),
  lang('ur', 'Urdu', 'اردو', ['urd', '烏爾都語', '乌尔都语']),
  lang('bn', 'Bengali', 'বাংলা', ['ben', 'Bangla', '孟加拉文', '孟加拉語', '孟加拉语']),
  lang('ta', 'Tamil', 'தமிழ்', ['tam', '坦米爾語', '泰米爾語', '泰米尔语']),
  lang('sw', 'Swahili', 'Kiswahili', ['swa', '史瓦希里語', '斯瓦希里语']),
  lang('la', 'Latin', 'Latina', ['lat', '拉丁文', '拉丁語', '拉丁语']),
  lang('yue', 'Cantonese', '粵語', ['zh-yue', 'yue-HK', '廣東話', '广东话', '粤语', '廣府話'], [],
    'Write colloquial written Cantonese in Traditional characters as used in Hong Kong (e.g. 係、唔、嘅、咗).'),
  lang('nan', 'Taiwanese Hokkien', '台語', ['nan-TW', 'Taiwanese', 'Hokkien', 'Min Nan', '臺語', '台灣話', '臺灣話', '閩南語', '闽南语'], [],
    'Write Taiwanese Hokkien in Traditional Han characters, following the Taiwan Ministry of Education recommended characters (台灣閩南語推薦用字).'),
];

/** Case, width, spacing, `_` vs `-` and Latin accents do not matter: "  zh_TW ", "ZH-tw" and "español" all match. */
export function normalizeName(input: string): string {
  return input
    .normalize('NFKD')
    .replace(/(\p{Script=Latin})\p{M}+/gu, '$1') // drop accents on Latin letters only; other scripts need their marks
    .normalize('NFC')
    .toLowerCase()
    .replace(/[()（）]/g, ' ')
    .replace(/_/g, '-')
    .replace(/\s*-\s*/g, '-')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Its id, names and aliases, and what ICU calls it in each reader language ("ドイツ語" finds German). */
function namesOf(language: Language): string[] {
  return [language.id, language.english, language.native, ...language.aliases, ...namesInReaderLanguages(language.id)];
}

const BY_NAME = new Map<string, Language>();
for (const language of LANGUAGES) {
  for (const name of namesOf(language)) {
    const key = normalizeName(name);
    const taken = BY_NAME.get(key);
    // A name shared by two languages would make lookups depend on catalogue order; fail loudly instead.
    if (taken && taken !== language) throw new Error(`Language name "${name}" is used by both ${taken.id} and ${language.id}`);
    BY_NAME.set(key, language);
  }
}

const ENGLISH = LANGUAGES[0] as Language;

export function findLanguage(input: string): Language | undefined {
  const key = normalizeName(input);
  if (!key) return undefined;
  // A pasted autocomplete label, "Japanese — 日本語 (ja)", carries its id at the end.
  const labelled = /\(([^()]+)\)$/.exec(input.trim())?.[1];
  return BY_NAME.get(key) ?? BY_NAME.get(key.replace(/ /g, '-')) ?? (labelled ? BY_NAME.get(normalizeName(labelled)) : undefined);
}

/** The language of a Discord locale; anything unknown falls back to English. */
export function languageForLocale(locale: string | null | undefined): Language {
  if (!locale) return ENGLISH;
  const exact = LANGUAGES.find((language) => language.discordLocales.includes(locale));
  // Non-Discord tags still resolve sensibly: zh-HK through its alias, fr-CA through its base language.
  return exact ?? findLanguage(locale) ?? findLanguage(locale.split(/[-_]/)[0] ?? '') ?? ENGLISH;
}

export interface LanguageChoice {
  name: string;
  value: string;
}

/** Discord allows at most 25 autocomplete choices, each name and value at most 100 characters. */
export const MAX_CHOICES = 25;
const MAX_CHOICE_LENGTH = 100;

/** The language's name for a reader: the catalogue's English name for English readers, else ICU's name in their language. */
export function languageName(language: Language, ui: CatalogueLanguage): string {
  return ui === 'en' ? language.english : displayName(language.id, ui) ?? language.english;
}

/** "Japanese — 日本語 (ja)": the name in the reader's language, the language's own name, and the id. */
export function choiceLabel(language: Language, ui: CatalogueLanguage = 'en'): string {
  const name = languageName(language, ui);
  const label = name === language.native ? `${name} (${language.id})` : `${name} — ${language.native} (${language.id})`;
  return Array.from(label).slice(0, MAX_CHOICE_LENGTH).join('');
}

/** 0 exact, 1 prefix, 2 substring, on the best-matching name; undefined when nothing matches. */
function rank(language: Language, query: string): number | undefined {
  let best: number | undefined;
  for (const name of namesOf(language)) {
    const key = normalizeName(name);
    const score = key === query ? 0 : key.startsWith(query) ? 1 : key.includes(query) ? 2 : undefined;
    if (score !== undefined && (best === undefined || score < best)) best = score;
  }
  return best;
}

/** Autocomplete choices: exact matches, then prefix, then substring matches; ties keep catalogue (popularity) order. */
export function suggestLanguages(query: string, limit = MAX_CHOICES, ui: CatalogueLanguage = 'en'): LanguageChoice[] {
  const max = Math.max(0, Math.min(limit, MAX_CHOICES));
  const key = normalizeName(query);
  const ranked = key
    ? LANGUAGES.map((language, order) => ({ language, order, score: rank(language, key) }))
        .filter((entry): entry is { language: Language; order: number; score: number } => entry.score !== undefined)
        .sort((a, b) => a.score - b.score || a.order - b.order)
        .map((entry) => entry.language)
    : LANGUAGES;
  return ranked.slice(0, max).map((language) => ({ name: choiceLabel(language, ui), value: language.id }));
}
