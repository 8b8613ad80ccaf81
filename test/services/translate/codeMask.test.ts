import { describe, expect, test } from 'vitest';
import { maskCode } from '../../../src/services/translate/codeMask.ts';

describe('maskCode', () => {
  test.each([
    ['inline code', 'use `x = 1` here', 'use ⟦CODE0⟧ here', ['`x = 1`']],
    ['double-backtick code holding a backtick', 'type `` a`b `` now', 'type ⟦CODE0⟧ now', ['`` a`b ``']],
    ['a fenced block with indentation', 'See:\n```ts\nif (a) {\n    b();\n}\n```\nDone', 'See:\n⟦CODE0⟧\nDone', ['```ts\nif (a) {\n    b();\n}\n```']],
    ['a fence that holds inline backticks', '```md\nuse `x`\n```', '⟦CODE0⟧', ['```md\nuse `x`\n```']],
    ['a fence closed by a longer run', '```\ncode\n````\nafter', '⟦CODE0⟧\nafter', ['```\ncode\n````']],
    ['Discord one-line block', 'a ```code``` b', 'a ⟦CODE0⟧ b', ['```code```']],
    ['a block closed right after the code', '```js\nfoo()```\ntext', '⟦CODE0⟧\ntext', ['```js\nfoo()```']],
    ['an unclosed fence (pasted code)', 'look:\n```\nfoo()\nbar()', 'look:\n⟦CODE0⟧', ['```\nfoo()\nbar()']],
    ['an unmatched backtick', "it's a ` tick", "it's a ` tick", []],
    ['an escaped backtick', 'a \\`b` c', 'a \\`b` c', []],
    ['CRLF line endings', '```\r\nx\r\n```\r\nok', '⟦CODE0⟧\r\nok', ['```\r\nx\r\n```']],
    ['two spans', '`a` and `b`', '⟦CODE0⟧ and ⟦CODE1⟧', ['`a`', '`b`']],
    ['no code', '你好 <@1>', '你好 <@1>', []],
  ])('%s', (_case, text, masked, codes) => {
    const result = maskCode(text);
    expect(result.masked).toBe(masked);
    expect(result.codes).toEqual(codes);
    expect(result.restore(result.masked)).toEqual({ text, missing: [] });
  });

  test('a user who literally writes ⟦CODE0⟧ keeps it', () => {
    const text = 'the token ⟦CODE0⟧ and `x`';
    const { masked, restore } = maskCode(text);
    expect(masked).toBe('the token ⟦CODE0⟧ and ⟦CODEX0⟧');
    expect(restore('le jeton ⟦CODE0⟧ et ⟦CODEX0⟧').text).toBe('le jeton ⟦CODE0⟧ et `x`');
  });

  test.each([
    ['restored as is', 'A ⟦CODE0⟧ B ⟦CODE1⟧', 'A `$1` B `$&`', []],
    ['a dropped placeholder is reported', 'A ⟦CODE1⟧', 'A `$&`', ['`$1`']],
    ['a duplicated placeholder repeats the code', '⟦CODE0⟧ ⟦CODE0⟧ ⟦CODE1⟧', '`$1` `$1` `$&`', []],
    ['spaces and case the model changed', '⟦ code0 ⟧ ⟦CODE 1⟧', '`$1` `$&`', []],
    ['a placeholder the model wrapped in backticks', '`⟦CODE0⟧` ⟦CODE1⟧', '`$1` `$&`', []],
    ['an invented placeholder is left alone', '⟦CODE0⟧ ⟦CODE1⟧ ⟦CODE7⟧', '`$1` `$&` ⟦CODE7⟧', []],
    ['everything dropped', 'nothing', 'nothing', ['`$1`', '`$&`']],
  ])('restore: %s', (_case, translated, expected, missing) => {
    const { restore } = maskCode('x `$1` y `$&`');
    expect(restore(translated)).toEqual({ text: expected, missing });
  });
});
