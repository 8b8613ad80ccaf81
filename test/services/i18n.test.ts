import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { describe, expect, it } from 'vitest';
import { catalogue, catalogueLanguageOf, LANGUAGES, loadCatalogues, localizations, t } from '../../src/services/i18n.ts';

const catalogues = loadCatalogues();

/** The argument names a message uses, with their kind (a plural's `count` must stay a plural everywhere). */
function argumentsOf(elements: MessageFormatElement[], into = new Set<string>()): Set<string> {
  for (const element of elements) {
    if (element.type === TYPE.argument || element.type === TYPE.number || element.type === TYPE.date || element.type === TYPE.time) into.add(element.value);
    if (element.type === TYPE.plural || element.type === TYPE.select) {
      into.add(element.value);
      for (const option of Object.values(element.options)) argumentsOf(option.value, into);
    }
  }
  return into;
}

const parseMessage = (text: string) => parse(text, { ignoreTag: true });

describe('catalogues', () => {
  const english = catalogues.en;

  it('has English catalogues to start from', () => {
    expect(Object.keys(english).length).toBeGreaterThan(0);
  });

  for (const language of LANGUAGES.filter((l) => l !== 'en')) {
    it(`${language} has exactly the namespaces and keys English has`, () => {
      expect(Object.keys(catalogues[language]).sort()).toEqual(Object.keys(english).sort());
      for (const [namespace, texts] of Object.entries(english)) {
        expect(Object.keys(catalogues[language][namespace] ?? {}).sort(), `${language}/${namespace}`).toEqual(Object.keys(texts).sort());
      }
    });

    it(`${language} uses the same placeholders as English in every text`, () => {
      for (const [namespace, texts] of Object.entries(english)) {
        for (const [key, source] of Object.entries(texts)) {
          const translated = catalogues[language][namespace]?.[key];
          if (translated === undefined) continue;
          expect([...argumentsOf(parseMessage(translated))].sort(), `${language}/${namespace}:${key}`).toEqual([...argumentsOf(parseMessage(source))].sort());
        }
      }
    });
  }

  it('every text is valid ICU MessageFormat', () => {
    for (const language of LANGUAGES) {
      for (const [namespace, texts] of Object.entries(catalogues[language])) {
        for (const [key, text] of Object.entries(texts)) expect(() => parseMessage(text), `${language}/${namespace}:${key}`).not.toThrow();
      }
    }
  });

  it('command descriptions fit Discord\'s 100 characters in every language', () => {
    for (const language of LANGUAGES) {
      for (const [namespace, texts] of Object.entries(catalogues[language])) {
        for (const [key, text] of Object.entries(texts)) {
          if (key.startsWith('command.')) expect(text.length, `${language}/${namespace}:${key}`).toBeLessThanOrEqual(100);
        }
      }
    }
  });
});

describe('lookup', () => {
  it('fills placeholders and plurals in the reader\'s language', () => {
    expect(t('en', 'reset', 'done', { count: 1 })).toBe("Done: I forgot this channel's conversation (1 message).");
    expect(t('en', 'reset', 'done', { count: 3 })).toBe("Done: I forgot this channel's conversation (3 messages).");
    expect(t('zh-TW', 'reset', 'done', { count: 3 })).toBe('完成：已忘記這個頻道的對話（3 則訊息）。');
    expect(catalogue('reset')('empty', 'ja')).toBe('このチャンネルには忘れる会話がありませんでした。');
  });

  it('maps Discord locales to catalogues, anything else to English', () => {
    expect(catalogueLanguageOf('zh-TW')).toBe('zh-TW');
    expect(catalogueLanguageOf('zh-CN')).toBe('zh-CN');
    expect(catalogueLanguageOf('ja')).toBe('ja');
    expect(catalogueLanguageOf('fr')).toBe('en');
    expect(catalogueLanguageOf(undefined)).toBe('en');
  });

  it('gives Discord a localization from every other catalogue', () => {
    expect(localizations('reset', 'command.description')).toEqual({
      'zh-TW': catalogues['zh-TW'].reset?.['command.description'],
      'zh-CN': catalogues['zh-CN'].reset?.['command.description'],
      ja: catalogues.ja.reset?.['command.description'],
    });
  });

  it('refuses a key no catalogue has, instead of showing it', () => {
    expect(() => t('en', 'reset', 'no-such-key')).toThrow(/reset:no-such-key/);
  });
});
