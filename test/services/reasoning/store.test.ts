import { describe, expect, test } from 'vitest';
import { MAX_KEPT_REASONING_CHARS, MAX_KEPT_REASONINGS, MAX_REASONING_CHARS, REASONING_KEEP_MS, ReasoningStore } from '../../../src/services/reasoning/store.ts';

describe('the thinking kept for "Show reasoning"', () => {
  test('is kept for REASONING_KEEP_MS, then forgotten', () => {
    let now = 1_000_000;
    const store = new ReasoningStore(() => now);
    const key = store.keep('a thought');
    expect(key).toMatch(/^[\w-]{12}$/);
    now += REASONING_KEEP_MS - 1;
    expect(store.get(key)).toEqual({ text: 'a thought', omitted: 0 });
    now += 2;
    expect(store.get(key)).toBeUndefined();
    expect(store.size).toBe(0);
  });

  test('a long one is cut to MAX_REASONING_CHARS, saying how much was left out', () => {
    const store = new ReasoningStore();
    const kept = store.get(store.keep('x'.repeat(MAX_REASONING_CHARS + 123)))!;
    expect(kept.text).toHaveLength(MAX_REASONING_CHARS);
    expect(kept.omitted).toBe(123);
  });

  test('at most MAX_KEPT_REASONINGS answers and MAX_KEPT_REASONING_CHARS in all: the oldest go first', () => {
    const store = new ReasoningStore();
    const keys = Array.from({ length: MAX_KEPT_REASONINGS + 5 }, (_, n) => store.keep(`thought ${n}`));
    expect(store.size).toBe(MAX_KEPT_REASONINGS);
    expect(store.get(keys[4]!)).toBeUndefined();
    expect(store.get(keys[5]!)?.text).toBe('thought 5');
    const big = new ReasoningStore();
    const bigKeys = Array.from({ length: Math.ceil(MAX_KEPT_REASONING_CHARS / MAX_REASONING_CHARS) + 1 }, () => big.keep('y'.repeat(MAX_REASONING_CHARS)));
    expect(big.get(bigKeys[0]!)).toBeUndefined();
    expect(big.get(bigKeys.at(-1)!)).toBeDefined();
    expect(big.size * MAX_REASONING_CHARS).toBeLessThanOrEqual(MAX_KEPT_REASONING_CHARS);
  });
});
