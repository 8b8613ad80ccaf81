import { catalogue, type CatalogueLanguage } from '../i18n.ts';
import { findLanguage, languageName, type Language } from './languages.ts';
import { displayName } from './names.ts';
import type { SourceLanguage } from './service.ts';

/** How much of an unrecognised `to` value is echoed back; Discord caps option values far above this. */
const ECHOED_INPUT_MAX = 60;

/** Every translation text lives in the `translate` catalogue (locales/<language>/translate.json). */
const text = catalogue<'translatedFrom' | 'translatedInto' | 'sameLanguage' | 'nothing' | 'noText' | 'unknownLanguage' | 'languageHelp' | 'missingCode'>('translate');

/** Chinese and Japanese text set Latin words off with spaces (a name like "Klingon" gets one on each side). */
function spacedForCjk(name: string, ui: CatalogueLanguage): string {
  if (ui === 'en') return name;
  return `${/^[\p{Script=Latin}\d]/u.test(name) ? ' ' : ''}${name}${/[\p{Script=Latin}\d]$/u.test(name) ? ' ' : ''}`;
}

/** A space set around a Latin name is dropped again next to full-width punctuation (comma, full stop, colon, enumeration comma, closing parenthesis) and doubled ones fold. */
const tidy = (message: string) => message.replace(/ +(?=[\uFF0C\u3002\uFF1A\u3001\uFF09])/g, '').replace(/ {2,}/g, ' ').trim();

const nameOf = (language: Language, ui: CatalogueLanguage) => spacedForCjk(languageName(language, ui), ui);

/** A source the catalogue knows by its reader's name; else ICU's name of the code the model gave; else the model's own words. */
function sourceName(source: SourceLanguage, ui: CatalogueLanguage): string {
  const known = findLanguage(source.code ?? '') ?? findLanguage(source.name);
  if (known) return nameOf(known, ui);
  const named = ui === 'en' || !source.code ? undefined : displayName(source.code, ui);
  return spacedForCjk(named ?? source.name, ui);
}

/** The line above a translation saying what it was translated from. */
export function translationHeader(source: SourceLanguage | undefined, target: Language, ui: CatalogueLanguage): string {
  return tidy(source
    ? text('translatedFrom', ui, { source: sourceName(source, ui), target: nameOf(target, ui) })
    : text('translatedInto', ui, { target: nameOf(target, ui) }));
}

export const sameLanguageText = (target: Language, ui: CatalogueLanguage) => tidy(text('sameLanguage', ui, { target: nameOf(target, ui) }));
export const nothingToTranslateText = (ui: CatalogueLanguage) => text('nothing', ui);
export const noTextInMessageText = (ui: CatalogueLanguage) => text('noText', ui);
export const missingCodeNote = (ui: CatalogueLanguage) => text('missingCode', ui);
/** How to name a language, for the "unknown language" reply. */
export const describeLanguageHelp = (ui: CatalogueLanguage = 'en') => text('languageHelp', ui);

/** "Unknown language" plus how to write one; the echoed input loses backticks and line breaks so it cannot break the reply. */
export function unknownLanguageText(input: string, ui: CatalogueLanguage): string {
  const echoed = Array.from(input.replace(/[`\r\n]+/g, ' ').trim()).slice(0, ECHOED_INPUT_MAX).join('');
  return `${text('unknownLanguage', ui, { input: echoed })}\n${describeLanguageHelp(ui)}`;
}
