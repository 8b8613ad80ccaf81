import { describe, expect, test } from 'vitest';
import { THREAD_NAME_MAX_LENGTH, threadNameFrom } from '../../../src/services/threads/threadName.ts';

const FALLBACK = 'Conversation';

describe('threadNameFrom', () => {
  test.each([
    ['a short question stays as it is', 'What is a token?', 'What is a token?'],
    ['line breaks and runs of spaces become one space', 'first line\n\nsecond   line', 'first line second line'],
    ['mentions of members, roles and channels go', '<@123456789012345678> ask <@&223456789012345678> in <#323456789012345678>', 'ask in'],
    ['@everyone and @here lose their @', '@everyone look @here', 'everyone look here'],
    ['markdown marks go, the words stay', '**Bold** and *italic* with `code` ~~gone~~ ||spoiler|| __under__', 'Bold and italic with code gone spoiler under'],
    ['a link keeps its text', 'see [the docs](https://example.com/x) please', 'see the docs please'],
    ['headings, quotes and bullets lose their marks', '# Title\n> quoted\n- item', 'Title quoted item'],
    ['custom emoji and command mentions keep their names', 'hi <:wave:123456789012345678> use </ask:123456789012345678>', 'hi :wave: use /ask'],
    ['snake_case words keep their underscores', 'what does my_var do', 'what does my_var do'],
    ['only markup leaves the fallback', '<@123456789012345678> **  **', FALLBACK],
    ['an empty question leaves the fallback', '   ', FALLBACK],
  ])('%s', (_case, question, expected) => {
    expect(threadNameFrom(question, FALLBACK)).toBe(expected);
  });

  test('a long English question is cut at a word, with an ellipsis, within the limit', () => {
    const question = 'Could you please explain in detail how the tokenizer splits long words into several tokens and why that matters for pricing?';
    const name = threadNameFrom(question, FALLBACK);
    expect(name.length).toBeLessThanOrEqual(THREAD_NAME_MAX_LENGTH);
    expect(name.endsWith('…')).toBe(true);
    expect(question.startsWith(name.slice(0, -1))).toBe(true);
    expect(question[name.length - 1]).toBe(' '); // the next character was a space: no word was split
  });

  test('a long Chinese question without spaces is cut between characters', () => {
    const question = '請問'.repeat(80);
    const name = threadNameFrom(question, FALLBACK);
    expect(name.length).toBeLessThanOrEqual(THREAD_NAME_MAX_LENGTH);
    expect(name.endsWith('…')).toBe(true);
    expect(name.length).toBeGreaterThan(THREAD_NAME_MAX_LENGTH - 5);
  });

  test('emoji are never split in half', () => {
    const name = threadNameFrom('👍'.repeat(120), FALLBACK);
    expect(name.length).toBeLessThanOrEqual(THREAD_NAME_MAX_LENGTH);
    expect(name.slice(0, -1)).toBe('👍'.repeat((name.length - 1) / 2));
  });

  test('one word longer than the limit is cut by characters', () => {
    const name = threadNameFrom(`https://example.com/${'a'.repeat(200)}`, FALLBACK);
    expect(name.length).toBe(THREAD_NAME_MAX_LENGTH);
  });
});
