import { IntlMessageFormat } from 'intl-messageformat';
import { describe, expect, test } from 'vitest';
import { filledIn, LANGUAGES, loadCatalogues, PLAIN_TEXT, t, type TextValues } from '../../src/services/i18n.ts';

/** What the catalogue text gives through ICU MessageFormat itself (as i18n.ts formats every other text). */
const viaIcu = (text: string, language: string, values: TextValues = {}) => String(new IntlMessageFormat(text, language, undefined, { ignoreTag: true }).format(values));
/** What a call gives, or that it threw. */
const outcome = (read: () => string) => { try { return read(); } catch { return 'threw'; } };

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

  test.each([
    ['Up to {max} images', { max: 4 }, 'Up to 4 images'],
    ['{who} asked {count} times', { who: 'Ann', count: 12 }, 'Ann asked 12 times'],
    ['{count} left', { count: 1234567 }, '1234567 left'],
    ['{count} left', { count: 2.5 }, '2.5 left'],
    ['{count, number} left', { count: 1234567 }, undefined],
    ['{count} left', {}, undefined],
    ['{count, plural, one {# file} other {# files}}', { count: 1 }, undefined],
    ["it'{s} quoted", { s: 'x' }, 'it{s} quoted'],
    ["one '{'\"messages\": [...]'}' example, at least {min}", { min: 10 }, 'one {"messages": [...]} example, at least 10'],
    ["a '{quoted ''part''}' and it's {n}", { n: 1 }, "a {quoted 'part'} and it's 1"],
    ["unclosed '{ quote {n}", { n: 1 }, 'unclosed { quote {n}'],
    ['a lone } brace', {}, undefined],
  ] as [string, TextValues, string | undefined][])('%s with %o: %s', (text, values, expected) => {
    expect(filledIn(text, values)).toBe(expected);
    if (expected !== undefined) expect(viaIcu(text, 'en', values)).toBe(expected);
  });

  test('any text, not only today\'s catalogues: whenever the short way answers, ICU MessageFormat gives the same', () => {
    // Seeded (mulberry32), so a failure repeats: texts built from the pieces ICU treats specially, in every order.
    let seed = 0x5eed;
    const random = (below: number) => {
      seed = (seed + 0x6d2b79f5) | 0;
      let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
      return (((x ^ (x >>> 14)) >>> 0) % below);
    };
    const pieces = ['{', '}', "'", "''", '<', '>', '#', 'a', ' ', '{n}', '{s}', '{e}', '{missing}', '{constructor}', '{n, number}', '{ n }', "'{", "'}", '<b>', 'é', '𝄞'];
    const values: TextValues = { n: 1234567.5, s: "it's {n} '<'", e: '' };
    let short = 0;
    const differing: string[] = [];
    for (let round = 0; round < 20_000; round++) {
      let text = '';
      for (let n = random(9); n > 0; n--) text += pieces[random(pieces.length)];
      const mine = filledIn(text, values);
      if (mine === undefined) continue;
      short++;
      const icu = outcome(() => viaIcu(text, 'en', values));
      if (icu !== mine) differing.push(`${JSON.stringify(text)}: ${JSON.stringify(mine)} but ICU ${JSON.stringify(icu)}`);
    }
    expect(differing.slice(0, 5)).toEqual([]);
    expect(short).toBeGreaterThan(5_000);
  });

  test('every catalogue text with values reads the same as through ICU MessageFormat, in every language', () => {
    const catalogues = loadCatalogues();
    let filled = 0;
    for (const language of LANGUAGES) {
      for (const [namespace, texts] of Object.entries(catalogues[language])) {
        for (const [key, text] of Object.entries(texts)) {
          const names = [...text.matchAll(/\{\s*(\w+)/g)].map((match) => match[1]!);
          if (names.length === 0) continue;
          for (const sample of [7, 0, 999, 1000, 1234567, 2.5, 'Ann', 'other']) {
            const values = Object.fromEntries(names.map((name) => [name, sample]));
            if (filledIn(text, values) !== undefined) filled++;
            expect(outcome(() => t(language, namespace, key, values)), `${language} ${namespace}:${key} ${String(sample)}`).toBe(outcome(() => viaIcu(text, language, values)));
          }
        }
      }
    }
    expect(filled).toBeGreaterThan(500);
  });
});
