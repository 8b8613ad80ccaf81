import { describe, expect, test } from 'vitest';
import { ThinkSplitter } from '../../../src/services/reasoning/thinkTags.ts';

function split(chunks: string[]) {
  const splitter = new ThinkSplitter();
  const shown: string[] = [];
  for (const chunk of chunks) if (splitter.feed(chunk)) shown.push(splitter.text);
  if (splitter.end()) shown.push(splitter.text);
  return { text: splitter.text, reasoning: splitter.reasoning, shown };
}

/** Every way of cutting `text` in two or three pieces. */
function cuts(text: string): string[][] {
  const out: string[][] = [];
  for (let a = 1; a < text.length; a += 1) {
    out.push([text.slice(0, a), text.slice(a)]);
    for (let b = a + 1; b < text.length; b += 3) out.push([text.slice(0, a), text.slice(a, b), text.slice(b)]);
  }
  return out;
}

describe('<think> in streamed answers', () => {
  test('thinking and answer are apart however the chunks cut the tags, and no thinking is ever shown', () => {
    const raw = '<think>\nThe user greets me. 2 < 3.\n</think>\n\nHello! <b>Hi</b>';
    for (const chunks of cuts(raw)) {
      const result = split(chunks);
      expect(result.text, JSON.stringify(chunks)).toBe('Hello! <b>Hi</b>');
      expect(result.reasoning.trim()).toBe('The user greets me. 2 < 3.');
      for (const shown of result.shown) expect(shown).not.toMatch(/think|greets/);
    }
  });

  test('an unterminated <think> at the end of the stream is all thinking', () => {
    for (const chunks of cuts('<think>still pondering when the stream ended </thi')) {
      expect(split(chunks)).toMatchObject({ text: '', reasoning: 'still pondering when the stream ended </thi' });
    }
  });

  test('DeepSeek-R1 output without the opening tag: what came before </think> becomes thinking', () => {
    for (const chunks of cuts('Okay, the user wants a joke.</think>\n\nWhy did the chicken…')) {
      const result = split(chunks);
      expect(result.text).toBe('Why did the chicken…');
      expect(result.reasoning).toBe('Okay, the user wants a joke.');
      expect(result.shown.at(-1)).toBe('Why did the chicken…');
    }
  });

  test('answers without tags pass unchanged; a <think> in the middle of an answer is text', () => {
    expect(split(['Use the ', '<think> tag', ' like this.'])).toMatchObject({ text: 'Use the <think> tag like this.', reasoning: '' });
    expect(split(['<thin', 'king cap> on'])).toMatchObject({ text: '<thinking cap> on', reasoning: '' });
    expect(split(['<', 'b>bold</b> <'])).toMatchObject({ text: '<b>bold</b> <', reasoning: '' });
    expect(split(['<think>a</think>b', '<think>c</think>'])).toMatchObject({ text: 'b<think>c</think>', reasoning: 'a' });
  });
});
