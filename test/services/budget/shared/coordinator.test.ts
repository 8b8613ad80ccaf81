import { Writable } from 'node:stream';
import { afterEach, describe, expect, test } from 'vitest';
import { BudgetStore } from '../../../../src/db/budgetLimits.ts';
import { BudgetAdmin } from '../../../../src/services/budget/admin.ts';
import { openDatabase, type Db } from '../../../../src/db/connection.ts';
import { HistoryStore } from '../../../../src/db/history.ts';
import { LedgerStore } from '../../../../src/db/ledger.ts';
import { MetaStore } from '../../../../src/db/meta.ts';
import { migrate } from '../../../../src/db/migrate.ts';
import { SharedLedgerStore } from '../../../../src/db/sharedLedger.ts';
import { createLogger, type Logger } from '../../../../src/logger.ts';
import { LEASE_MS, Ledger, NO_OPERATOR_LIMITS, type BotLimitNotice, type OperatorLimits, type Payer } from '../../../../src/services/budget/ledger.ts';
import { describeRefusal } from '../../../../src/services/budget/messages.ts';
import { CoordinatorClient } from '../../../../src/services/budget/shared/client.ts';
import { LedgerCoordinator, tombstonesKeptMs } from '../../../../src/services/budget/shared/coordinator.ts';
import { memberHasher } from '../../../../src/services/budget/shared/memberHash.ts';
import { applyEvent } from '../../../../src/services/budget/shared/events.ts';
import type { SharedEvent } from '../../../../src/services/budget/shared/protocol.ts';
import { SharedHosts } from '../../../../src/services/budget/shared/hosts.ts';
import { CoordinatorLink } from '../../../../src/services/budget/shared/link.ts';
import { startLedgerServer } from '../../../../src/services/budget/shared/server.ts';
import { tempDatabasePath } from '../../../support/tempDb.ts';
import { signedFetch } from './signedFetch.ts';

const SECRET = 'a-shared-ledger-secret-of-forty-characters!';
const USD = 1_000_000;
const GUILD_A = '900000000000000001';
const GUILD_B = '900000000000000002';
const START = Date.parse('2026-11-27T10:00:00Z');

/** Everything a log line of any host said, to check no secret is in it. */
const logged: string[] = [];
function testLogger(): Logger {
  return createLogger({ logLevel: 'debug', logFormat: 'json', discordToken: 'discord-token-x', openaiApiKey: 'openai-key-x', ledger: { url: undefined, port: undefined, host: '127.0.0.1', secret: SECRET } },
    new Writable({ write(chunk: Buffer, _encoding, done) { logged.push(chunk.toString()); done(); } }));
}

const open: { close(): unknown }[] = [];
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
});

function database(path = tempDatabasePath()): { db: Db; path: string } {
  const db = openDatabase(path);
  migrate(db);
  open.push(db);
  return { db, path };
}

interface Clock { now: number }

/** The coordinator: its own bot's ledger on its own file, and the API the other hosts call. */
async function coordinatorHost(operator: Partial<OperatorLimits>, clock: Clock, path?: string, port = 0) {
  const { db, path: file } = database(path);
  const log = testLogger();
  const ledger = new Ledger(new LedgerStore(db), new BudgetStore(db), null, () => clock.now, { operator: { ...NO_OPERATOR_LIMITS, ...operator }, log });
  const history = new HistoryStore(db);
  const apply = (event: SharedEvent) => applyEvent(event, { forgetHere: (id, through) => void history.deleteAuthor(id, through), ledger });
  const coordinator = new LedgerCoordinator({
    ledger, store: new LedgerStore(db), shared: new SharedLedgerStore(db), apply, now: () => clock.now, hashMember: memberHasher(SECRET), tombstonesKeptMs: tombstonesKeptMs(90), log,
  });
  const server = await startLedgerServer({ host: '127.0.0.1', port, secret: SECRET, coordinator, log });
  const handle = { close: () => server.close() };
  open.push(handle);
  return { db, path: file, ledger, coordinator, server, history, hosts: new SharedHosts(ledger, db, { coordinator }, log) };
}

