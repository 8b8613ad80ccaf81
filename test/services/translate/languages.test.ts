import { describe, expect, test } from 'vitest';
import {
  LANGUAGES,
  MAX_CHOICES,
  choiceLabel,
  findLanguage,
  languageForLocale,
  suggestLanguages,
} from '../../../src/services/translate/languages.ts';
import { describeLanguageHelp } from '../../../src/services/translate/messages.ts';

describe('findLanguage', () => {
  test.each([
    ['Japanese', 'ja'],
    ['ja', 'ja'],
    ['jp', 'ja'],
    ['日本語', 'ja'],
    ['繁體中文', 'zh-TW'],
    ['zh-TW', 'zh-TW'],
    ['zh_tw', 'zh-TW'],
    ['ZH - tw', 'zh-TW'],
    ['Traditional Chinese', 'zh-TW'],
    ['traditional   chinese', 'zh-TW'],
    ['正體中文', 'zh-TW'],
    ['zh-Hant', 'zh-TW'],
    ['zh-HK', 'zh-TW'], // Hong Kong writes Traditional characters
    ['简体中文', 'zh-CN'],
    ['zh-Hans', 'zh-CN'],
    ['zh-SG', 'zh-CN'],
    ['中文', 'zh-TW'], // ambiguous; this bot's audience writes Traditional
    ['Chinese', 'zh-TW'],
    ['zh', 'zh-TW'],
    [' JAPANESE ', 'ja'],
    ['español', 'es'],
    ['Espanol', 'es'], // accents are optional
    ['ｊａ', 'ja'], // full-width letters from a CJK keyboard
    ['Tieng Viet', 'vi'],
    ['pt br', 'pt-BR'],
    ['Portuguese', 'pt'],
    ['廣東話', 'yue'],
    ['Taiwanese', 'nan'],
    ['Japanese — 日本語 (ja)', 'ja'],
    ['Klingonese', undefined],
    ['', undefined],
    ['   ', undefined],
  ])('%j → %s', (input, id) => {
    expect(findLanguage(input)?.id).toBe(id);
  });

  test('the catalogue has about forty languages with unique ids', () => {
    expect(LANGUAGES.length).toBeGreaterThanOrEqual(40);
    expect(new Set(LANGUAGES.map((language) => language.id)).size).toBe(LANGUAGES.length);
  });
});

describe('languageForLocale', () => {
  test.each([
    ['zh-TW', 'zh-TW'],
    ['zh-CN', 'zh-CN'],
    ['en-US', 'en'],
    ['en-GB', 'en'],
    ['ja', 'ja'],
    ['ko', 'ko'],
    ['pt-BR', 'pt-BR'],
    ['es-419', 'es'],
    ['es-ES', 'es'],
    ['sv-SE', 'sv'],
    ['no', 'no'],
    ['zh-HK', 'zh-TW'], // Hong Kong writes Traditional characters
    ['fr-CA', 'fr'],
    ['en-AU', 'en'],
    ['xx-YY', 'en'],
    ['', 'en'],
    [null, 'en'],
    [undefined, 'en'],
  ])('%j → %s', (locale, id) => {
    expect(languageForLocale(locale).id).toBe(id);
  });

  test('every Discord locale maps to a language of the same kind', () => {
    const discordLocales = ['id', 'da', 'de', 'en-GB', 'en-US', 'es-ES', 'es-419', 'fr', 'hr', 'it', 'lt', 'hu', 'nl', 'no', 'pl', 'pt-BR', 'ro', 'fi', 'sv-SE', 'vi', 'tr', 'cs', 'el', 'bg', 'ru', 'uk', 'hi', 'th', 'zh-CN', 'ja', 'zh-TW', 'ko'];
    for (const locale of discordLocales) {
      const language = languageForLocale(locale);
      expect(language.discordLocales, locale).toContain(locale);
    }
  });
});

