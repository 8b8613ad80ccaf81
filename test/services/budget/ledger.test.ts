import { Writable } from 'node:stream';
import { describe, expect, test, vi } from 'vitest';
import { BudgetStore, type LimitRow } from '../../../src/db/budgetLimits.ts';
import { openDatabase } from '../../../src/db/connection.ts';
import { LedgerStore } from '../../../src/db/ledger.ts';
import { LedgerDaily } from '../../../src/db/ledgerDaily.ts';
import { migrate } from '../../../src/db/migrate.ts';
import { createLogger, type Logger } from '../../../src/logger.ts';
import { DM_GUILD, LEASE_MS, Ledger, type Payer, type Reservation } from '../../../src/services/budget/ledger.ts';
import { tempDatabasePath } from '../../support/tempDb.ts';

const USD = 1_000_000;
const GUILD = '900000000000000001';

function setup(options: { fallback?: { amountMicros: number; period: 'day' | 'week' | 'month' } | null; start?: string; path?: string } = {}) {
  const db = openDatabase(options.path ?? tempDatabasePath());
  migrate(db);
  let now = Date.parse(options.start ?? '2026-11-27T10:00:00Z');
  const budgets = new BudgetStore(db);
  const ledger = new Ledger(new LedgerStore(db), budgets, options.fallback === undefined ? null : options.fallback, () => now);
  const limit = (row: Partial<LimitRow> & Pick<LimitRow, 'scope' | 'amountMicros'>) =>
    budgets.setLimit(GUILD, { targetId: '', period: 'day', updatedBy: 'admin', updatedAt: now, ...row });
  return { db, budgets, ledger, limit, setNow: (iso: string) => { now = Date.parse(iso); } };
}

const member = (roleIds: string[] = [], userId = 'u1'): Payer => ({ guildId: GUILD, userId, roleIds, channelId: 'c1' });
const call = (usd: number) => ({ command: 'ask', model: 'gpt-4o-mini', worstCaseMicros: usd * USD });