/** Another host: its own file, its ledger asking the coordinator at `url`. */
function otherHost(url: string, operator: Partial<OperatorLimits>, clock: Clock, secret = SECRET) {
  const { db } = database();
  const log = testLogger();
  const history = new HistoryStore(db);
  const apply = (event: SharedEvent) => applyEvent(event, { forgetHere: (id) => void history.deleteAuthor(id), ledger });
  const link = new CoordinatorLink({ client: new CoordinatorClient(url, secret), store: new SharedLedgerStore(db), meta: new MetaStore(db), apply, resync: () => undefined, log, now: () => clock.now });
  const ledger = new Ledger(new LedgerStore(db), new BudgetStore(db), null, () => clock.now, { operator: { ...NO_OPERATOR_LIMITS, ...operator }, log, shared: link });
  link.start(ledger.holder);
  open.push({ close: () => link.stop(0) });
  return { db, ledger, link, history, hosts: new SharedHosts(ledger, db, { link }, log) };
}

const payer = (guildId: string, userId: string): Payer => ({ guildId, userId, roleIds: [], channelId: 'c1' });
const call = (usd: number) => ({ command: 'ask', model: 'gpt-4o-mini', worstCaseMicros: usd * USD });
const total = (db: Db, userId: string) => db.prepare("SELECT COALESCE(SUM(micros), 0) FROM spend_buckets WHERE guild_id = '*' AND user_id = ?").pluck().get(userId) as number;
const rows = (db: Db) => db.prepare('SELECT state, reserved_micros AS reserved, charged_micros AS charged, orphaned FROM ledger ORDER BY id').all() as { state: string; reserved: number; charged: number; orphaned: number }[];

