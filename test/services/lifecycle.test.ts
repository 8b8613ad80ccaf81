import { describe, expect, test } from 'vitest';
import { Lifecycle } from '../../src/services/lifecycle.ts';

const after = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('Lifecycle', () => {
  test('drain stops accepting and says whether the work finished within the wait', async () => {
    const lifecycle = new Lifecycle();
    lifecycle.track(after(30));
    expect(await lifecycle.drain(1000)).toBe(true);
    expect(lifecycle.accepting).toBe(false);
    lifecycle.track(after(500));
    expect(await lifecycle.drain(30)).toBe(false);
    expect(lifecycle.inFlight).toBe(1);
  });

  test('a later registration under the same key replaces the earlier one; the earlier one\'s done() leaves it alone', async () => {
    const lifecycle = new Lifecycle();
    const called: string[] = [];
    const doneGeneric = lifecycle.answering(async () => { called.push('generic'); }, 'interaction-1');
    lifecycle.answering(async () => { called.push('precise'); }, 'interaction-1');
    lifecycle.answering(async () => { called.push('other'); });
    doneGeneric();
    expect(lifecycle.unfinishedAnswers).toBe(2);
    expect(await lifecycle.interruptAnswers(100)).toBe(2);
    expect(called.sort()).toEqual(['other', 'precise']);
    expect(lifecycle.unfinishedAnswers).toBe(0);
  });

  test('interruptAnswers waits for the notices and the work, but no longer than its bound', async () => {
    const lifecycle = new Lifecycle();
    lifecycle.track(after(5000));
    lifecycle.answering(() => after(5000));
    const started = performance.now();
    expect(await lifecycle.interruptAnswers(50)).toBe(1);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
