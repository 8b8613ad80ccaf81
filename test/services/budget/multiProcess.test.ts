import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, test } from 'vitest';
import { BudgetStore } from '../../../src/db/budgetLimits.ts';
import { openDatabase } from '../../../src/db/connection.ts';
import { LedgerStore } from '../../../src/db/ledger.ts';
import { migrate } from '../../../src/db/migrate.ts';
import { LEASE_MS, Ledger, type Payer } from '../../../src/services/budget/ledger.ts';
import { tempDatabasePath } from '../../support/tempDb.ts';

const USD = 1_000_000;
const GUILD = '900000000000000001';
const member: Payer = { guildId: GUILD, userId: 'u1', roleIds: [], channelId: 'c1' };
const call = (usd: number) => ({ command: 'ask', model: 'gpt-4o-mini', worstCaseMicros: usd * USD });

/** One bot process's view of the file: its own connection, its own in-memory totals. */
function open(path: string, now: () => number = Date.now) {
  const db = openDatabase(path);
  migrate(db);
  const budgets = new BudgetStore(db);
  return { db, budgets, ledger: new Ledger(new LedgerStore(db), budgets, null, now) };
}

const setDefault = (budgets: BudgetStore, usd: number) =>
  budgets.setLimit(GUILD, { scope: 'default', targetId: '', period: 'day', amountMicros: usd * USD, updatedBy: 'admin', updatedAt: 0 });

const children: ChildProcess[] = [];
afterEach(() => { for (const child of children.splice(0)) child.kill('SIGKILL'); });

/** Starts test/support/ledgerWorker.ts in a real second process and hands back its JSON lines. */
function worker(path: string, mode: 'burst' | 'hold', count = 0) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/ledgerWorker.ts', path, mode, String(count)], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => JSON.parse(String((await lines.next()).value)) as Record<string, unknown>;
  return { child, next };
}

describe('two processes on one database file', () => {
  test('each sees the other one\'s spending at once: the limit holds across them', () => {
    const path = tempDatabasePath();
    const a = open(path);
    const b = open(path);
    setDefault(a.budgets, 1);
    let granted = 0;
    for (let n = 0; n < 20; n += 1) {
      const side = n % 2 === 0 ? a.ledger : b.ledger;
      const r = side.reserve(member, call(0.1));
      if (r.ok) granted += 1;
      // Each warms its cache on the first call; later calls must still see the other's writes.
      if (r.ok && n % 3 === 0) side.settle(r.reservation, { chargedMicros: 0.1 * USD });
    }
    expect(granted).toBe(10);
    expect(a.ledger.usage(member).personal?.spentMicros).toBe(1 * USD);
    expect(b.ledger.usage(member).personal?.spentMicros).toBe(1 * USD);
  });

  test('a process whose unseen journal rows were trimmed rebuilds its totals from the sums, not from a stale cache', () => {
    const path = tempDatabasePath();
    const a = open(path);
    const b = open(path);
    setDefault(a.budgets, 1);
    expect(b.ledger.usage(member).personal?.spentMicros).toBe(0); // b's cache is warm, at 0
    for (let n = 0; n < 5; n += 1) {
      const r = a.ledger.reserve(member, call(0.1));
      if (r.ok) a.ledger.settle(r.reservation, { chargedMicros: 0.1 * USD });
    }
    new LedgerStore(a.db).trimJournal(1); // as a sweep would after many changes: b never saw most of them
    expect(b.ledger.usage(member).personal?.spentMicros).toBe(0.5 * USD);
    expect(b.ledger.reserve(member, call(0.6)).ok).toBe(false);
    expect(b.ledger.reserve(member, call(0.5)).ok).toBe(true);
  });

  test('a release in one process frees room in the other', () => {
    const path = tempDatabasePath();
    const a = open(path);
    const b = open(path);
    setDefault(a.budgets, 1);
    const held = a.ledger.reserve(member, call(0.9));
    expect(b.ledger.reserve(member, call(0.2)).ok).toBe(false);
    if (held.ok) a.ledger.release(held.reservation);
    expect(b.ledger.reserve(member, call(0.2)).ok).toBe(true);
  });

  test('start-up of a second process leaves the first one\'s reservations alone while its lease holds', () => {
    const path = tempDatabasePath();
    let clock = Date.parse('2026-11-27T10:00:00Z');
    const a = open(path, () => clock);
    a.ledger.start();
    const held = a.ledger.reserve(member, call(0.5));
    expect(held.ok).toBe(true);
    const b = open(path, () => clock);
    expect(b.ledger.start()).toBe(0);
    b.ledger.stop();
    clock += LEASE_MS + 1; // a stopped renewing (it crashed)
    expect(b.ledger.chargeOrphans()).toBe(1);
    expect(a.db.prepare('SELECT state FROM ledger').pluck().all()).toEqual(['settled']);
    a.ledger.stop();
  });

  test('50 concurrent calls for one member from two real processes never pass the limit', async () => {
    const path = tempDatabasePath();
    const main = open(path);
    setDefault(main.budgets, 1); // ten calls of $0.10
    const workers = [worker(path, 'burst', 25), worker(path, 'burst', 25)];
    for (const w of workers) expect(await w.next()).toEqual({ ready: true });
    const peak = { micros: 0 };
    const sample = setInterval(() => {
      const total = main.db.prepare("SELECT COALESCE(SUM(charged_micros), 0) FROM ledger WHERE state != 'released'").pluck().get() as number;
      peak.micros = Math.max(peak.micros, total);
    }, 2);
    for (const w of workers) w.child.stdin!.write('go\n');
    const results = await Promise.all(workers.map((w) => w.next()));
    clearInterval(sample);
    expect(results.reduce((sum, r) => sum + Number(r.ok), 0)).toBe(10);
    expect(peak.micros).toBeLessThanOrEqual(1 * USD);
    expect(main.ledger.usage(member).personal?.spentMicros).toBe(1 * USD);
  }, 30_000);

  test('a SIGKILLed process\'s reservation is charged as reserved once its lease expires, while the other keeps serving; its fine-tuning job\'s is kept', async () => {
    const path = tempDatabasePath();
    let offset = 0;
    const main = open(path, () => Date.now() + offset);
    main.ledger.start();
    setDefault(main.budgets, 1);
    const holder = worker(path, 'hold');
    const { held, job } = await holder.next();
    expect([held, job]).toEqual([expect.any(Number), expect.any(Number)]);
    holder.child.kill('SIGKILL');
    await new Promise((resolve) => holder.child.once('exit', resolve));
    expect(main.ledger.usage(member).personal?.spentMicros).toBe(0.2 * USD); // still held: its lease has not expired
    expect(main.ledger.chargeOrphans()).toBe(0);
    expect(main.ledger.reserve(member, call(0.5)).ok).toBe(true); // serving meanwhile
    offset = LEASE_MS + 1_000;
    expect(main.ledger.chargeOrphans()).toBe(1);
    const row = (id: unknown) => main.db.prepare('SELECT state, charged_micros AS charged, orphaned FROM ledger WHERE id = ?').get(id);
    // The call it was making when it died is the member's, at its reservation; the running job stays reserved for its owner.
    expect(row(held)).toEqual({ state: 'settled', charged: 0.1 * USD, orphaned: 1 });
    expect(row(job)).toEqual({ state: 'reserved', charged: 0.1 * USD, orphaned: 0 });
    expect(main.ledger.usage(member).personal?.spentMicros).toBe(0.7 * USD);
    expect(main.ledger.reserve(member, call(0.4)).ok).toBe(false);
    main.ledger.stop();
  }, 30_000);
});