describe('Ledger reserve/settle/release', () => {
  test('reservations count against the limit until settled at the real cost', () => {
    const { ledger, limit } = setup();
    limit({ scope: 'default', amountMicros: 1 * USD });
    const a = ledger.reserve(member(), call(0.4));
    const b = ledger.reserve(member(), call(0.4));
    expect(a.ok && b.ok).toBe(true);
    const c = ledger.reserve(member(), call(0.4));
    expect(c).toMatchObject({ ok: false, refusal: { spentMicros: 0.8 * USD, requestMicros: 0.4 * USD, limit: { source: 'default' } } });
    if (!a.ok) throw new Error('unreachable');
    ledger.settle(a.reservation, { chargedMicros: 0.01 * USD, inputTokens: 10, outputTokens: 5 });
    expect(ledger.reserve(member(), call(0.4)).ok).toBe(true);
    expect(ledger.usage(member()).personal?.spentMicros).toBe(0.81 * USD);
  });

  test('a released reservation costs nothing and is not counted', () => {
    const { ledger, limit } = setup();
    limit({ scope: 'default', amountMicros: 1 * USD });
    const a = ledger.reserve(member(), call(0.9));
    if (!a.ok) throw new Error('expected a reservation');
    expect(ledger.reserve(member(), call(0.2)).ok).toBe(false);
    ledger.release(a.reservation);
    expect(ledger.usage(member()).personal?.spentMicros).toBe(0);
    expect(ledger.reserve(member(), call(0.2)).ok).toBe(true);
  });

  test('settling or releasing twice changes nothing', () => {
    const { ledger, limit } = setup();
    limit({ scope: 'default', amountMicros: 1 * USD });
    const a = ledger.reserve(member(), call(0.5));
    if (!a.ok) throw new Error('expected a reservation');
    ledger.settle(a.reservation, { chargedMicros: 0.1 * USD });
    ledger.settle(a.reservation, { chargedMicros: 0.3 * USD });
    ledger.release(a.reservation);
    expect(ledger.usage(member()).personal?.spentMicros).toBe(0.1 * USD);
  });

  test('a reservation left open by a crash is charged as reserved at the next start, and still counts against the limit', () => {
    const path = tempDatabasePath();
    const first = setup({ path });
    first.limit({ scope: 'default', amountMicros: 1 * USD });
    expect(first.ledger.reserve(member(), call(0.9)).ok).toBe(true);
    first.db.close();
    const second = setup({ path });
    expect(second.ledger.reserve(member(), call(0.9)).ok).toBe(false);
    expect(second.ledger.chargeOrphans()).toBe(1);
    // The call was sent before the crash and OpenAI billed it: the member pays the most it could have cost.
    expect(second.ledger.reserve(member(), call(0.9)).ok).toBe(false);
    expect(second.ledger.reserve(member(), call(0.1)).ok).toBe(true);
    const row = second.db.prepare('SELECT state, reserved_micros AS reserved, charged_micros AS charged, orphaned, settled_at IS NOT NULL AS closed FROM ledger ORDER BY id LIMIT 1').get();
    expect(row).toEqual({ state: 'settled', reserved: 0.9 * USD, charged: 0.9 * USD, orphaned: 1, closed: 1 });
    expect(second.ledger.usage(member()).byCommand).toEqual([{ command: 'ask', micros: 1 * USD, calls: 2, interrupted: 1 }]);
    expect(second.ledger.chargeOrphans()).toBe(0);
  });

  test.each([
    ['a settlement', (l: Ledger, r: Reservation) => l.settle(r, { chargedMicros: 0.2 * USD, inputTokens: 7 }), { state: 'settled', charged: 0.2 * USD }],
    ['a release (nothing was billed)', (l: Ledger, r: Reservation) => l.release(r), { state: 'released', charged: 0 }],
  ])('%s from a holder that was only frozen replaces the sweep\'s charge, once', (_name, close, expected) => {
    const path = tempDatabasePath();
    const frozen = setup({ path });
    frozen.limit({ scope: 'default', amountMicros: 1 * USD });
    const held = frozen.ledger.reserve(member(), call(0.9));
    if (!held.ok) throw new Error('expected a reservation');
    const sweeper = setup({ path });
    expect(sweeper.ledger.chargeOrphans()).toBe(1); // the frozen process never took a lease
    expect(sweeper.ledger.usage(member()).spentMicros).toBe(0.9 * USD);
    close(frozen.ledger, held.reservation);
    const row = () => sweeper.db.prepare('SELECT state, charged_micros AS charged, orphaned FROM ledger').get();
    expect(row()).toEqual({ ...expected, orphaned: 2 });
    expect(sweeper.ledger.usage(member()).personal?.spentMicros).toBe(expected.charged);
    // Whatever comes after it (a repeat, the other kind) changes nothing.
    frozen.ledger.settle(held.reservation, { chargedMicros: 0.5 * USD });
    frozen.ledger.release(held.reservation);
    expect(row()).toEqual({ ...expected, orphaned: 2 });
    expect(sweeper.ledger.usage(member()).personal?.spentMicros).toBe(expected.charged);
    expect(sweeper.ledger.usage(member()).byCommand.map((c) => c.interrupted)).toEqual(expected.charged > 0 ? [0] : []);
    expect(sweeper.ledger.chargeOrphans()).toBe(0);
  });

  test('the server-wide cap applies on top of personal limits, across members', () => {
    const { ledger, limit } = setup();
    limit({ scope: 'default', amountMicros: 1 * USD });
    limit({ scope: 'server', amountMicros: 1.5 * USD, period: 'month' });
    expect(ledger.reserve(member([], 'a'), call(0.9)).ok).toBe(true);
    const refused = ledger.reserve(member([], 'b'), call(0.9));
    expect(refused).toMatchObject({ ok: false, refusal: { limit: { source: 'server', period: 'month' }, spentMicros: 0.9 * USD } });
  });

  test('settled rows keep who, where, what, tokens and cost', () => {
    const { ledger, db } = setup({ fallback: { amountMicros: 5 * USD, period: 'day' } });
    const a = ledger.reserve(member(), call(0.02));
    if (!a.ok) throw new Error('expected a reservation');
    ledger.settle(a.reservation, { chargedMicros: 1234, inputTokens: 100, cachedTokens: 20, outputTokens: 50 });
    expect(db.prepare('SELECT guild_id, user_id, channel_id, command, model, state, charged_micros, input_tokens, cached_tokens, output_tokens, settled_at IS NOT NULL AS settled FROM ledger').get()).toEqual({
      guild_id: GUILD, user_id: 'u1', channel_id: 'c1', command: 'ask', model: 'gpt-4o-mini', state: 'settled', charged_micros: 1234,
      input_tokens: 100, cached_tokens: 20, output_tokens: 50, settled: 1,
    });
  });
});

