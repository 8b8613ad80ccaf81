export type Period = 'day' | 'week' | 'month';
export const PERIODS: readonly Period[] = ['day', 'week', 'month'];

/** Spend is totalled in 15-minute buckets: every UTC offset in use is a multiple of 15 minutes. */
export const BUCKET_MS = 15 * 60_000;

export function bucketOf(timeMs: number): number {
  return Math.floor(timeMs / BUCKET_MS);
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Wall-clock fields of an instant in a time zone. */
function localParts(timeMs: number, timeZone: string): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(timeMs))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour!, minute: parts.minute!, second: parts.second! };
}

function offsetMs(timeMs: number, timeZone: string): number {
  const p = localParts(timeMs, timeZone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(timeMs / 1000) * 1000;
}

/** The instant of local midnight on a calendar date in a time zone (DST-safe). */
function localMidnight(year: number, month: number, day: number, timeZone: string): number {
  const guess = Date.UTC(year, month - 1, day);
  let instant = guess - offsetMs(guess, timeZone);
  instant = guess - offsetMs(instant, timeZone);
  // No midnight that day (summer time starting at 00:00: Havana, Santiago, the Azores): the new offset put it an hour
  // early, in the day before; the day starts at the jump, which is midnight at the old offset.
  if (localParts(instant, timeZone).day !== day) instant = guess - offsetMs(instant, timeZone);
  return instant;
}

/** Windows already worked out, per period and time zone: every limit check asks, and the answer changes once a day at most. */
const recentWindows = new Map<string, { start: number; end: number }>();
const MAX_REMEMBERED_WINDOWS = 1_000;

/** The period containing `nowMs`: [start, end) in epoch ms; weeks start on Monday. */
export function periodWindow(period: Period, nowMs: number, timeZone = 'UTC'): { start: number; end: number } {
  const key = `${period}|${timeZone}`;
  const known = recentWindows.get(key);
  if (known && nowMs >= known.start && nowMs < known.end) return known;
  const window = computeWindow(period, nowMs, timeZone);
  if (recentWindows.size >= MAX_REMEMBERED_WINDOWS) recentWindows.clear();
  recentWindows.set(key, window);
  return window;
}

function computeWindow(period: Period, nowMs: number, timeZone: string): { start: number; end: number } {
  const { year, month, day } = localParts(nowMs, timeZone);
  if (period === 'month') {
    return { start: localMidnight(year, month, 1, timeZone), end: localMidnight(month === 12 ? year + 1 : year, month === 12 ? 1 : month + 1, 1, timeZone) };
  }
  const date = new Date(Date.UTC(year, month - 1, day));
  if (period === 'week') date.setUTCDate(date.getUTCDate() - ((date.getUTCDay() + 6) % 7));
  const next = new Date(date);
  next.setUTCDate(next.getUTCDate() + (period === 'week' ? 7 : 1));
  return {
    start: localMidnight(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), timeZone),
    end: localMidnight(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), timeZone),
  };
}

/** Rough days in a period, to compare limits written over different periods. */
export const PERIOD_DAYS: Record<Period, number> = { day: 1, week: 7, month: 30 };

/** The local days (midnight to midnight in the time zone, 23 or 25 hours across a DST change) that cover [from, to). */
export function dayWindows(from: number, to: number, timeZone = 'UTC'): { start: number; end: number }[] {
  const days: { start: number; end: number }[] = [];
  for (let at = from; at < to;) {
    const day = computeWindow('day', at, timeZone);
    days.push(day);
    at = day.end;
  }
  return days;
}
