import type { Language as UiLanguage } from '../failureMessages.ts';
import { describeLanguageHelp, findLanguage, type Language } from './languages.ts';
import type { SourceLanguage } from './service.ts';

/** How much of an unrecognised `to` value is echoed back; Discord caps option values far above this. */
const ECHOED_INPUT_MAX = 60;

const TEXT = {
  translatedFrom: { en: '-# 🌐 Translated from {source} into {target}', 'zh-TW': '-# 🌐 從{source}翻譯成{target}' },
  translatedInto: { en: '-# 🌐 Translated into {target}', 'zh-TW': '-# 🌐 已翻譯成{target}' },
  sameLanguage: { en: 'This text is already in {target}, so there is nothing to translate.', 'zh-TW': '這段文字已經是{target}，不需要翻譯。' },
  nothing: {
    en: 'There is nothing to translate: the text holds only code, links, mentions or emoji.',
    'zh-TW': '沒有可翻譯的內容：這段文字只有程式碼、連結、提及或表情符號。',
  },
  noText: {
    en: 'This message has no text to translate (only attachments, stickers or other media).',
    'zh-TW': '這則訊息沒有可翻譯的文字（只有附件、貼圖或其他媒體）。',
  },
  unknownLanguage: { en: 'I don\'t know the language "{input}".', 'zh-TW': '我不認得「{input}」這個語言。' },
  missingCode: {
    en: '-# Some code could not be put back into the translation; here it is as written:',
    'zh-TW': '-# 有些程式碼無法放回譯文中，以下是原文：',
  },
} satisfies Record<string, Record<UiLanguage, string>>;

function fill(key: keyof typeof TEXT, ui: UiLanguage, values: Record<string, string> = {}): string {
  // A space set around a Latin name is dropped again next to full-width punctuation ("是 English，").
  return TEXT[key][ui].replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? '').replace(/ +(?=[，。：、）])/g, '').trimEnd();
}

/** Chinese text sets Latin words off with spaces: 從 English 翻譯成繁體中文. */
function spacedForChinese(name: string): string {
  return `${/^[\p{Script=Latin}\d]/u.test(name) ? ' ' : ''}${name}${/[\p{Script=Latin}\d]$/u.test(name) ? ' ' : ''}`;
}

/** English names for English readers; each language's own name for Chinese readers (the catalogue has no Chinese names). */
function nameOf(language: Language, ui: UiLanguage): string {
  return ui === 'zh-TW' ? spacedForChinese(language.native) : language.english;
}

function sourceName(source: SourceLanguage, ui: UiLanguage): string {
  const known = findLanguage(source.code ?? '') ?? findLanguage(source.name);
  if (known) return nameOf(known, ui);
  return ui === 'zh-TW' ? spacedForChinese(source.name) : source.name;
}

/** The line above a translation saying what it was translated from. */
export function translationHeader(source: SourceLanguage | undefined, target: Language, ui: UiLanguage): string {
  return source
    ? fill('translatedFrom', ui, { source: sourceName(source, ui), target: nameOf(target, ui) })
    : fill('translatedInto', ui, { target: nameOf(target, ui) });
}

export const sameLanguageText = (target: Language, ui: UiLanguage) => fill('sameLanguage', ui, { target: nameOf(target, ui) });
export const nothingToTranslateText = (ui: UiLanguage) => fill('nothing', ui);
export const noTextInMessageText = (ui: UiLanguage) => fill('noText', ui);
export const missingCodeNote = (ui: UiLanguage) => fill('missingCode', ui);

/** "Unknown language" plus how to write one; the echoed input loses backticks and line breaks so it cannot break the reply. */
export function unknownLanguageText(input: string, ui: UiLanguage): string {
  const echoed = Array.from(input.replace(/[`\r\n]+/g, ' ').trim()).slice(0, ECHOED_INPUT_MAX).join('');
  return `${fill('unknownLanguage', ui, { input: echoed })}\n${describeLanguageHelp(ui)}`;
}
