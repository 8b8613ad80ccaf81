import { describe, expect, test } from 'vitest';
import { DISCORD_MESSAGE_LIMIT, closeOpenFence, splitMessage } from '../../src/services/messageSplitter.ts';

const cpLength = (s: string): number => Array.from(s).length;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Checks the rules every split must keep: size, no empty chunks, no broken surrogates, balanced fences. */
function expectWellFormed(chunks: string[], limit = DISCORD_MESSAGE_LIMIT): void {
  chunks.forEach((chunk, i) => {
    expect(cpLength(chunk), `chunk ${i} length`).toBeLessThanOrEqual(limit);
    expect(chunk.trim(), `chunk ${i} is empty`).not.toBe('');
    expect(LONE_SURROGATE.test(chunk), `chunk ${i} has a broken surrogate pair`).toBe(false);
    if (i < chunks.length - 1) expect(closeOpenFence(chunk), `chunk ${i} leaves a fence open`).toBe(chunk);
  });
}

/** Undoes the fence repair between consecutive chunks (added closer + reopened opener) and joins them. */
function rejoin(chunks: string[]): string {
  let joined = chunks[0] ?? '';
  for (const next of chunks.slice(1)) {
    const opener = /^ {0,3}(`{3,}|~{3,}).*\n/.exec(next);
    const marker = opener?.[1];
    if (opener && marker && joined.endsWith(`\n${marker}`)) {
      joined = `${joined.slice(0, -marker.length)}${next.slice(opener[0].length)}`;
    } else joined = `${joined}\n${next}`;
  }
  return joined;
}

/** A fenced block of indented code lines, `lines` long. */
function codeBlock(opener: string, marker: string, lines: number, indent = ''): { block: string; code: string } {
  const code = Array.from({ length: lines }, (_, i) =>
    `${indent}${i % 3 === 0 ? '' : '    '}const value${i} = compute(${i}, "${'x'.repeat(i % 7)}");`,
  ).join('\n');
  return { block: `${opener}\n${code}\n${indent}${marker}`, code };
}

/** Deterministic mixed Markdown document: prose, lists, long lines, CJK/emoji, links, inline code, fences. */
function generateDocument(length: number): string {
  let seed = 42;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const words = ['alpha', 'beta', 'gamma', '`inline code`', '[a link](https://example.com/x y)', '漢字', '😀🎉', 'δέλτα', 'x'];
  const sentence = (n: number): string => Array.from({ length: n }, () => words[rand(words.length)]).join(' ');
  const parts: string[] = [];
  while (parts.join('\n').length < length) {
    switch (rand(7)) {
      case 0: parts.push(`${sentence(10 + rand(40))}.\n`); break;
      case 1: parts.push(`- ${sentence(5)}\n  - ${sentence(4)}`); break;
      case 2: parts.push(sentence(60 + rand(200))); break; // one long line
      case 3: parts.push(codeBlock('```ts', '```', 5 + rand(30)).block); break;
      case 4: parts.push(codeBlock('~~~python', '~~~', 3 + rand(10)).block); break;
      case 5: parts.push(`\`\`\`\`md\n\`\`\`js\n${sentence(20)}\n\`\`\`\n\`\`\`\``); break;
      default: parts.push('x'.repeat(50 + rand(400))); break; // no spaces at all
    }
  }
  return Array.from(parts.join('\n')).slice(0, length).join('');
}