describe('limit resolution', () => {
  test.each([
    { name: "a member's own limit wins over roles and the default", user: 2, roles: [['r1', 10]], dflt: 1, expected: { source: 'user', amountMicros: 2 * USD } },
    { name: 'the most generous role limit wins over the default', roles: [['r1', 3], ['r2', 5]], dflt: 1, expected: { source: 'role', targetId: 'r2', amountMicros: 5 * USD } },
    { name: 'without user or role limits the server default applies', roles: [['other', 9]], dflt: 1, expected: { source: 'default', amountMicros: 1 * USD } },
  ])('$name', ({ user, roles, dflt, expected }) => {
    const { ledger, limit } = setup();
    if (user) limit({ scope: 'user', targetId: 'u1', amountMicros: user * USD });
    for (const [id, usd] of roles as [string, number][]) limit({ scope: 'role', targetId: id, amountMicros: usd * USD });
    limit({ scope: 'default', amountMicros: dflt * USD });
    expect(ledger.resolve(member(['r1', 'r2'])).personal).toMatchObject(expected);
  });

  test('roles with limits over different periods are compared by daily rate', () => {
    const { ledger, limit } = setup();
    limit({ scope: 'role', targetId: 'daily', amountMicros: 1 * USD, period: 'day' }); // ~$30 a month
    limit({ scope: 'role', targetId: 'monthly', amountMicros: 20 * USD, period: 'month' });
    expect(ledger.resolve(member(['daily', 'monthly'])).personal).toMatchObject({ targetId: 'daily' });
  });

  test('an exempt role frees a member from role and default limits but not from the server cap', () => {
    const { ledger, limit, budgets } = setup();
    limit({ scope: 'default', amountMicros: 0 });
    limit({ scope: 'server', amountMicros: 1 * USD });
    budgets.setExempt(GUILD, 'mods', true);
    expect(ledger.resolve(member(['mods']))).toMatchObject({ personal: null, exempt: true, server: { amountMicros: 1 * USD } });
    expect(ledger.reserve(member(['mods']), call(0.9)).ok).toBe(true);
    expect(ledger.reserve(member(['mods']), call(0.2)).ok).toBe(false);
  });

  test('an amount of 0 blocks even a free call', () => {
    const { ledger, limit } = setup();
    limit({ scope: 'user', targetId: 'u1', amountMicros: 0 });
    expect(ledger.reserve(member(), call(0))).toMatchObject({ ok: false, refusal: { limit: { amountMicros: 0 } } });
  });

  test('the bot-wide fallback applies where a server set nothing, and in DMs', () => {
    const { ledger } = setup({ fallback: { amountMicros: 0.5 * USD, period: 'day' } });
    expect(ledger.resolve(member()).personal).toMatchObject({ source: 'config', amountMicros: 0.5 * USD });
    const dm: Payer = { guildId: null, userId: 'u1', roleIds: [], channelId: 'dm' };
    expect(ledger.reserve(dm, call(0.4)).ok).toBe(true);
    expect(ledger.reserve(dm, call(0.4)).ok).toBe(false);
    expect(ledger.reserve(member(), call(0.4)).ok).toBe(true); // DM spend is kept apart from the server's
    expect(DM_GUILD).toBe('@dm');
  });

  test('with no limit anywhere nothing is refused', () => {
    const { ledger } = setup();
    expect(ledger.reserve(member(), call(1000)).ok).toBe(true);
  });
});

