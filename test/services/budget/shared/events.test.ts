import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, test, vi } from 'vitest';
import type { Db } from '../../../../src/db/connection.ts';
import { HistoryStore } from '../../../../src/db/history.ts';
import { MetaStore } from '../../../../src/db/meta.ts';
import { CoordinatorClient } from '../../../../src/services/budget/shared/client.ts';
import { EVENTS_KEPT_MS, LEASE_TRIM_EVERY_MS, tombstonesKeptMs } from '../../../../src/services/budget/shared/coordinator.ts';
import { applyResync } from '../../../../src/services/budget/shared/events.ts';
import { memberHasher } from '../../../../src/services/budget/shared/memberHash.ts';
import { MAX_TOMBSTONES_PER_LEASE, type ResyncState } from '../../../../src/services/budget/shared/protocol.ts';
import type { BotMetrics } from '../../../../src/services/metrics/metrics.ts';
import { parseSamples, valueOf } from '../../../support/metricsScrape.ts';
import { closeAll, coordinatorHost, database, GUILD_A, GUILD_B, otherHost, RETENTION_DAYS, SECRET, START, USD } from './hostsHarness.ts';

afterEach(closeAll);

const FORGOTTEN = '400000000000000777';
const OTHER = '400000000000000888';
const HOUR = 60 * 60 * 1000;
const operator = { allowedGuilds: [], server: { amountMicros: 5 * USD, period: 'day' as const } };

