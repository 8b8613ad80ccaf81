import { IntlMessageFormat } from 'intl-messageformat';
import { describe, expect, test } from 'vitest';
import { LANGUAGES, loadCatalogues, PLAIN_TEXT, t } from '../../src/services/i18n.ts';

/** What the catalogue text gives through ICU MessageFormat itself (as i18n.ts formats every other text). */
const viaIcu = (text: string, language: string) => String(new IntlMessageFormat(text, language, undefined, { ignoreTag: true }).format({}));

describe('texts given back without the formatter (no placeholder, plural or quoting)', () => {
  test.each([
    ['Plain words.', true],
    ["A member's limit, the server's cap", true],
    ["ends with an apostrophe'", true],
    ['<@123> and <t:1:R>', true],
    ['{count} left', false],
    ["two apostrophes '' make one", false],
    ["'{literal braces}'", false],
    ["quoted '<tag>'", false],
  ])('%s: plain %s, and the same text as ICU gives', (text, plain) => {
    expect(PLAIN_TEXT.test(text)).toBe(plain);
    if (plain) expect(viaIcu(text, 'en')).toBe(text);
  });

  test('every catalogue text without placeholders reads the same as through ICU MessageFormat, in every language', () => {
    const catalogues = loadCatalogues();
    let plain = 0;
    for (const language of LANGUAGES) {
      for (const [namespace, texts] of Object.entries(catalogues[language])) {
        for (const [key, text] of Object.entries(texts)) {
          if (/[{}]/.test(text)) continue;
          if (PLAIN_TEXT.test(text)) plain++;
          expect(t(language, namespace, key), `${language} ${namespace}:${key}`).toBe(viaIcu(text, language));
        }
      }
    }
    // Most texts take the short way (the command descriptions built at every start among them).
    expect(plain).toBeGreaterThan(500);
  });
});