describe('limits across hosts: one coordinator, other hosts asking it', () => {
  test('one member asking at once in servers on both hosts never passes MEMBER_LIMIT_USD', async () => {
    const clock = { now: START };
    const member = { member: { amountMicros: 3 * USD, period: 'day' as const } };
    const a = await coordinatorHost(member, clock);
    const b = otherHost(a.server.url, member, clock);
    // Interleaved: four reservations in flight through the other host while four are made on the coordinator's own.
    const remote = Array.from({ length: 4 }, () => b.ledger.reserveShared(payer(GUILD_B, 'u1'), call(1)));
    const local = [];
    for (let n = 0; n < 4; n += 1) {
      await new Promise((resolve) => setImmediate(resolve));
      local.push(a.ledger.reserve(payer(GUILD_A, 'u1'), call(1)));
    }
    const results = [...await Promise.all(remote), ...local];
    expect(results.filter((r) => r.ok)).toHaveLength(3);
    expect(total(a.db, 'u1')).toBe(3 * USD);
    expect(results.flatMap((r) => (r.ok ? [] : [r.refusal.limit.source]))).toEqual(Array(5).fill('member-total'));
    // The other host keeps open only what the coordinator accepted; the refused ones were released there.
    const remoteOk = (await Promise.all(remote)).filter((r) => r.ok).length;
    expect(rows(b.db).filter((r) => r.state === 'reserved')).toHaveLength(remoteOk);
    expect(total(b.db, 'u1')).toBe(remoteOk * USD);
  });

  test('the bot total holds across hosts, and its notice goes out once, from the coordinator', async () => {
    const clock = { now: START };
    const bot = { bot: { amountMicros: 2 * USD, period: 'day' as const } };
    const a = await coordinatorHost(bot, clock);
    const b = otherHost(a.server.url, bot, clock);
    const notices: [string, BotLimitNotice][] = [];
    a.ledger.onBotLimitNotice = (n) => notices.push(['coordinator', n]);
    b.ledger.onBotLimitNotice = (n) => notices.push(['other host', n]);
    const paid = await Promise.all(Array.from({ length: 6 }, (_, n) => b.ledger.pay(payer(GUILD_B, `u${n}`), call(0.5), async () => 'answer', () => ({ chargedMicros: 0.5 * USD }))));
    expect(paid.filter((p) => p.ok)).toHaveLength(4);
    expect(await b.link.flush()).toBe(true);
    expect(total(a.db, '')).toBe(2 * USD);
    expect(a.ledger.reserve(payer(GUILD_A, 'x'), call(0.01)).ok).toBe(false);
    expect(notices.map(([from, n]) => [from, n.percent])).toEqual([['coordinator', 100]]);
  });

  test('coordinator unreachable: the call is refused with a plain message and never made', async () => {
    const clock = { now: START };
    const a = await coordinatorHost({}, clock);
    const b = otherHost(a.server.url, {}, clock);
    await a.server.close();
    let made = 0;
    const paid = await b.ledger.pay(payer(GUILD_B, 'u1'), call(1), async () => { made += 1; return 'x'; }, () => ({ chargedMicros: 1 }));
    expect(made).toBe(0);
    expect(paid.ok).toBe(false);
    if (paid.ok) return;
    expect(paid.refusal.limit.source).toBe('coordinator-down');
    expect(describeRefusal(paid.refusal, 'en')).toBe("The bot can't check its spending limits right now, so this request wasn't sent and nothing was spent. Please try again in a few minutes.");
    // Nothing stays reserved on this host; the release waits in the outbox in case the coordinator recorded it.
    expect(rows(b.db).map((r) => r.state)).toEqual(['released']);
    expect(b.link.pending).toBe(1);
  });

  test('a settlement made while the coordinator was down lands when it is back, exactly once', async () => {
    const clock = { now: START };
    const a = await coordinatorHost({}, clock);
    const port = Number(new URL(a.server.url).port);
    const b = otherHost(a.server.url, {}, clock);
    const reserved = await b.ledger.reserveShared(payer(GUILD_B, 'u1'), call(1));
    if (!reserved.ok) throw new Error('refused');
    // The coordinator stops (a restart): the call finishes meanwhile and settles on this host.
    await a.server.close();
    a.db.close();
    b.ledger.settle(reserved.reservation, { chargedMicros: 400_000, inputTokens: 10, outputTokens: 20 });
    expect(await b.link.flush()).toBe(false);
    expect(b.link.pending).toBe(1);
    // Back on the same file and port.
    const again = await coordinatorHost({}, clock, a.path, port);
    expect(rows(again.db)).toEqual([{ state: 'reserved', reserved: USD, charged: USD, orphaned: 0 }]);
    expect(await b.link.flush()).toBe(true);
    expect(b.link.pending).toBe(0);
    expect(rows(again.db)).toEqual([{ state: 'settled', reserved: USD, charged: 400_000, orphaned: 0 }]);
    expect(total(again.db, 'u1')).toBe(400_000);
    // Its answer lost, the host sends the same settlement again: nothing changes.
    const key = again.db.prepare('SELECT shared_key FROM ledger').pluck().get() as string;
    const row = { guildId: GUILD_B, userId: 'u1', command: 'ask', model: 'gpt-4o-mini', reservedMicros: USD, bucket: 0, holder: b.ledger.holder, longRunning: false };
    await new CoordinatorClient(again.server.url, SECRET).apply([{ op: 'settle', key, row, chargedMicros: 400_000 }]);
    expect(total(again.db, 'u1')).toBe(400_000);
    expect(rows(again.db)).toHaveLength(1);
  });

  test('a host process that dies: its reservations at the coordinator are charged as reserved once its lease expires; a late settlement replaces that once', async () => {
    const clock = { now: START };
    const a = await coordinatorHost({}, clock);
    const b = otherHost(a.server.url, {}, clock);
    const reserved = await b.ledger.reserveShared(payer(GUILD_B, 'u1'), call(1));
    const job = await b.ledger.reserveShared(payer(GUILD_B, 'u2'), { ...call(2), command: 'finetune', longRunning: true });
    if (!reserved.ok || !job.ok) throw new Error('refused');
    await b.link.stop(0); // no more lease renewals: as if the process had died
    clock.now += LEASE_MS - 1;
    expect(a.ledger.chargeOrphans()).toBe(0);
    clock.now += 2;
    expect(a.ledger.chargeOrphans()).toBe(1);
    // The call is charged as reserved; the fine-tuning job, still training at OpenAI, stays reserved for its owner.
    expect(rows(a.db)).toEqual([{ state: 'settled', reserved: USD, charged: USD, orphaned: 1 }, { state: 'reserved', reserved: 2 * USD, charged: 2 * USD, orphaned: 0 }]);
    expect(total(a.db, 'u1')).toBe(USD);
    expect((await a.hosts.overview(10)).overview.interrupted).toEqual({ calls: 1, micros: USD });
    // The host's own file, swept by its next process, says the same.
    expect(new Ledger(new LedgerStore(b.db), new BudgetStore(b.db), null, () => clock.now).chargeOrphans()).toBe(1);
    expect(rows(b.db)).toEqual([{ state: 'settled', reserved: USD, charged: USD, orphaned: 1 }, { state: 'reserved', reserved: 2 * USD, charged: 2 * USD, orphaned: 0 }]);
    // It had only frozen: its call finished and the charge arrives late, then again (its answer lost).
    b.ledger.settle(reserved.reservation, { chargedMicros: 300_000 });
    expect(rows(b.db)[0]).toEqual({ state: 'settled', reserved: USD, charged: 300_000, orphaned: 2 });
    expect(await b.link.flush()).toBe(true);
    expect(rows(a.db)[0]).toEqual({ state: 'settled', reserved: USD, charged: 300_000, orphaned: 2 });
    expect(total(a.db, 'u1')).toBe(300_000);
    const key = a.db.prepare("SELECT shared_key FROM ledger WHERE command = 'ask'").pluck().get() as string;
    const row = { guildId: GUILD_B, userId: 'u1', command: 'ask', model: 'gpt-4o-mini', reservedMicros: USD, bucket: 0, holder: b.ledger.holder, longRunning: false };
    const client = new CoordinatorClient(a.server.url, SECRET);
    await client.apply([{ op: 'settle', key, row, chargedMicros: 700_000 }, { op: 'release', key, row }]);
    expect(rows(a.db)[0]).toEqual({ state: 'settled', reserved: USD, charged: 300_000, orphaned: 2 });
    expect(total(a.db, 'u1')).toBe(300_000);
    expect((await a.hosts.overview(10)).overview.interrupted).toEqual({ calls: 0, micros: 0 });
  });

  test('a late release (the call was never billed) from a host replaces the coordinator\'s orphan charge with nothing, once', async () => {
    const clock = { now: START };
    const a = await coordinatorHost({}, clock);
    const b = otherHost(a.server.url, {}, clock);
    const reserved = await b.ledger.reserveShared(payer(GUILD_B, 'u1'), call(1));
    if (!reserved.ok) throw new Error('refused');
    await b.link.stop(0);
    clock.now += LEASE_MS + 1;
    expect(a.ledger.chargeOrphans()).toBe(1);
    expect(total(a.db, 'u1')).toBe(USD);
    b.ledger.release(reserved.reservation);
    expect(await b.link.flush()).toBe(true);
    expect(rows(a.db)).toEqual([{ state: 'released', reserved: USD, charged: 0, orphaned: 2 }]);
    expect(total(a.db, 'u1')).toBe(0);
    const key = a.db.prepare('SELECT shared_key FROM ledger').pluck().get() as string;
    const row = { guildId: GUILD_B, userId: 'u1', command: 'ask', model: 'gpt-4o-mini', reservedMicros: USD, bucket: 0, holder: b.ledger.holder, longRunning: false };
    await new CoordinatorClient(a.server.url, SECRET).apply([{ op: 'settle', key, row, chargedMicros: 500_000 }]);
    expect(total(a.db, 'u1')).toBe(0);
  });

  test('an outbox entry the coordinator can never take is dropped with an error, and does not hold back the ones after it', async () => {
    const clock = { now: START };
    const a = await coordinatorHost({}, clock);
    const b = otherHost(a.server.url, {}, clock);
    const reserved = await b.ledger.reserveShared(payer(GUILD_B, 'u1'), call(1));
    if (!reserved.ok) throw new Error('refused');
    await b.link.flush();
    new SharedLedgerStore(b.db).enqueue({ op: 'lower', key: 'not-a-key', micros: 1 }, clock.now);
    b.ledger.settle(reserved.reservation, { chargedMicros: 123_000, units: 2.5 });
    expect(await b.link.flush()).toBe(true);
    expect(b.link.pending).toBe(0);
    expect(total(a.db, 'u1')).toBe(123_000);
    expect(logged.some((line) => line.includes('refused an outbox entry as malformed') && line.includes('not-a-key'))).toBe(true);
  });

  test('a live host renews its lease: its reservations at the coordinator outlast LEASE_MS', async () => {
    const clock = { now: START };
    const a = await coordinatorHost({}, clock);
    const b = otherHost(a.server.url, {}, clock);
    const reserved = await b.ledger.reserveShared(payer(GUILD_B, 'u1'), call(1));
    if (!reserved.ok) throw new Error('refused');
    for (let n = 0; n < 5; n += 1) {
      clock.now += LEASE_MS / 2;
      await b.link.renewLease();
      expect(a.ledger.chargeOrphans()).toBe(0);
    }
    expect(total(a.db, 'u1')).toBe(USD);
  });

  test('settlements kept in the outbox survive a restart of the host and land from the new process', async () => {
    const clock = { now: START };
    const a = await coordinatorHost({}, clock);
    const port = Number(new URL(a.server.url).port);
    const { db, path } = database();
    const linkOn = (file: Db) => new CoordinatorLink({
      client: new CoordinatorClient(a.server.url, SECRET), store: new SharedLedgerStore(file), meta: new MetaStore(file), apply: () => undefined, resync: () => undefined, log: testLogger(), now: () => clock.now,
    });
    const first = linkOn(db);
    const ledger = new Ledger(new LedgerStore(db), new BudgetStore(db), null, () => clock.now, { shared: first });
    const reserved = await ledger.reserveShared(payer(GUILD_B, 'u1'), call(1));
    if (!reserved.ok) throw new Error('refused');
    await a.server.close();
    ledger.settle(reserved.reservation, { chargedMicros: 250_000 });
    expect(await first.flush()).toBe(false);
    await first.stop(0);
    db.close(); // the host's process stops with the settlement unsent
    const back = await coordinatorHost({}, clock, a.path, port);
    const again = openDatabase(path);
    open.push(again);
    const link = linkOn(again);
    expect(link.pending).toBe(1);
    expect(await link.flush()).toBe(true);
    expect(link.pending).toBe(0);
    expect(total(back.db, 'u1')).toBe(250_000);
  });

  test.each([
    ['a wrong secret', `${SECRET}-not`],
    ['no secret', ''],
  ])('%s: 401, nothing recorded, and the call is refused', async (_name, secret) => {
    const clock = { now: START };
    const a = await coordinatorHost({}, clock);
    const response = await fetch(`${a.server.url}/v1/reserve`, {
      method: 'POST', headers: secret ? { authorization: `Bearer ${secret}`, 'content-type': 'application/json' } : { 'content-type': 'application/json' },
      body: JSON.stringify({ key: crypto.randomUUID(), holder: 'h', pid: 1, host: 'h', guildId: GUILD_B, userId: 'u1', command: 'ask', model: 'm', reservedMicros: 1, longRunning: false }),
    });
    expect(response.status).toBe(401);
    expect(rows(a.db)).toEqual([]);
    const b = otherHost(a.server.url, {}, clock, secret || 'x'.repeat(40));
    const refused = await b.ledger.reserveShared(payer(GUILD_B, 'u1'), call(1));
    expect(refused.ok ? 'reserved' : refused.refusal.limit.source).toBe('coordinator-down');
    expect(rows(a.db)).toEqual([]);
    expect(logged.join('')).toContain('refused a ledger request without the right LEDGER_SECRET');
  });

  test('a request the coordinator cannot read is refused (400) and changes nothing', async () => {
    const clock = { now: START };
    const a = await coordinatorHost({}, clock);
    const response = await signedFetch(a.server.url, SECRET, 'POST', '/v1/apply', { ops: [{ op: 'settle', key: 'not-a-uuid' }] });
    expect(response.status).toBe(400);
    expect(rows(a.db)).toEqual([]);
  });

  test('/forget-me on either host deletes the member\'s turns on every host', async () => {
    const clock = { now: START };
    const a = await coordinatorHost({}, clock);
    const b = otherHost(a.server.url, {}, clock);
    const c = otherHost(a.server.url, {}, clock);
    const say = (history: HistoryStore, authorId: string) => history.addExchange([
      { channelId: 'c1', role: 'user', authorId, content: 'q', tokens: 1, tokensCl100k: 1, createdAt: clock.now },
      { channelId: 'c1', role: 'assistant', content: 'a', tokens: 1, tokensCl100k: 1, createdAt: clock.now },
    ]);
    for (const host of [a, b, c]) for (const who of ['u1', 'u2']) say(host.history, who);
    // u1 asks on host b: b deletes its own, the coordinator records and applies it, c applies it on its next renewal.
    b.hosts.forgetEverywhere('u1', () => b.history.deleteAuthor('u1'));
    expect(await b.link.flush()).toBe(true);
    await c.link.renewLease();
    // u2 asks on the coordinator's host.
    a.hosts.forgetEverywhere('u2', () => a.history.deleteAuthor('u2'));
    await b.link.renewLease();
    await c.link.renewLease();
    for (const host of [a, b, c]) expect([host.history.countQuestionsBy('u1'), host.history.countQuestionsBy('u2')]).toEqual([0, 0]);
  });

  test('/operator server-limit and /operator allow typed on any host reach the host that holds the server', async () => {
    const clock = { now: START };
    const operator = { allowedGuilds: [], server: { amountMicros: 5 * USD, period: 'day' as const } };
    const a = await coordinatorHost(operator, clock);
    const b = otherHost(a.server.url, operator, clock);
    const c = otherHost(a.server.url, operator, clock);
    // Typed on host c (in one of its servers) for GUILD_B, a server host b holds.
    expect(b.ledger.isGuildAllowed(GUILD_B)).toBe(false);
    expect(c.hosts.allowGuild(GUILD_B, 'owner')).toBe(true);
    c.hosts.setServerCeiling(GUILD_B, { amountMicros: 1 * USD, period: 'day' }, 'owner');
    expect(await c.link.flush()).toBe(true);
    await b.link.renewLease();
    expect(b.ledger.isGuildAllowed(GUILD_B)).toBe(true);
    expect(b.ledger.serverCeiling(GUILD_B)).toMatchObject({ amountMicros: 1 * USD });
    expect(a.ledger.isGuildAllowed(GUILD_B)).toBe(true);
    const refused = await b.ledger.reserveShared(payer(GUILD_B, 'u1'), call(2));
    expect(refused.ok ? 'reserved' : refused.refusal.limit.source).toBe('server-ceiling');
    // Typed on the coordinator: back to SERVER_LIMIT_USD everywhere.
    a.hosts.setServerCeiling(GUILD_B, 'default', 'owner');
    await b.link.renewLease();
    expect(b.ledger.serverCeiling(GUILD_B)).toMatchObject({ amountMicros: 5 * USD });
    expect((await b.ledger.reserveShared(payer(GUILD_B, 'u1'), call(2))).ok).toBe(true);
  });

  test('/operator status on another host shows the bot-wide totals (this host\'s alone, said so, when the coordinator is down)', async () => {
    const clock = { now: START };
    const a = await coordinatorHost({}, clock);
    const b = otherHost(a.server.url, {}, clock);
    const spent = a.ledger.reserve(payer(GUILD_A, 'u1'), call(1));
    if (spent.ok) a.ledger.settle(spent.reservation, { chargedMicros: USD });
    await b.ledger.pay(payer(GUILD_B, 'u2'), call(1), async () => 'x', () => ({ chargedMicros: 0.5 * USD }));
    await b.link.flush();
    const wide = await b.hosts.overview(10);
    expect(wide.thisHostOnly).toBe(false);
    expect(wide.overview.totalMicros).toBe(1.5 * USD);
    expect(wide.overview.servers.map((s) => s.guildId).sort()).toEqual([GUILD_A, GUILD_B]);
    expect((await a.hosts.overview(10)).overview.totalMicros).toBe(1.5 * USD);
    await a.server.close();
    const local = await b.hosts.overview(10);
    expect(local).toMatchObject({ thisHostOnly: true, overview: { totalMicros: 0.5 * USD } });
  });

  test('/usage on another host shows the member\'s total across every host (this host\'s share when the coordinator is down)', async () => {
    const clock = { now: START };
    const limits = { member: { amountMicros: 3 * USD, period: 'day' as const }, bot: { amountMicros: 10 * USD, period: 'day' as const } };
    const a = await coordinatorHost(limits, clock);
    const b = otherHost(a.server.url, limits, clock);
    const spent = a.ledger.reserve(payer(GUILD_A, 'u1'), call(1));
    if (spent.ok) a.ledger.settle(spent.reservation, { chargedMicros: USD });
    await b.ledger.pay(payer(GUILD_B, 'u1'), call(1), async () => 'x', () => ({ chargedMicros: 0.25 * USD }));
    await b.link.flush();
    const usage = () => new BudgetAdmin(new BudgetStore(b.db), b.ledger, () => clock.now).usage(payer(GUILD_B, 'u1'));
    const shared = await b.hosts.withSharedTotals(usage(), 'u1');
    expect([shared.report.operator.member?.spentMicros, shared.report.operator.bot?.spentMicros]).toEqual([1.25 * USD, 1.25 * USD]);
    await a.server.close();
    const local = await b.hosts.withSharedTotals(usage(), 'u1');
    expect(local.report.operator.member?.spentMicros).toBe(0.25 * USD);
  });

  test('the secret is never in a log line', () => {
    expect(logged.length).toBeGreaterThan(0);
    expect(logged.join('')).not.toContain(SECRET);
  });
});