const say = (history: HistoryStore, authorId: string, at: number) => history.addExchange([
  { channelId: 'c1', role: 'user', authorId, content: 'q', tokens: 1, tokensCl100k: 1, createdAt: at },
  { channelId: 'c1', role: 'assistant', content: 'a', tokens: 1, tokensCl100k: 1, createdAt: at },
]);
async function until(check: () => boolean): Promise<void> {
  for (let tries = 0; !check(); tries += 1) {
    if (tries > 100) throw new Error('not within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
const keptMetric = async (metrics: BotMetrics) => valueOf(parseSamples((await metrics.exposition()).body), 'bot_ledger_shared_events');
const kept = (db: Db) => db.prepare('SELECT body FROM shared_events ORDER BY seq').pluck().all() as string[];
/** Every text the coordinator's sync tables and meta hold: a trimmed /forget-me must leave no member ID in them. */
const syncText = (db: Db) => JSON.stringify([
  kept(db), db.prepare('SELECT * FROM meta').all(), db.prepare('SELECT * FROM shared_hosts').all(), db.prepare('SELECT * FROM forget_tombstones').all(),
]);
const tombstones = (db: Db) => db.prepare('SELECT seq, member, requested_at AS at FROM forget_tombstones ORDER BY seq').all();
/** The member's ID as every host and the coordinator hash it (keyed by LEDGER_SECRET). */
const hashed = memberHasher(SECRET);
const questions = (history: HistoryStore, authorId: string) => history.countQuestionsBy(authorId);

describe('shared events (/forget-me, /operator) are kept only as long as a host may need them', () => {
  test('a /forget-me is dropped from the coordinator once every host applied it, not before', async () => {
    const clock = { now: START };
    const a = await coordinatorHost(clock, { operator });
    const b = otherHost(a.server.url, clock, { operator });
    const c = otherHost(a.server.url, clock, { operator });
    await b.link.renewLease();
    await c.link.renewLease();
    // Past the first EVENTS_KEPT_MS after the upgrade, the coordinator knows every host (see coordinator.ts).
    clock.now += EVENTS_KEPT_MS + HOUR;
    await b.link.renewLease();
    await c.link.renewLease();
    for (const host of [b, c]) say(host.history, FORGOTTEN, clock.now - 1);
    b.hosts.forgetEverywhere(FORGOTTEN, () => b.history.deleteAuthor(FORGOTTEN));
    expect(await b.link.flush()).toBe(true);
    await b.link.renewLease();
    await b.link.renewLease();
    // b has applied it (its own); c not yet: kept.
    expect(kept(a.db).join()).toContain(FORGOTTEN);
    await c.link.renewLease();
    expect(c.history.countQuestionsBy(FORGOTTEN)).toBe(0);
    expect(kept(a.db)).toHaveLength(1);
    expect(await keptMetric(a.metrics)).toBe(1);
    // c's next renewal says it applied it, past a minute since the last trim: nothing names the member any more.
    clock.now += LEASE_TRIM_EVERY_MS;
    await c.link.renewLease();
    expect(kept(a.db)).toEqual([]);
    expect(await keptMetric(a.metrics)).toBe(0);
    expect(syncText(a.db)).not.toContain(FORGOTTEN);
  });

  test('lease renewals trim at most once a minute, after their own transaction, reading the event bounds once', async () => {
    const clock = { now: START };
    const a = await coordinatorHost(clock, { operator });
    const b = otherHost(a.server.url, clock, { operator });
    const c = otherHost(a.server.url, clock, { operator });
    await b.link.renewLease();
    await c.link.renewLease();
    clock.now += EVENTS_KEPT_MS + HOUR;
    await b.link.renewLease(); // trims (the first renewal past a minute)
    const trims = vi.spyOn(a.shared, 'trimEvents');
    const bounds = vi.spyOn(a.shared, 'eventBounds');
    a.hosts.forgetEverywhere(FORGOTTEN, () => undefined);
    await b.link.renewLease();
    await c.link.renewLease();
    // Every host has applied it, and says so on each renewal every 20 s: within the minute, nothing is trimmed.
    for (let renewal = 0; renewal < 2; renewal += 1) {
      clock.now += 20_000;
      await b.link.renewLease();
      await c.link.renewLease();
    }
    expect(trims).not.toHaveBeenCalled();
    expect(kept(a.db)).toHaveLength(1);
    expect(bounds).toHaveBeenCalledTimes(6);
    // A minute after the last trim: the next renewal trims, once.
    clock.now += LEASE_TRIM_EVERY_MS - 40_000;
    await b.link.renewLease();
    await c.link.renewLease();
    expect(trims).toHaveBeenCalledTimes(1);
    expect(kept(a.db)).toEqual([]);
    expect(await keptMetric(a.metrics)).toBe(0);
  });

  test('a renewal that brings nothing new writes nothing to the host\'s file; one that brings an event saves its seq once', async () => {
    const clock = { now: START };
    const a = await coordinatorHost(clock, { operator });
    const b = otherHost(a.server.url, clock, { operator });
    a.hosts.forgetEverywhere(FORGOTTEN, () => undefined);
    await b.link.renewLease();
    const seq = () => new MetaStore(b.db).get('shared_ledger.events_seq');
    expect(seq()).toBe('1');
    const changes = () => b.db.prepare('SELECT total_changes()').pluck().get() as number;
    const before = changes();
    for (let renewal = 0; renewal < 3; renewal += 1) {
      clock.now += 20_000;
      await b.link.renewLease();
    }
    expect(changes()).toBe(before);
    a.hosts.setServerCeiling(GUILD_B, { amountMicros: USD, period: 'day' }, 'owner');
    await b.link.renewLease();
    expect(seq()).toBe('2');
    expect(changes()).toBeGreaterThan(before);
  });

  test('the coordinator notes when it began tracking hosts once per process, not on every renewal; again if it is not in the file', async () => {
    const clock = { now: START };
    const a = await coordinatorHost(clock, { operator });
    const b = otherHost(a.server.url, clock, { operator });
    await b.link.renewLease();
    const since = () => a.db.prepare("SELECT value FROM meta WHERE key = 'shared_events.tracking_since'").pluck().get();
    expect(since()).toBe(String(START));
    a.db.prepare("DELETE FROM meta WHERE key = 'shared_events.tracking_since'").run();
    clock.now += 20_000;
    await b.link.renewLease();
    expect(since()).toBeUndefined();
    // A trim reads it, finds it gone (as after a renewal that rolled back), and the next renewal writes it again.
    a.coordinator.trimEvents();
    clock.now += 20_000;
    await b.link.renewLease();
    expect(since()).toBe(String(clock.now));
  });

  test('a trim that fails does not fail the lease renewal that ran it, and is tried again a minute later', async () => {
    const clock = { now: START };
    const a = await coordinatorHost(clock, { operator });
    a.hosts.forgetEverywhere(FORGOTTEN, () => undefined);
    clock.now += EVENTS_KEPT_MS + HOUR;
    a.db.exec("CREATE TRIGGER no_trim BEFORE DELETE ON shared_events BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
    const client = new CoordinatorClient(a.server.url, SECRET);
    const lease = () => client.lease({ holder: 'h', pid: 1, host: 'h', eventsAfter: 0 });
    const trims = vi.spyOn(a.shared, 'trimEvents');
    expect((await lease()).events).toHaveLength(1);
    expect(trims).toHaveBeenCalledTimes(1);
    expect(kept(a.db)).toHaveLength(1);
    a.db.exec('DROP TRIGGER no_trim');
    clock.now += LEASE_TRIM_EVERY_MS - 1;
    await lease();
    expect(trims).toHaveBeenCalledTimes(1);
    clock.now += 1;
    await lease();
    expect(kept(a.db)).toEqual([]);
  });

  test('a host away longer than EVENTS_KEPT_MS is not waited for, and catches up from a resync when it is back: only the forgetting member\'s older turns go', async () => {
    const clock = { now: START };
    const a = await coordinatorHost(clock, { operator });
    const b = otherHost(a.server.url, clock, { operator });
    const c = otherHost(a.server.url, clock, { operator });
    // c holds a ceiling for GUILD_A from before, and turns of two members.
    c.hosts.setServerCeiling(GUILD_A, { amountMicros: 2 * USD, period: 'day' }, 'owner');
    expect(await c.link.flush()).toBe(true);
    await b.link.renewLease();
    await c.link.renewLease();
    say(c.history, FORGOTTEN, clock.now);
    say(c.history, OTHER, clock.now);
    await c.link.stop(0); // c goes away

    clock.now += HOUR;
    a.hosts.setServerCeiling(GUILD_A, 'default', 'owner');
    a.hosts.allowGuild(GUILD_B, 'owner');
    a.hosts.setServerCeiling(GUILD_B, { amountMicros: 1 * USD, period: 'week' }, 'owner');
    a.hosts.forgetEverywhere(FORGOTTEN, () => a.history.deleteAuthor(FORGOTTEN));
    const forgotAt = clock.now;
    for (let day = 0; day < 8; day += 1) {
      clock.now += 24 * HOUR;
      await b.link.renewLease();
    }
    // Older than EVENTS_KEPT_MS, and b applied them: gone, though c never did; the /forget-me is a tombstone.
    expect(kept(a.db)).toEqual([]);
    expect(syncText(a.db)).not.toContain(FORGOTTEN);
    expect(tombstones(a.db)).toEqual([{ seq: 5, member: hashed(FORGOTTEN), at: forgotAt }]);

    // c starts again on its file: it missed what was trimmed, so it takes the coordinator's settings.
    const back = otherHost(a.server.url, clock, { operator, path: c.path });
    // Turns stored after the /forget-me (the member chose to write again) stay.
    say(back.history, OTHER, forgotAt + 1);
    say(back.history, FORGOTTEN, forgotAt + 1);
    await until(() => back.ledger.isGuildAllowed(GUILD_B)); // its start-up renewal has resynced
    expect(back.ledger.serverCeiling(GUILD_A)).toMatchObject({ amountMicros: 5 * USD });
    expect(back.ledger.serverCeiling(GUILD_B)).toMatchObject({ amountMicros: 1 * USD, period: 'week' });
    expect(back.ledger.isGuildAllowed(GUILD_B)).toBe(true);
    // The tombstone names the member by its keyed hash: their turn from before the request goes, nobody else's.
    expect([questions(back.history, FORGOTTEN), questions(back.history, OTHER)]).toEqual([1, 2]);
    // Up to date now: the next renewal applies the tombstone no more (an old turn written meanwhile stays).
    say(back.history, FORGOTTEN, forgotAt - 1);
    await back.link.renewLease();
    expect([questions(back.history, FORGOTTEN), questions(back.history, OTHER)]).toEqual([2, 2]);
  });

  test('a /forget-me applied live on a host that catches up late deletes only what was stored up to the request', async () => {
    const clock = { now: START };
    const a = await coordinatorHost(clock, { operator });
    const b = otherHost(a.server.url, clock, { operator });
    const c = otherHost(a.server.url, clock, { operator });
    await b.link.renewLease();
    await c.link.renewLease();
    say(c.history, FORGOTTEN, clock.now - HOUR);
    say(c.history, OTHER, clock.now - HOUR);
    clock.now += HOUR;
    b.hosts.forgetEverywhere(FORGOTTEN, () => b.history.deleteAuthor(FORGOTTEN));
    expect(await b.link.flush()).toBe(true);
    const forgotAt = clock.now;
    // Before either host applies the event, the member writes again on both; at the request's very time counts as before.
    clock.now += 60_000;
    say(b.history, FORGOTTEN, clock.now);
    say(c.history, FORGOTTEN, clock.now);
    say(c.history, FORGOTTEN, forgotAt);
    await b.link.renewLease(); // b gets its own event back
    await c.link.renewLease();
    expect(JSON.parse(kept(a.db)[0]!)).toEqual({ event: 'forget', userId: FORGOTTEN, at: forgotAt });
    expect(questions(b.history, FORGOTTEN)).toBe(1);
    expect([questions(c.history, FORGOTTEN), questions(c.history, OTHER)]).toEqual([1, 1]);
  });

  test('a trimmed /forget-me is a tombstone: a keyed hash and the request time; the coordinator\'s file holds no clear ID', async () => {
    const clock = { now: START };
    const a = await coordinatorHost(clock, { operator });
    a.hosts.forgetEverywhere(FORGOTTEN, () => undefined);
    clock.now += EVENTS_KEPT_MS + 1;
    a.coordinator.trimEvents();
    expect(kept(a.db)).toEqual([]);
    const [tombstone] = tombstones(a.db) as { seq: number; member: string; at: number }[];
    expect(tombstone).toEqual({ seq: 1, member: hashed(FORGOTTEN), at: START });
    expect(tombstone!.member).toMatch(/^[0-9a-f]{64}$/);
    // Keyed: not the plain hash anyone could compute from a guessed ID, and not another LEDGER_SECRET's.
    expect(tombstone!.member).not.toBe(createHash('sha256').update(FORGOTTEN).digest('hex'));
    expect(tombstone!.member).not.toBe(memberHasher(`${SECRET}-other`)(FORGOTTEN));
    // On disk (deleted rows are overwritten: secure_delete), the WAL folded in.
    a.db.pragma('wal_checkpoint(TRUNCATE)');
    const files = [a.path, `${a.path}-wal`].filter((file) => existsSync(file)).map((file) => readFileSync(file));
    expect(files.some((bytes) => bytes.includes(FORGOTTEN))).toBe(false);
    expect(files[0]!.includes(tombstone!.member)).toBe(true);
  });

  test('tombstones are kept as long as HISTORY_RETENTION_DAYS lets a turn they cover exist, then trimmed', async () => {
    const clock = { now: START };
    const a = await coordinatorHost(clock, { operator });
    a.hosts.forgetEverywhere(FORGOTTEN, () => undefined);
    clock.now += EVENTS_KEPT_MS + 1;
    a.coordinator.trimEvents();
    clock.now = START + tombstonesKeptMs(RETENTION_DAYS);
    a.coordinator.trimEvents();
    expect(tombstones(a.db)).toHaveLength(1);
    expect(valueOf(parseSamples((await a.metrics.exposition()).body), 'bot_ledger_forget_tombstones')).toBe(1);
    clock.now += 1;
    a.coordinator.trimEvents();
    expect(tombstones(a.db)).toEqual([]);
    expect(valueOf(parseSamples((await a.metrics.exposition()).body), 'bot_ledger_forget_tombstones')).toBe(0);
    expect(tombstonesKeptMs(RETENTION_DAYS)).toBe(RETENTION_DAYS * 24 * HOUR + HOUR);
  });

  test('more tombstones than one lease answer holds come over several renewals, before the events kept', async () => {
    const clock = { now: START };
    const a = await coordinatorHost(clock, { operator });
    const members = Array.from({ length: MAX_TOMBSTONES_PER_LEASE + 1 }, (_, i) => String(500000000000000000n + BigInt(i)));
    for (const member of members) a.hosts.forgetEverywhere(member, () => undefined);
    clock.now += EVENTS_KEPT_MS + 1;
    a.coordinator.trimEvents();
    a.hosts.allowGuild(GUILD_B, 'owner'); // kept: handed out once the tombstones are
    const first = await new CoordinatorClient(a.server.url, SECRET).lease({ holder: 'h', pid: 1, host: 'h', eventsAfter: 0 });
    expect([first.resync?.tombstones.length, first.events, first.through]).toEqual([MAX_TOMBSTONES_PER_LEASE, [], MAX_TOMBSTONES_PER_LEASE]);
    // A new host whose file holds turns from before: its start-up renewal brings the first page.
    const before = database();
    for (const member of [members[0]!, members.at(-1)!, OTHER]) say(new HistoryStore(before.db), member, START - 1);
    const joined = otherHost(a.server.url, clock, { operator, path: before.path });
    await until(() => questions(joined.history, members[0]!) === 0);
    expect(questions(joined.history, members.at(-1)!)).toBe(1);
    await joined.link.renewLease();
    expect(questions(joined.history, members.at(-1)!)).toBe(0);
    expect(questions(joined.history, OTHER)).toBe(1);
    expect(new MetaStore(joined.db).get('shared_ledger.events_seq')).toBe(String(MAX_TOMBSTONES_PER_LEASE + 2));
  });

  test('a new host joining after events were trimmed takes the settings, and applies the tombstones to the history it had', async () => {
    const clock = { now: START };
    const a = await coordinatorHost(clock, { operator });
    a.hosts.allowGuild(GUILD_B, 'owner');
    a.hosts.forgetEverywhere(FORGOTTEN, () => undefined);
    clock.now += EVENTS_KEPT_MS + HOUR;
    const b = otherHost(a.server.url, clock, { operator });
    await b.link.renewLease(); // its first lease trims by age, then answers it
    expect(kept(a.db)).toEqual([]);
    const joined = otherHost(a.server.url, clock, { operator });
    say(joined.history, OTHER, START - 1);
    say(joined.history, FORGOTTEN, START - 1);
    say(joined.history, FORGOTTEN, START + 1);
    await joined.link.renewLease();
    expect(joined.ledger.isGuildAllowed(GUILD_B)).toBe(true);
    expect([questions(joined.history, FORGOTTEN), questions(joined.history, OTHER)]).toEqual([1, 1]);
  });

  test('a late renewal from another process of a host does not move it back, and is answered with a resync it can check', async () => {
    const clock = { now: START };
    const a = await coordinatorHost(clock, { operator });
    const b = otherHost(a.server.url, clock, { operator });
    await b.link.renewLease();
    clock.now += EVENTS_KEPT_MS + HOUR;
    a.hosts.forgetEverywhere(FORGOTTEN, () => undefined);
    const forgotAt = clock.now;
    await b.link.renewLease(); // applies it
    clock.now += LEASE_TRIM_EVERY_MS;
    await b.link.renewLease(); // says so: trimmed
    expect(kept(a.db)).toEqual([]);
    const hostId = new MetaStore(b.db).get('shared_ledger.host_id')!;
    const seq = () => a.db.prepare('SELECT events_seq FROM shared_hosts WHERE host_id = ?').pluck().get(hostId);
    expect(seq()).toBe(1);
    // Sent by another process of b before it read that b applied it, and arriving now.
    const late = await new CoordinatorClient(a.server.url, SECRET).lease({ holder: 'b-process-2', pid: 2, host: 'b', hostId, eventsAfter: 0 });
    expect(seq()).toBe(1);
    expect(late.resync?.tombstones).toEqual([{ seq: 1, member: hashed(FORGOTTEN), at: forgotAt }]);
    expect(JSON.stringify(late)).not.toContain(FORGOTTEN);
  });

  test.each([
    ['a host that had applied neither trimmed /forget-me applies both tombstones', 3, ['h5', 'h7']],
    ['a host that had applied the first (another of its processes did) applies the second only', 5, ['h7']],
    ['a host that had applied both applies none', 7, []],
    ['a new host (no event ever applied) applies both: its file may hold turns from before it joined', null, ['h5', 'h7']],
  ])('%s', (_name, appliedThrough, applied) => {
    const calls: string[] = [];
    const state: ResyncState = {
      ceilings: [{ guildId: GUILD_B, actorId: 'owner', amountMicros: USD, period: 'day' }], allowed: [{ guildId: GUILD_B, actorId: 'owner' }],
      tombstones: [{ seq: 5, member: 'h5', at: START }, { seq: 7, member: 'h7', at: START + 1 }],
    };
    applyResync(state, {
      forgetTombstones: (list) => calls.push(`tombstones ${list.map((t) => t.member).join(',')}`),
      ceilingGuilds: () => [GUILD_A, GUILD_B],
      ledger: {
        setServerCeiling: (guildId, value) => void calls.push(`ceiling ${guildId} ${JSON.stringify(value)}`),
        allowGuild: (guildId) => Boolean(calls.push(`allow ${guildId}`)),
      },
    }, appliedThrough);
    expect(calls).toEqual([
      `ceiling ${GUILD_A} "default"`, `ceiling ${GUILD_B} {"amountMicros":${USD},"period":"day"}`, `allow ${GUILD_B}`,
      ...(applied.length > 0 ? [`tombstones ${applied.join(',')}`] : []),
    ]);
  });

  test('a coordinator no host calls still drops events older than EVENTS_KEPT_MS', async () => {
    const clock = { now: START };
    const a = await coordinatorHost(clock, { operator });
    a.hosts.forgetEverywhere(FORGOTTEN, () => undefined);
    clock.now += EVENTS_KEPT_MS - 1;
    a.coordinator.trimEvents();
    expect(kept(a.db)).toHaveLength(1);
    clock.now += 2;
    a.coordinator.trimEvents();
    expect(kept(a.db)).toEqual([]);
    expect(syncText(a.db)).not.toContain(FORGOTTEN);
  });
});
