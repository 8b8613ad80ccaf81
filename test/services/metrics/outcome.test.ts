import { describe, expect, test } from 'vitest';
import { noteOutcome, trackOutcome, type Outcome } from '../../../src/services/metrics/outcome.ts';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('outcome of handled work', () => {
  test('concurrent pieces of work each end with what was noted for their own subject, across awaits', async () => {
    const first = {};
    const second = {};
    const recorded: [string, Outcome][] = [];
    await Promise.all([
      trackOutcome(first, async () => {
        await tick();
        noteOutcome(first, 'refused');
        await tick();
      }, (outcome) => recorded.push(['first', outcome])),
      trackOutcome(second, async () => {
        await tick();
        await tick();
      }, (outcome) => recorded.push(['second', outcome])),
    ]);
    expect(recorded.sort()).toEqual([['first', 'refused'], ['second', 'ok']]);
  });

  test('an error noted once stays an error; a throw is an error; a note after the work ended changes nothing', async () => {
    const subject = {};
    const recorded: Outcome[] = [];
    await trackOutcome(subject, async () => {
      noteOutcome(subject, 'error');
      noteOutcome(subject, 'refused');
    }, (outcome) => recorded.push(outcome));
    await expect(trackOutcome(subject, () => Promise.reject(new Error('boom')), (outcome) => recorded.push(outcome))).rejects.toThrow('boom');
    noteOutcome(subject, 'refused');
    await trackOutcome(subject, () => Promise.resolve(), (outcome) => recorded.push(outcome));
    expect(recorded).toEqual(['error', 'error', 'ok']);
  });
});
