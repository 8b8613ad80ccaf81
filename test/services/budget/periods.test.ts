import { describe, expect, test } from 'vitest';
import { BudgetStore } from '../../../src/db/budgetLimits.ts';
import { openDatabase } from '../../../src/db/connection.ts';
import { LedgerStore } from '../../../src/db/ledger.ts';
import { migrate } from '../../../src/db/migrate.ts';
import { Ledger } from '../../../src/services/budget/ledger.ts';
import { periodWindow } from '../../../src/services/budget/periods.ts';
import { tempDatabasePath } from '../../support/tempDb.ts';

const HOUR = 3_600_000;

/**
 * Zones whose clocks jump from 00:00 straight to 01:00 on the day summer time starts: that day has no local midnight.
 * `jump` is the instant of the jump (the first instant of the new local day); the hour before it is still the old day.
 */
const SKIPPED_MIDNIGHTS = [
  ['America/Havana', '2026-03-08T05:00:00Z'],
  ['America/Santiago', '2026-09-06T04:00:00Z'],
  ['Atlantic/Azores', '2026-03-29T01:00:00Z'],
] as const;

describe('budget periods across a day with no midnight (summer time starting at 00:00)', () => {
  test.each(SKIPPED_MIDNIGHTS)('%s: the day before ends at the jump, not an hour early, and the next one starts there', (zone, iso) => {
    const jump = Date.parse(iso);
    const before = jump - HOUR / 2;
    const dayBefore = periodWindow('day', before, zone);
    expect(dayBefore.start <= before && before < dayBefore.end).toBe(true);
    expect(dayBefore.end).toBe(jump);
    expect(periodWindow('day', jump, zone).start).toBe(jump);
  });

  test.each(SKIPPED_MIDNIGHTS)('%s: every instant of that year lies in its own day, week and month', (zone, iso) => {
    const year = new Date(iso).getUTCFullYear();
    const outside: string[] = [];
    for (let at = Date.UTC(year, 0, 1); at < Date.UTC(year + 1, 0, 1); at += 15 * 60_000) {
      for (const period of ['day', 'week', 'month'] as const) {
        const window = periodWindow(period, at, zone);
        if (!(window.start <= at && at < window.end)) outside.push(`${period} ${new Date(at).toISOString()}`);
      }
    }
    expect(outside).toEqual([]);
  });

  test('what a member spent in the last hour of the old day is not counted again in the new day', () => {
    const db = openDatabase(tempDatabasePath());
    migrate(db);
    const [zone, iso] = SKIPPED_MIDNIGHTS[0];
    const jump = Date.parse(iso);
    let now = jump - HOUR / 2;
    const budgets = new BudgetStore(db);
    budgets.setTimeZone('900000000000000001', zone);
    const ledger = new Ledger(new LedgerStore(db), budgets, { amountMicros: 1_000_000, period: 'day' }, () => now);
    const payer = { guildId: '900000000000000001', userId: 'u1', roleIds: [], channelId: 'c1' };
    const reserved = ledger.reserve(payer, { command: 'ask', model: 'gpt-4o-mini', worstCaseMicros: 900_000 });
    if (!reserved.ok) throw new Error('expected a reservation');
    ledger.settle(reserved.reservation, { chargedMicros: 900_000 });
    expect(ledger.usage(payer).personal).toMatchObject({ spentMicros: 900_000, resetsAt: jump });
    now = jump + 10 * 60_000;
    expect(ledger.usage(payer).personal).toMatchObject({ spentMicros: 0, periodStart: jump });
    expect(ledger.reserve(payer, { command: 'ask', model: 'gpt-4o-mini', worstCaseMicros: 900_000 }).ok).toBe(true);
    db.close();
  });
});
