import type { DailySpend } from '../../db/ledgerDaily.ts';

/** The key of the stack that sums every key past the top ones (no command, member or server id looks like it). */
export const OTHERS = '\0others';

export interface SeriesOptions {
  /** Day columns in the chart; rows refer to them by index. */
  days: number;
  /** Keys drawn as their own stack, largest total first; the rest are summed into OTHERS. */
  top: number;
  /** The limit drawn as a line; null when none applies. */
  limitMicros: number | null;
  /**
   * A week's or month's limit is compared with what was spent so far that period: the running total is
   * given up to and including this day (today), null after it. Null for a daily limit or none.
   */
  runningTotalThrough: number | null;
}

export interface Stack {
  key: string;
  /** Micro-dollars per day column. */
  values: number[];
  totalMicros: number;
}

export interface SpendSeries {
  /** Largest first; OTHERS, when present, last. */
  stacks: Stack[];
  /** Per day, every stack together. */
  dayTotals: number[];
  totalMicros: number;
  limitMicros: number | null;
  runningTotal: (number | null)[] | null;
}

/** Turns the ledger's per-day rows into the stacks a chart draws: exact sums in micro-dollars, nothing rounded. */
export function buildSeries(rows: readonly DailySpend[], options: SeriesOptions): SpendSeries {
  const byKey = new Map<string, Stack>();
  for (const row of rows) {
    if (row.day < 0 || row.day >= options.days) throw new RangeError(`day ${row.day} is outside the chart's ${options.days} days`);
    let stack = byKey.get(row.key);
    if (!stack) byKey.set(row.key, (stack = { key: row.key, values: new Array<number>(options.days).fill(0), totalMicros: 0 }));
    stack.values[row.day]! += row.micros;
    stack.totalMicros += row.micros;
  }
  // Ties are ordered by key, so the same ledger always draws the same chart.
  const ranked = [...byKey.values()].filter((s) => s.totalMicros > 0)
    .sort((a, b) => b.totalMicros - a.totalMicros || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const stacks = ranked.slice(0, options.top);
  const rest = ranked.slice(options.top);
  if (rest.length > 0) {
    const others: Stack = { key: OTHERS, values: new Array<number>(options.days).fill(0), totalMicros: 0 };
    for (const stack of rest) {
      stack.values.forEach((micros, day) => { others.values[day]! += micros; });
      others.totalMicros += stack.totalMicros;
    }
    stacks.push(others);
  }
  const dayTotals = new Array<number>(options.days).fill(0);
  for (const stack of stacks) stack.values.forEach((micros, day) => { dayTotals[day]! += micros; });
  let sum = 0;
  const through = options.runningTotalThrough;
  const runningTotal = through === null ? null : dayTotals.map((micros, day) => (day <= through ? (sum += micros) : null));
  return { stacks, dayTotals, totalMicros: dayTotals.reduce((a, b) => a + b, 0), limitMicros: options.limitMicros, runningTotal };
}