describe('suggestLanguages', () => {
  const ids = (query: string): string[] => suggestLanguages(query).map((choice) => choice.value);

  test('an empty query lists the most common languages first', () => {
    expect(ids('').slice(0, 6)).toEqual(['en', 'zh-TW', 'zh-CN', 'ja', 'ko', 'es']);
    expect(suggestLanguages('')[3]).toEqual({ name: 'Japanese — 日本語 (ja)', value: 'ja' });
  });

  test.each([
    ['ja', 'ja'],
    ['日', 'ja'],
    ['jap', 'ja'],
    ['繁', 'zh-TW'],
    ['spanish', 'es'],
  ])('%j puts %s first', (query, first) => {
    expect(ids(query)[0]).toBe(first);
  });

  test('exact matches come before prefix matches, which come before substring matches', () => {
    // "por": exact alias of Portuguese, prefix of "Português (Brasil)", substring of nothing else.
    expect(ids('por').slice(0, 2)).toEqual(['pt', 'pt-BR']);
    // "chinese": exact for Traditional (this bot's default), prefix "Chinese (Simplified)" for Simplified.
    expect(ids('chinese').slice(0, 2)).toEqual(['zh-TW', 'zh-CN']);
  });

  test('"chin" offers both Chinese variants', () => {
    expect(ids('chin')).toEqual(expect.arrayContaining(['zh-TW', 'zh-CN']));
  });

  test('no match gives no choices', () => {
    expect(suggestLanguages('Klingonese')).toEqual([]);
  });

  test.each(['', 'a', 'e', 'i', ' '])('%j stays within Discord limits', (query) => {
    const choices = suggestLanguages(query, 100);
    expect(choices.length).toBeLessThanOrEqual(MAX_CHOICES);
    for (const choice of choices) {
      expect(Array.from(choice.name).length).toBeLessThanOrEqual(100);
      expect(choice.value.length).toBeLessThanOrEqual(100);
      expect(findLanguage(choice.value)?.id).toBe(choice.value);
    }
  });

  test('the limit is honoured', () => {
    expect(suggestLanguages('', 3)).toHaveLength(3);
  });
});

describe('describeLanguageHelp', () => {
  test.each(['en', 'zh-TW', 'zh-CN', 'ja'] as const)('%s names codes, English names and own names, and every example it gives is understood', (ui) => {
    const help = describeLanguageHelp(ui);
    const examples = [...help.matchAll(/`([^`]+)`/g)].map((match) => match[1]!);
    expect(examples.length).toBeGreaterThanOrEqual(5);
    for (const example of ['ja', 'Japanese']) expect(examples).toContain(example);
    for (const example of examples) expect(findLanguage(example), `${ui}: ${example}`).toBeDefined();
  });
});

describe('names in the reader\'s language', () => {
  test.each([
    ['en', 'ja', 'Japanese — 日本語 (ja)'],
    ['zh-TW', 'ja', '日文 — 日本語 (ja)'],
    ['zh-CN', 'de', '德语 — Deutsch (de)'],
    ['ja', 'zh-TW', '繁体中国語 — 繁體中文 (zh-TW)'],
    ['ja', 'ja', '日本語 (ja)'],
    ['zh-CN', 'zh-CN', '简体中文 (zh-CN)'],
  ] as const)('a %s reader sees %s as %s', (ui, id, label) => {
    expect(choiceLabel(findLanguage(id)!, ui)).toBe(label);
  });

  test.each([['ドイツ語', 'de'], ['德语', 'de'], ['韓国語', 'ko'], ['簡体中国語', 'zh-CN'], ['西班牙文', 'es']])('%s, the name a reader knows it by, finds %s', (name, id) => {
    expect(findLanguage(name)?.id).toBe(id);
  });

  test('suggestions are labelled in the reader\'s language', () => {
    expect(suggestLanguages('ドイツ', 5, 'ja')).toEqual([{ name: 'ドイツ語 — Deutsch (de)', value: 'de' }]);
  });
});
