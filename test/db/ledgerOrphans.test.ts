import { expect, test } from 'vitest';
import { BudgetStore } from '../../src/db/budgetLimits.ts';
import { openDatabase } from '../../src/db/connection.ts';
import { ALL_GUILDS, LedgerStore } from '../../src/db/ledger.ts';
import { migrate } from '../../src/db/migrate.ts';
import { MIGRATIONS } from '../../src/db/migrations/index.ts';
import { Ledger } from '../../src/services/budget/ledger.ts';
import { tempDatabasePath } from '../support/tempDb.ts';

const GUILD = '900000000000000001';
const AT = Date.parse('2026-11-27T10:00:00Z');

test('migration 0013: rows a late settlement reached under the old rule are not shown as interrupted; an old released orphan still takes its late settlement, once', () => {
  const db = openDatabase(tempDatabasePath());
  migrate(db, MIGRATIONS.filter((m) => m.version <= 12));
  const store = new LedgerStore(db);
  const reserve = () => store.reserve({ guildId: GUILD, userId: 'u1', channelId: null, command: 'ask', model: 'm', reservedMicros: 1000, bucket: 0, createdAt: AT, holder: 'gone' });
  // As the old sweep left them: released with orphaned = 1; one of them then settled late by its holder.
  const released = reserve();
  const settledLate = reserve();
  for (const id of [released, settledLate]) store.release(id, AT);
  db.prepare('UPDATE ledger SET orphaned = 1').run();
  store.settle(settledLate, { chargedMicros: 400, settledAt: AT });
  db.prepare('UPDATE ledger SET orphaned = 1 WHERE id = ?').run(settledLate);

  migrate(db);
  const orphaned = db.prepare('SELECT orphaned FROM ledger WHERE id = ?').pluck();
  expect([orphaned.get(released), orphaned.get(settledLate)]).toEqual([1, 2]);
  const ledger = new Ledger(store, new BudgetStore(db), null, () => AT);
  const payer = { guildId: GUILD, userId: 'u1', roleIds: [], channelId: null };
  expect(ledger.usage(payer).byCommand).toEqual([{ command: 'ask', micros: 400, calls: 1, interrupted: 0 }]);
  expect(ledger.overview(5).interrupted).toEqual({ calls: 0, micros: 0 });

  const total = () => store.spentSince(ALL_GUILDS, 'u1', 0);
  expect(store.settle(released, { chargedMicros: 700, settledAt: AT })).toBeDefined();
  expect(store.settle(released, { chargedMicros: 700, settledAt: AT })).toBeUndefined();
  expect(store.release(released, AT)).toBeUndefined();
  expect(total()).toBe(1100);
  expect(orphaned.get(released)).toBe(2);
});

test('a reservation from before leases (no holder) is charged as reserved at start-up, like any crash leftover', () => {
  const db = openDatabase(tempDatabasePath());
  migrate(db);
  const store = new LedgerStore(db);
  const id = store.reserve({ guildId: GUILD, userId: 'u1', channelId: null, command: 'transcribe', model: 'whisper-1', reservedMicros: 6000, bucket: 0, createdAt: AT, holder: 'old' });
  db.prepare('UPDATE ledger SET holder = NULL').run();
  const ledger = new Ledger(store, new BudgetStore(db), null, () => AT);
  expect(ledger.start()).toBe(1);
  ledger.stop();
  expect(db.prepare('SELECT state, charged_micros AS charged, orphaned FROM ledger WHERE id = ?').get(id)).toEqual({ state: 'settled', charged: 6000, orphaned: 1 });
  expect(store.spentSince(ALL_GUILDS, 'u1', 0)).toBe(6000);
});