describe('periods', () => {
  test('a daily limit rolls over at midnight UTC', () => {
    const { ledger, limit, setNow } = setup({ start: '2026-11-27T23:50:00Z' });
    limit({ scope: 'default', amountMicros: 1 * USD });
    expect(ledger.reserve(member(), call(1)).ok).toBe(true);
    setNow('2026-11-27T23:59:59Z');
    expect(ledger.reserve(member(), call(0.1))).toMatchObject({ ok: false, refusal: { resetsAt: Date.parse('2026-11-28T00:00:00Z') } });
    setNow('2026-11-28T00:00:00Z');
    expect(ledger.reserve(member(), call(1)).ok).toBe(true);
  });

  test('weekly limits reset on Monday, monthly on the 1st', () => {
    const { ledger, limit, setNow } = setup({ start: '2026-11-29T12:00:00Z' }); // a Sunday
    limit({ scope: 'user', targetId: 'u1', amountMicros: 1 * USD, period: 'week' });
    limit({ scope: 'user', targetId: 'u2', amountMicros: 1 * USD, period: 'month' });
    expect(ledger.reserve(member([], 'u1'), call(1)).ok).toBe(true);
    expect(ledger.reserve(member([], 'u2'), call(1)).ok).toBe(true);
    setNow('2026-11-30T00:00:01Z'); // Monday
    expect(ledger.reserve(member([], 'u1'), call(1)).ok).toBe(true);
    expect(ledger.reserve(member([], 'u2'), call(1))).toMatchObject({ ok: false, refusal: { resetsAt: Date.parse('2026-12-01T00:00:00Z') } });
  });

  test("a server's time zone moves the boundary (Asia/Taipei midnight is 16:00 UTC)", () => {
    const { ledger, limit, budgets, setNow } = setup({ start: '2026-11-27T15:30:00Z' });
    budgets.setTimeZone(GUILD, 'Asia/Taipei');
    limit({ scope: 'default', amountMicros: 1 * USD });
    expect(ledger.reserve(member(), call(1)).ok).toBe(true);
    setNow('2026-11-27T15:59:00Z');
    expect(ledger.reserve(member(), call(0.5))).toMatchObject({ ok: false, refusal: { resetsAt: Date.parse('2026-11-27T16:00:00Z') } });
    setNow('2026-11-27T16:00:00Z');
    expect(ledger.reserve(member(), call(1)).ok).toBe(true);
  });

  test('usage splits this period by command and ignores released calls', () => {
    const { ledger, limit } = setup();
    limit({ scope: 'default', amountMicros: 10 * USD });
    const settle = (command: string, micros: number) => {
      const r = ledger.reserve(member(), { ...call(1), command });
      if (!r.ok) throw new Error('expected a reservation');
      ledger.settle(r.reservation, { chargedMicros: micros });
    };
    settle('ask', 100);
    settle('ask', 50);
    settle('imagine', 40_000);
    const r = ledger.reserve(member(), call(1));
    if (r.ok) ledger.release(r.reservation);
    const report = ledger.usage(member());
    expect(report.byCommand).toEqual([{ command: 'imagine', micros: 40_000, calls: 1, interrupted: 0 }, { command: 'ask', micros: 150, calls: 2, interrupted: 0 }]);
    expect(report.personal?.spentMicros).toBe(40_150);
    expect(ledger.topSpenders(GUILD, 'day', 5)).toEqual([{ userId: 'u1', micros: 40_150 }]);
  });
});