describe('splitMessage', () => {
  test.each([
    ['a single word', 'Hello'],
    ['several lines', 'First line\nSecond line\n\n- item'],
    ['a complete code block', 'Look:\n```ts\nconst a = 1;\n```'],
    ['text of exactly 2000 characters', 'a'.repeat(2000)],
    ['2000 characters over many lines', `${'word\n'.repeat(399)}words`],
  ])('keeps %s as one chunk', (_name, text) => {
    expect(splitMessage(text)).toEqual([text]);
  });

  test.each([
    ['empty text', ''],
    ['spaces', '    '],
    ['newlines and tabs', '\n\n\t\n  \n'],
  ])('returns no chunks for %s', (_name, text) => {
    expect(splitMessage(text)).toEqual([]);
  });

  test('trims the newlines around the text of a short answer', () => {
    expect(splitMessage('\n\nHello\n\n')).toEqual(['Hello']);
  });

  test.each([
    ['one line', 'a'.repeat(2001), ['a'.repeat(2000), 'a']],
    ['many lines (cut at the last newline)', `${'word\n'.repeat(400)}x`, [`${'word\n'.repeat(399)}word`, 'x']],
  ])('splits 2001 characters on %s into two chunks', (_name, text, expected) => {
    expect(Array.from(text)).toHaveLength(2001);
    expect(splitMessage(text)).toEqual(expected);
  });

  test('hard-cuts a 4500-character line without spaces', () => {
    const text = 'b'.repeat(4500);
    const chunks = splitMessage(text);
    expect(chunks.map(cpLength)).toEqual([2000, 2000, 500]);
    expect(chunks.join('')).toBe(text);
  });

  test('cuts a long line with spaces at the last space inside the window', () => {
    const text = Array.from({ length: 700 }, (_, i) => `word${i}`).join(' ');
    const chunks = splitMessage(text);
    expectWellFormed(chunks);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.join(' ')).toBe(text);
    // The cut was the last space that fits: the next word would not have fitted.
    const firstWordOfNext = chunks[1]?.split(' ')[0] ?? '';
    expect(cpLength(`${chunks[0]} ${firstWordOfNext}`)).toBeGreaterThan(2000);
  });

  test('prefers a line boundary over a later space', () => {
    const text = `${'short line\n'.repeat(100)}${'word '.repeat(300)}`;
    const chunks = splitMessage(text);
    expect(chunks[0]).toBe('short line\n'.repeat(100).trimEnd());
  });

  test.each([
    ['CJK', '漢字かな', 2000],
    ['emoji (surrogate pairs)', '😀🎉👍🏽', 2000],
    ['mixed ASCII and emoji', 'a😀', 2000],
  ])('counts %s in code points and never breaks a surrogate pair', (_name, unit, limit) => {
    const text = unit.repeat(Math.ceil(4500 / cpLength(unit)));
    const chunks = splitMessage(text, limit);
    expectWellFormed(chunks, limit);
    expect(cpLength(chunks[0] ?? '')).toBe(limit);
    expect(chunks.join('')).toBe(text);
  });

  test('keeps 1500 emoji (3000 UTF-16 units) in one message', () => {
    const text = '😀'.repeat(1500);
    expect(text.length).toBe(3000);
    expect(splitMessage(text)).toEqual([text]);
  });

  test('closes and reopens a ```ts block that spans the 2000 boundary in a 5000-character answer', () => {
    const prose = `${'This is an explanation of the code below. '.repeat(30).trim()}\n\n`;
    const { block, code } = codeBlock('```ts', '```', 60);
    let text = `${prose}${block}\n\nAfterwards, ${'more prose follows here. '.repeat(200)}`;
    text = text.slice(0, 5000);
    expect(text.indexOf('```ts')).toBeLessThan(2000);
    expect(text.lastIndexOf('```')).toBeGreaterThan(2000);

    const chunks = splitMessage(text);
    expectWellFormed(chunks);
    expect(chunks[0]?.endsWith('\n```')).toBe(true);
    expect(chunks[1]?.startsWith('```ts\n')).toBe(true);
    expect(rejoin(chunks)).toContain(`\`\`\`ts\n${code}\n\`\`\``);
  });

  test.each([
    ['a ~~~ fence', '~~~python', '~~~', ''],
    ['a longer ```` fence', '````rust', '````', ''],
    ['a fence indented by 3 spaces', '   ```js', '```', '   '],
  ])('closes and reopens %s with the same characters and opener', (_name, opener, marker, indent) => {
    const { block, code } = codeBlock(opener, marker, 120, indent);
    const chunks = splitMessage(`Intro.\n\n${block}\n\nDone.`);
    expectWellFormed(chunks);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks[0]?.endsWith(`\n${marker}`)).toBe(true);
    expect(chunks[1]?.startsWith(`${opener}\n`)).toBe(true);
    expect(rejoin(chunks)).toContain(code);
  });

  test('recognises fences in text with CRLF line endings', () => {
    const { block } = codeBlock('```ts', '```', 120);
    const chunks = splitMessage(`Intro.\r\n${block.replace(/\n/g, '\r\n')}`);
    expectWellFormed(chunks);
    expect(chunks[0]?.endsWith('\n```')).toBe(true);
    expect(chunks[1]?.startsWith('```ts\n')).toBe(true);
  });

  test('treats ``` lines inside a ```` block as content, not as the end of the block', () => {
    const inner = Array.from({ length: 40 }, (_, i) => `\`\`\`js\nconsole.log(${i}, "${'y'.repeat(30)}");\n\`\`\``).join('\n');
    const chunks = splitMessage(`\`\`\`\`markdown\n${inner}\n\`\`\`\``, 500);
    expectWellFormed(chunks, 500);
    for (const chunk of chunks) {
      expect(chunk.startsWith('````markdown\n')).toBe(true);
      expect(chunk.endsWith('\n````')).toBe(true);
    }
  });

  test('does not take a fence indented by 4 spaces for a fence', () => {
    const text = `    \`\`\`ts\n${'word '.repeat(500)}`;
    expect(splitMessage(text).some((chunk) => chunk.endsWith('\n```'))).toBe(false);
  });

  test('keeps several code blocks balanced and their code intact', () => {
    const blocks = ['```ts', '```python', '~~~sh'].map((opener, i) =>
      codeBlock(opener, opener.slice(0, 3), 40 + 10 * i),
    );
    const text = blocks.map(({ block }, i) => `Step ${i + 1}:\n\n${block}`).join('\n\n');
    const limit = 700;
    const chunks = splitMessage(text, limit);
    expectWellFormed(chunks, limit);
    expect(chunks.filter((chunk) => /^(```|~~~)/.test(chunk)).length).toBeGreaterThan(2); // several blocks were cut
    for (const { code } of blocks) expect(rejoin(chunks)).toContain(code);
  });

  test('does not end a chunk on a bare opener line', () => {
    const text = `${'p'.repeat(1990)}\n\`\`\`ts\n${'const x = 1;\n'.repeat(20)}\`\`\``;
    const chunks = splitMessage(text);
    expect(chunks[0]).toBe('p'.repeat(1990));
    expect(chunks[1]?.startsWith('```ts\n')).toBe(true);
  });

  test.each([
    ['inline code', 'Run', '`npm install --save-dev some package name`'],
    ['a link', 'See', '[the official documentation page](https://example.com/docs)'],
  ])('moves %s whole to the next chunk rather than cutting at a space inside it', (_name, before, span) => {
    const limit = 60;
    const text = `lorem lorem lorem ${before} ${span} ${'ipsum '.repeat(8)}`;
    expect(text.indexOf(span) + span.length).toBeGreaterThan(limit); // the window ends inside the span
    const chunks = splitMessage(text, limit);
    expectWellFormed(chunks, limit);
    expect(chunks[0]).toBe(`lorem lorem lorem ${before}`);
    expect(chunks[1]?.startsWith(span)).toBe(true);
  });

  test('trims the newlines at a cut outside code but keeps list indentation', () => {
    const text = `${'a'.repeat(15)}\n\n\n  - nested item`;
    expect(splitMessage(text, 20)).toEqual(['a'.repeat(15), '  - nested item']);
  });

  test('rejects a limit that is not a positive integer', () => {
    expect(() => splitMessage('text', 0)).toThrow(RangeError);
  });

  test.each([
    ['the Discord limit', DISCORD_MESSAGE_LIMIT, 7, true],
    ['a small limit (many chunks)', 250, 7, true],
    ['a small limit, every prefix', 250, 1, false],
  ])('is prefix-stable over prefixes of a 6000-character document with %s', (_name, limit, stride, checkForm) => {
    const doc = Array.from(generateDocument(6000)); // code points: a stream never delivers half an emoji
    const full = splitMessage(doc.join(''), limit);
    expectWellFormed(full, limit);
    for (let end = 0; end <= doc.length; end += stride) {
      const chunks = splitMessage(doc.slice(0, end).join(''), limit);
      if (checkForm) expectWellFormed(chunks, limit);
      // Every chunk but the last is final: it is what the same index of the longer text's split holds.
      const settled = chunks.slice(0, -1);
      if (!checkForm && settled.every((chunk, i) => chunk === full[i])) continue; // skip slow matchers
      expect(settled, `prefix of ${end} code points`).toEqual(full.slice(0, settled.length));
    }
  }, 60_000); // ~3 s alone; 6,000 splits of a growing text, which a loaded machine can stretch past the default 20 s
});

describe('closeOpenFence', () => {
  test.each([
    ['plain text', 'Hello **world**', 'Hello **world**'],
    ['a closed block', 'a\n```ts\nx\n```\nb', 'a\n```ts\nx\n```\nb'],
    ['an open ```ts block', 'a\n```ts\nconst x = 1;', 'a\n```ts\nconst x = 1;\n```'],
    ['an open block ending in a newline', '```\ncode\n', '```\ncode\n```'],
    ['an open ~~~ block', '~~~\ncode', '~~~\ncode\n~~~'],
    ['an open ```` block holding ``` lines', '````md\n```js\nx\n```', '````md\n```js\nx\n```\n````'],
    ['a just-started opener', 'text\n```py', 'text\n```py\n```'],
    ['a closer still being streamed', '```\ncode\n```', '```\ncode\n```'],
    ['a line of inline code that starts with ```', '```a`b``` inline', '```a`b``` inline'],
    ['an indented open block', '   ```js\n   x()', '   ```js\n   x()\n```'],
  ])('handles %s', (_name, text, expected) => {
    expect(closeOpenFence(text)).toBe(expected);
  });
});
