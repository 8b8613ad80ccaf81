import { beforeAll, describe, expect, test } from 'vitest';
import { OutputGuard } from '../../../src/services/openai/outputGuard.ts';
import { outputCounter, preloadTokenizers } from '../../../src/services/tokens.ts';

beforeAll(async () => { await preloadTokenizers(); });

/** The real o200k count, with every text it was asked to count. */
function spied() {
  const counted: string[] = [];
  const count = outputCounter('gpt-4o-mini');
  return { counted, count: (text: string) => { counted.push(text); return count(text); } };
}

/** Feeds pieces until the guard says stop: how many it took, or undefined when it never did. */
function feed(guard: OutputGuard, pieces: string[]): number | undefined {
  for (const [n, piece] of pieces.entries()) if (guard.add(piece)) return n + 1;
  return undefined;
}

describe('OutputGuard', () => {
  test('counts nothing while the output has no more bytes than the allowance has tokens', () => {
    const { counted, count } = spied();
    const guard = new OutputGuard(100, count);
    expect(feed(guard, Array.from({ length: 20 }, () => ' word'))).toBeUndefined(); // exactly 100 bytes
    expect(counted).toEqual([]);
  });

  test('stops at the first piece past the allowance, one-token words', () => {
    const { count } = spied();
    expect(feed(new OutputGuard(100, count), Array.from({ length: 500 }, () => ' word'))).toBe(101);
  });

  test('stops Chinese text (three bytes a character) at the allowance too', () => {
    const { count } = spied();
    const pieces = Array.from({ length: 400 }, () => '我們今天');
    const stoppedAt = feed(new OutputGuard(200, count), pieces)!;
    const text = pieces.slice(0, stoppedAt).join('');
    expect(count(text)).toBeGreaterThan(200);
    expect(count(pieces.slice(0, stoppedAt - 1).join(''))).toBeLessThanOrEqual(200);
  });

  test('tokenizes each piece about once, not the whole answer at every piece', () => {
    const { counted, count } = spied();
    const pieces = Array.from({ length: 2_000 }, (_, n) => ` word${n % 7}`);
    feed(new OutputGuard(1_000, count), pieces);
    const tokenized = counted.reduce((sum, text) => sum + text.length, 0);
    const streamed = pieces.join('').length;
    // Every piece once, plus a whole-text count or two to confirm the end.
    expect(tokenized).toBeLessThan(streamed * 3);
    expect(counted.length).toBeLessThan(40);
  });

  test('an answer that ends within the allowance is never stopped', () => {
    const { count } = spied();
    const pieces = Array.from({ length: 1_000 }, () => ' word');
    expect(feed(new OutputGuard(1_000, count), pieces)).toBeUndefined();
  });
});
