import { describe, expect, test } from 'vitest';
import { buildSeries, OTHERS } from '../../../src/services/charts/series.ts';

const base = { days: 3, top: 2, limitMicros: null, runningTotalThrough: null };

describe('buildSeries', () => {
  test('sums each key per day and stacks the biggest first, nothing rounded', () => {
    const series = buildSeries([
      { day: 0, key: 'ask', micros: 150 }, { day: 0, key: 'ask', micros: 1 }, { day: 2, key: 'ask', micros: 49 },
      { day: 1, key: 'imagine', micros: 40_000 },
    ], { ...base, top: 5 });
    expect(series.stacks).toEqual([
      { key: 'imagine', values: [0, 40_000, 0], totalMicros: 40_000 },
      { key: 'ask', values: [151, 0, 49], totalMicros: 200 },
    ]);
    expect(series.dayTotals).toEqual([151, 40_000, 49]);
    expect(series.totalMicros).toBe(40_200);
  });

  test('keys past the top ones share one "others" stack, drawn last, with their exact sums', () => {
    const rows = [
      { day: 0, key: 'a', micros: 500 }, { day: 1, key: 'b', micros: 400 },
      { day: 0, key: 'c', micros: 30 }, { day: 2, key: 'd', micros: 20 }, { day: 2, key: 'e', micros: 7 },
    ];
    const series = buildSeries(rows, base);
    expect(series.stacks.map((s) => s.key)).toEqual(['a', 'b', OTHERS]);
    expect(series.stacks[2]).toEqual({ key: OTHERS, values: [30, 0, 27], totalMicros: 57 });
    expect(series.totalMicros).toBe(rows.reduce((sum, r) => sum + r.micros, 0));
  });

  test('ties are ordered by key, so the same ledger draws the same chart', () => {
    const series = buildSeries([{ day: 0, key: 'zed', micros: 5 }, { day: 1, key: 'amy', micros: 5 }, { day: 2, key: 'kim', micros: 5 }], base);
    expect(series.stacks.map((s) => s.key)).toEqual(['amy', 'kim', OTHERS]);
  });

  test('carries the limit, and a running total up to today for a week or month limit', () => {
    const series = buildSeries([{ day: 0, key: 'ask', micros: 10 }, { day: 1, key: 'ask', micros: 5 }, { day: 2, key: 'ask', micros: 99 }],
      { days: 4, top: 9, limitMicros: 1_000, runningTotalThrough: 2 });
    expect(series.limitMicros).toBe(1_000);
    expect(series.runningTotal).toEqual([10, 15, 114, null]);
    expect(buildSeries([], { ...base, limitMicros: 1_000 }).runningTotal).toBeNull();
  });

  test('an empty period has no stacks and totals zero (no chart is drawn for it)', () => {
    const series = buildSeries([], { ...base, limitMicros: 5, runningTotalThrough: 1 });
    expect(series).toEqual({ stacks: [], dayTotals: [0, 0, 0], totalMicros: 0, limitMicros: 5, runningTotal: [0, 0, null] });
  });

  test('refuses a row outside the chart\'s days', () => {
    expect(() => buildSeries([{ day: 3, key: 'ask', micros: 1 }], base)).toThrow(RangeError);
  });
});
