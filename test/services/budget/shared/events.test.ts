import { afterEach, describe, expect, test } from 'vitest';
import type { Db } from '../../../../src/db/connection.ts';
import type { HistoryStore } from '../../../../src/db/history.ts';
import { MetaStore } from '../../../../src/db/meta.ts';
import { CoordinatorClient } from '../../../../src/services/budget/shared/client.ts';
import { EVENTS_KEPT_MS } from '../../../../src/services/budget/shared/coordinator.ts';
import { applyResync } from '../../../../src/services/budget/shared/events.ts';
import type { ResyncState } from '../../../../src/services/budget/shared/protocol.ts';
import type { BotMetrics } from '../../../../src/services/metrics/metrics.ts';
import { parseSamples, valueOf } from '../../../support/metricsScrape.ts';
import { closeAll, coordinatorHost, GUILD_A, GUILD_B, otherHost, SECRET, START, USD } from './hostsHarness.ts';

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
const syncText = (db: Db) => JSON.stringify([kept(db), db.prepare('SELECT * FROM meta').all(), db.prepare('SELECT * FROM shared_hosts').all()]);

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
    b.history.deleteAuthor(FORGOTTEN);
    b.hosts.forgetEverywhere(FORGOTTEN);
    expect(await b.link.flush()).toBe(true);
    await b.link.renewLease();
    await b.link.renewLease();
    // b has applied it (its own); c not yet: kept.
    expect(kept(a.db).join()).toContain(FORGOTTEN);
    await c.link.renewLease();
    expect(c.history.countQuestionsBy(FORGOTTEN)).toBe(0);
    expect(kept(a.db)).toHaveLength(1);
    expect(await keptMetric(a.metrics)).toBe(1);
    // c's next renewal says it applied it: nothing names the member any more.
    await c.link.renewLease();
    expect(kept(a.db)).toEqual([]);
    expect(await keptMetric(a.metrics)).toBe(0);
    expect(syncText(a.db)).not.toContain(FORGOTTEN);
  });

  test('a host away longer than EVENTS_KEPT_MS is not waited for, and catches up from a resync when it is back', async () => {
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
    a.history.deleteAuthor(FORGOTTEN);
    a.hosts.forgetEverywhere(FORGOTTEN);
    const forgotAt = clock.now;
    for (let day = 0; day < 8; day += 1) {
      clock.now += 24 * HOUR;
      await b.link.renewLease();
    }
    // Older than EVENTS_KEPT_MS, and b applied them: gone, though c never did.
    expect(kept(a.db)).toEqual([]);
    expect(syncText(a.db)).not.toContain(FORGOTTEN);

    // c starts again on its file: it missed what was trimmed, so it takes the coordinator's settings.
    const back = otherHost(a.server.url, clock, { operator, path: c.path });
    say(back.history, OTHER, forgotAt + 1); // a turn stored after the /forget-me stays
    await until(() => back.ledger.isGuildAllowed(GUILD_B)); // its start-up renewal has resynced
    expect(back.ledger.serverCeiling(GUILD_A)).toMatchObject({ amountMicros: 5 * USD });
    expect(back.ledger.serverCeiling(GUILD_B)).toMatchObject({ amountMicros: 1 * USD, period: 'week' });
    expect(back.ledger.isGuildAllowed(GUILD_B)).toBe(true);
    // It cannot tell whose /forget-me it missed: every turn stored before it goes.
    expect([back.history.countQuestionsBy(FORGOTTEN), back.history.countQuestionsBy(OTHER)]).toEqual([0, 1]);
    // Up to date now: the next renewal resyncs nothing (an old turn written meanwhile stays).
    say(back.history, OTHER, forgotAt - 1);
    await back.link.renewLease();
    expect(back.history.countQuestionsBy(OTHER)).toBe(2);
  });

  test('a new host joining after events were trimmed takes the settings, and keeps the history it had', async () => {
    const clock = { now: START };
    const a = await coordinatorHost(clock, { operator });
    a.hosts.allowGuild(GUILD_B, 'owner');
    a.hosts.forgetEverywhere(FORGOTTEN);
    clock.now += EVENTS_KEPT_MS + HOUR;
    const b = otherHost(a.server.url, clock, { operator });
    await b.link.renewLease(); // its first lease trims by age, then answers it
    expect(kept(a.db)).toEqual([]);
    const joined = otherHost(a.server.url, clock, { operator });
    say(joined.history, OTHER, START);
    await joined.link.renewLease();
    expect(joined.ledger.isGuildAllowed(GUILD_B)).toBe(true);
    expect(joined.history.countQuestionsBy(OTHER)).toBe(1);
  });

  test('a late renewal from another process of a host does not move it back, and is answered with a resync it can check', async () => {
    const clock = { now: START };
    const a = await coordinatorHost(clock, { operator });
    const b = otherHost(a.server.url, clock, { operator });
    await b.link.renewLease();
    clock.now += EVENTS_KEPT_MS + HOUR;
    a.hosts.forgetEverywhere(FORGOTTEN);
    await b.link.renewLease(); // applies it
    await b.link.renewLease(); // says so: trimmed
    expect(kept(a.db)).toEqual([]);
    const hostId = new MetaStore(b.db).get('shared_ledger.host_id')!;
    const seq = () => a.db.prepare('SELECT events_seq FROM shared_hosts WHERE host_id = ?').pluck().get(hostId);
    expect(seq()).toBe(1);
    // Sent by another process of b before it read that b applied it, and arriving now.
    const late = await new CoordinatorClient(a.server.url, SECRET).lease({ holder: 'b-process-2', pid: 2, host: 'b', hostId, eventsAfter: 0 });
    expect(seq()).toBe(1);
    expect(late.resync?.forgotten).toEqual({ seq: 1, at: clock.now });
    expect(JSON.stringify(late)).not.toContain(FORGOTTEN);
  });

  test.each([
    ['a host that had not applied the trimmed /forget-me deletes the turns stored before it', 3, true],
    ['a host that had applied it (another of its processes did) deletes nothing', 7, false],
    ['a new host (no event ever applied) deletes nothing: that /forget-me came before it joined', null, false],
  ])('%s', (_name, appliedThrough, wiped) => {
    const calls: string[] = [];
    const state: ResyncState = {
      ceilings: [{ guildId: GUILD_B, actorId: 'owner', amountMicros: USD, period: 'day' }], allowed: [{ guildId: GUILD_B, actorId: 'owner' }], forgotten: { seq: 7, at: START },
    };
    applyResync(state, {
      forgetHere: () => calls.push('forgetHere'),
      forgetBefore: (at) => calls.push(`forgetBefore ${at}`),
      ceilingGuilds: () => [GUILD_A, GUILD_B],
      ledger: {
        setServerCeiling: (guildId, value) => void calls.push(`ceiling ${guildId} ${JSON.stringify(value)}`),
        allowGuild: (guildId) => Boolean(calls.push(`allow ${guildId}`)),
      },
    }, appliedThrough);
    expect(calls).toEqual([
      `ceiling ${GUILD_A} "default"`, `ceiling ${GUILD_B} {"amountMicros":${USD},"period":"day"}`, `allow ${GUILD_B}`,
      ...(wiped ? [`forgetBefore ${START}`] : []),
    ]);
  });

  test('a coordinator no host calls still drops events older than EVENTS_KEPT_MS', async () => {
    const clock = { now: START };
    const a = await coordinatorHost(clock, { operator });
    a.hosts.forgetEverywhere(FORGOTTEN);
    clock.now += EVENTS_KEPT_MS - 1;
    a.coordinator.trimEvents();
    expect(kept(a.db)).toHaveLength(1);
    clock.now += 2;
    a.coordinator.trimEvents();
    expect(kept(a.db)).toEqual([]);
    expect(syncText(a.db)).not.toContain(FORGOTTEN);
  });
});
