import { describe, expect, test } from 'vitest';
import { OPENS_THINK_IN_TEMPLATE, ThinkSplitter } from '../../../src/services/reasoning/thinkTags.ts';

function split(chunks: string[], opensInTemplate = false) {
  const splitter = new ThinkSplitter(opensInTemplate);
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

  test('a model whose template opens <think> (deepseek-r1, qwq): nothing is shown before </think>; no </think> at all is an answer', () => {
    for (const chunks of cuts('Okay, the user wants a joke.</think>\n\nWhy did the chicken…')) {
      const result = split(chunks, true);
      expect(result).toMatchObject({ text: 'Why did the chicken…', reasoning: 'Okay, the user wants a joke.' });
      for (const shown of result.shown) expect(shown).not.toContain('user wants');
    }
    expect(split(['<think>\nHm.', '</think>\nYes.'], true)).toMatchObject({ text: 'Yes.', reasoning: '\nHm.' });
    expect(split(['Just an ', 'answer.'], true)).toEqual({ text: 'Just an answer.', reasoning: '', shown: ['Just an answer.'] });
    expect(['deepseek-r1:8b', 'DeepSeek-R1-Distill-Qwen-7B', 'deepseek-ai/DeepSeek-R1-0528', 'qwq:32b', 'Qwen3-30B-A3B-Thinking-2507'].every((m) => OPENS_THINK_IN_TEMPLATE.test(m))).toBe(true);
    expect(['qwen3:8b', 'llama3.1:8b', 'gpt-4o', 'r10-model', 'for1'].some((m) => OPENS_THINK_IN_TEMPLATE.test(m))).toBe(false);
  });

  test('answers without tags pass unchanged; a <think> in the middle of an answer is text', () => {
    expect(split(['Use the ', '<think> tag', ' like this.'])).toMatchObject({ text: 'Use the <think> tag like this.', reasoning: '' });
    expect(split(['<thin', 'king cap> on'])).toMatchObject({ text: '<thinking cap> on', reasoning: '' });
    expect(split(['<', 'b>bold</b> <'])).toMatchObject({ text: '<b>bold</b> <', reasoning: '' });
    expect(split(['<think>a</think>b', '<think>c</think>'])).toMatchObject({ text: 'b<think>c</think>', reasoning: 'a' });
  });
});