describe('in-memory period totals', () => {
  test('after a random mix of reserves, settles and releases they equal a fresh sum from the database', () => {
    const path = tempDatabasePath();
    const { ledger, limit, db, setNow } = setup({ path, start: '2026-11-27T00:00:00Z' });
    limit({ scope: 'default', amountMicros: 1000 * USD, period: 'week' });
    limit({ scope: 'server', amountMicros: 5000 * USD, period: 'month' });
    let seed = 42;
    const random = () => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31; };
    const open: { reservation: { id: number; reservedMicros: number } }[] = [];
    for (let n = 0; n < 400; n += 1) {
      setNow(new Date(Date.parse('2026-11-27T00:00:00Z') + n * 7 * 60_000).toISOString());
      const who = member([], `u${Math.floor(random() * 5)}`);
      const r = ledger.reserve(who, call(random()));
      if (r.ok) open.push(r);
      if (open.length > 3) {
        const done = open.splice(Math.floor(random() * open.length), 1)[0]!;
        if (random() < 0.5) ledger.settle(done.reservation, { chargedMicros: Math.floor(random() * done.reservation.reservedMicros) });
        else ledger.release(done.reservation);
      }
    }
    const fresh = new Ledger(new LedgerStore(db), new BudgetStore(db), null, () => Date.parse('2026-11-27T23:59:00Z'));
    const warm = new Ledger(new LedgerStore(db), new BudgetStore(db), null, () => Date.parse('2026-11-27T23:59:00Z'));
    for (let u = 0; u < 5; u += 1) warm.usage(member([], `u${u}`)); // fill the cache, then keep using it
    for (let u = 0; u < 5; u += 1) {
      const a = ledger.usage(member([], `u${u}`));
      const b = fresh.usage(member([], `u${u}`));
      expect(a.personal?.spentMicros).toBe(b.personal?.spentMicros);
      expect(a.server?.spentMicros).toBe(b.server?.spentMicros);
    }
    expect(ledger.usage(member([], 'u0')).server?.spentMicros).toBeGreaterThan(0);
  });
});

describe('precheck', () => {
  test('tells who is already over a limit without reserving anything', () => {
    const { ledger, limit, db } = setup();
    limit({ scope: 'default', amountMicros: 1 * USD });
    expect(ledger.precheck(member(), 0.5 * USD)).toBeNull();
    const r = ledger.reserve(member(), call(0.9));
    expect(r.ok).toBe(true);
    expect(ledger.precheck(member(), 0.2 * USD)).toMatchObject({ spentMicros: 0.9 * USD, requestMicros: 0.2 * USD, limit: { source: 'default' } });
    expect(db.prepare('SELECT COUNT(*) FROM ledger').pluck().get()).toBe(1);
  });
});

describe('pay: reserve, run, settle or release', () => {
  const state = (db: ReturnType<typeof setup>['db']) => db.prepare('SELECT state, charged_micros AS charged FROM ledger ORDER BY id DESC LIMIT 1').get();

  test('settles what the charge says', async () => {
    const { ledger, db } = setup();
    const paid = await ledger.pay(member(), call(0.5), async () => 'answer', () => ({ chargedMicros: 1234 }));
    expect(paid).toEqual({ ok: true, result: 'answer' });
    expect(state(db)).toEqual({ state: 'settled', charged: 1234 });
  });

  test('a null charge (the call failed) releases', async () => {
    const { ledger, db } = setup();
    await ledger.pay(member(), call(0.5), async () => 'failed', () => null);
    expect(state(db)).toEqual({ state: 'released', charged: 0 });
  });

  test('a throw releases and is passed on', async () => {
    const { ledger, db } = setup();
    await expect(ledger.pay(member(), call(0.5), async () => { throw new Error('boom'); }, () => ({ chargedMicros: 1 }))).rejects.toThrow('boom');
    expect(state(db)).toEqual({ state: 'released', charged: 0 });
  });

  test('a refused call never runs', async () => {
    const { ledger, limit } = setup();
    limit({ scope: 'default', amountMicros: 0 });
    let ran = false;
    const paid = await ledger.pay(member(), call(0.5), async () => { ran = true; }, () => null);
    expect(paid.ok).toBe(false);
    expect(ran).toBe(false);
  });
});

describe('lowering a reservation', () => {
  test('frees the difference for every limit at once, and never raises one', () => {
    const { ledger, limit } = setup();
    limit({ scope: 'default', amountMicros: 1 * USD });
    const r = ledger.reserve(member(), call(0.9));
    if (!r.ok) throw new Error('reserve failed');
    expect(ledger.reserve(member(), call(0.5)).ok).toBe(false);
    const lowered = ledger.lower(r.reservation, 0.3 * USD);
    expect(lowered).toEqual({ id: r.reservation.id, reservedMicros: 0.3 * USD });
    expect(ledger.usage(member()).personal?.spentMicros).toBe(0.3 * USD);
    expect(ledger.lower(lowered, 0.8 * USD)).toEqual(lowered); // not raised
    expect(ledger.reserve(member(), call(0.5)).ok).toBe(true);
    ledger.settle(lowered, { chargedMicros: 0.2 * USD });
    expect(ledger.usage(member()).personal?.spentMicros).toBe(0.7 * USD);
  });
});

