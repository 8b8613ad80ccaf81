/** The bot's users speak Traditional Chinese and English; Discord tells us each user's locale. */
export type Language = 'en' | 'zh-TW';

export type Texts = Record<Language, string>;

export function languageOf(locale: string | null | undefined): Language {
  return locale === 'zh-TW' || locale === 'zh-HK' ? 'zh-TW' : 'en';
}

export type TextValues = Record<string, string | number>;

/** A lookup over one table of texts: `{name}` placeholders are filled from `values`. */
export function textTable<K extends string>(table: Record<K, Texts>): (key: K, language: Language, values?: TextValues) => string {
  return (key, language, values = {}) => table[key][language].replace(/\{(\w+)\}/g, (_, name: string) => String(values[name] ?? `{${name}}`));
}