describe('a process that stops in the middle of a call', () => {
  function logged(): { log: Logger; lines: Record<string, unknown>[] } {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({ write(chunk: Buffer, _encoding, done) { lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>); done(); } });
    return { log: createLogger({ logLevel: 'info', logFormat: 'json', discordToken: 'discord-token-x', openaiApiKey: 'openai-key-x' }, sink), lines };
  }

  test('the sweep of a live process charges, as reserved, what a stopped one left open, and logs it as charged', () => {
    vi.useFakeTimers();
    try {
      const path = tempDatabasePath();
      const { log, lines } = logged();
      const live = setup({ path });
      const liveLedger = new Ledger(new LedgerStore(live.db), live.budgets, null, () => Date.parse('2026-11-27T10:00:00Z'), { log });
      liveLedger.start();
      // A stop that ran past the shutdown wait: its lease is gone, its call still reserved.
      const stopping = setup({ path });
      stopping.ledger.start();
      const held = stopping.ledger.reserve(member(), call(0.3));
      if (!held.ok) throw new Error('expected a reservation');
      stopping.ledger.stop();
      vi.advanceTimersByTime(LEASE_MS / 3);
      expect(live.db.prepare('SELECT state, charged_micros AS charged, orphaned FROM ledger').get()).toEqual({ state: 'settled', charged: 0.3 * USD, orphaned: 1 });
      const line = lines.find((l) => l.charged === 1);
      expect(line).toMatchObject({ level: 40, chargedMicros: 0.3 * USD, calls: [{ id: held.reservation.id, userId: 'u1', command: 'ask', reservedMicros: 0.3 * USD }] });
      expect(String(line!.msg)).toMatch(/charged as reserved/);
      expect(lines.some((l) => /releas/.test(String(l.msg)))).toBe(false);
      liveLedger.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  test('every process\'s totals and the per-day figures keep the charge, then take the late real figure in its place', () => {
    const path = tempDatabasePath();
    const frozen = setup({ path });
    frozen.limit({ scope: 'default', amountMicros: 1 * USD });
    const held = frozen.ledger.reserve(member(), call(0.6));
    if (!held.ok) throw new Error('expected a reservation');
    const watcher = setup({ path });
    const sweeper = setup({ path });
    const day = [{ start: Date.parse('2026-11-27T00:00:00Z'), end: Date.parse('2026-11-28T00:00:00Z') }];
    const daily = () => new LedgerDaily(watcher.db).spendPerDay({ by: 'command', guildId: GUILD, userId: 'u1' }, day);
    expect(watcher.ledger.usage(member()).personal?.spentMicros).toBe(0.6 * USD); // its cache is warm from here on
    expect(sweeper.ledger.chargeOrphans()).toBe(1);
    expect(watcher.ledger.usage(member()).personal?.spentMicros).toBe(0.6 * USD);
    expect(watcher.ledger.reserve(member(), call(0.5)).ok).toBe(false);
    expect(daily()).toEqual([{ day: 0, key: 'ask', micros: 0.6 * USD }]);
    expect(watcher.ledger.topSpenders(GUILD, 'day', 5)).toEqual([{ userId: 'u1', micros: 0.6 * USD }]);
    frozen.ledger.settle(held.reservation, { chargedMicros: 0.1 * USD });
    for (const side of [watcher, sweeper, frozen]) expect(side.ledger.usage(member()).personal?.spentMicros).toBe(0.1 * USD);
    expect(daily()).toEqual([{ day: 0, key: 'ask', micros: 0.1 * USD }]);
    expect(watcher.ledger.reserve(member(), call(0.9)).ok).toBe(true);
  });
});
