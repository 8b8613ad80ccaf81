import { afterEach, describe, expect, test } from 'vitest';
import type { Db } from '../../../../src/db/connection.ts';
import { MetaStore } from '../../../../src/db/meta.ts';
import { SharedLedgerStore } from '../../../../src/db/sharedLedger.ts';
import { createLogger } from '../../../../src/logger.ts';
import { CoordinatorClient } from '../../../../src/services/budget/shared/client.ts';
import { applyEvent } from '../../../../src/services/budget/shared/events.ts';
import { SharedHosts } from '../../../../src/services/budget/shared/hosts.ts';
import { CoordinatorLink } from '../../../../src/services/budget/shared/link.ts';
import type { SharedOp } from '../../../../src/services/budget/shared/protocol.ts';
import { closeAll, coordinatorHost, GUILD_A, GUILD_B, otherHost, SECRET, START, USD, type Clock } from './hostsHarness.ts';

afterEach(closeAll);

const log = createLogger({ logLevel: 'silent', logFormat: 'json', discordToken: 'discord-token-x', openaiApiKey: 'openai-key-x', ledger: { url: undefined, port: undefined, host: '127.0.0.1', secret: SECRET } });

/** A client whose outbox sends wait until `release()`: a process of a host whose request goes out late (a busy event loop, a new connection). */
class HeldClient extends CoordinatorClient {
  private held: (() => void)[] = [];
  sent: SharedOp[][] = [];

  override async apply(ops: readonly SharedOp[]): Promise<{ applied: number }> {
    this.sent.push([...ops]);
    await new Promise<void>((resolve) => this.held.push(resolve));
    return super.apply(ops);
  }

  release(): void {
    for (const resolve of this.held.splice(0)) resolve();
  }
}

/** A process of `host` whose sends to the coordinator wait until `held.release()`, and its /operator commands. */
function heldProcess(host: ReturnType<typeof otherHost>, url: string, clock: Clock) {
  const held = new HeldClient(url, SECRET);
  const link = new CoordinatorLink({
    client: held, store: new SharedLedgerStore(host.db), meta: new MetaStore(host.db), log, now: () => clock.now,
    apply: (event) => applyEvent(event, { forgetHere: () => undefined, ledger: host.ledger }), resync: () => undefined,
  });
  return { held, link, hosts: new SharedHosts(host.ledger, host.db, { link }, log, () => clock.now) };
}

/** Host c, cut off from the coordinator, raises server B's ceiling to $100: the change waits in its outbox until `release()`. */
async function raiseWhileCutOff(c: ReturnType<typeof otherHost>, url: string, clock: Clock): Promise<HeldClient> {
  const { held, hosts } = heldProcess(c, url, clock);
  hosts.setServerCeiling(GUILD_B, { amountMicros: 100 * USD, period: 'day' }, 'owner');
  await expect.poll(() => held.sent.length).toBe(1);
  return held;
}

/**
 * Coordinator a; host b, holding server B; host c, cut off, has raised B's ceiling to $100 (waiting in its outbox);
 * then, a minute later, the operator lowers it to $1 on the coordinator, at `typedB`.
 */
async function lowerWhileCRaisedCutOff(clock: Clock) {
  const a = await coordinatorHost(clock);
  const b = otherHost(a.server.url, clock);
  const c = otherHost(a.server.url, clock);
  const cut = await raiseWhileCutOff(c, a.server.url, clock);
  clock.now += 60_000;
  const typedB = clock.now;
  a.hosts.setServerCeiling(GUILD_B, { amountMicros: 1 * USD, period: 'day' }, 'owner');
  return { a, b, c, cut, typedB };
}

describe('the outbox of a host whose processes send it at once (each shard process of a host drains the one outbox)', () => {
  test('an /operator change a slow process sends again after a newer one landed does not undo the newer one, on any host', async () => {
    const clock = { now: START };
    const a = await coordinatorHost(clock);
    // Host c: two processes on one file. The first one's send of the outbox goes out late.
    const c2 = otherHost(a.server.url, clock);
    const { held, link: first, hosts: c1 } = heldProcess(c2, a.server.url, clock);
    // The host holding the server, where the ceiling counts.
    const b = otherHost(a.server.url, clock);

    // The operator sets $100 (handled by the first process: its send is held), then corrects it to $1 (the second process).
    c1.setServerCeiling(GUILD_B, { amountMicros: 100 * USD, period: 'day' }, 'owner');
    await expect.poll(() => held.sent.length).toBe(1);
    c2.hosts.setServerCeiling(GUILD_B, { amountMicros: 1 * USD, period: 'day' }, 'owner');
    expect(await c2.link.flush()).toBe(true);
    // The first process's request, read before the correction, lands last.
    held.release();
    await expect.poll(() => new SharedLedgerStore(c2.db).pendingCount()).toBe(0);
    await first.flush();

    await b.link.renewLease();
    expect(b.ledger.serverCeiling(GUILD_B)).toMatchObject({ amountMicros: 1 * USD });
    expect(a.ledger.serverCeiling(GUILD_B)).toMatchObject({ amountMicros: 1 * USD });
    // Each change recorded once for the other hosts: the late copy changed nothing.
    expect(a.shared.eventsKept()).toBe(2);
    const refused = await b.ledger.reserveShared({ guildId: GUILD_B, userId: 'u1', roleIds: [], channelId: 'c1' }, { command: 'ask', model: 'gpt-4o-mini', worstCaseMicros: 2 * USD });
    expect(refused.ok ? 'reserved' : refused.refusal.limit.source).toBe('server-ceiling');
  });
});

describe('an /operator change typed on a host cut off from the coordinator', () => {
  test('lands when the host is back, without undoing a newer change typed meanwhile on another host', async () => {
    const clock = { now: START };
    // Host c can't reach the coordinator: what it sends waits (its outbox keeps it). The operator's $1, a minute
    // later on the coordinator, reaches host b, which holds the server.
    const { a, b, c, cut } = await lowerWhileCRaisedCutOff(clock);
    await b.link.renewLease();
    expect(b.ledger.serverCeiling(GUILD_B)).toMatchObject({ amountMicros: 1 * USD });
    // Host c is back: its older change lands, and every host keeps the newer one (c too, once it renews).
    clock.now += 60_000;
    cut.release();
    await expect.poll(() => new SharedLedgerStore(c.db).pendingCount()).toBe(0);
    await b.link.renewLease();
    await c.link.renewLease();
    for (const host of [a, b, c]) expect(host.ledger.serverCeiling(GUILD_B)).toMatchObject({ amountMicros: 1 * USD });
    const refused = await b.ledger.reserveShared({ guildId: GUILD_B, userId: 'u1', roleIds: [], channelId: 'c1' }, { command: 'ask', model: 'gpt-4o-mini', worstCaseMicros: 2 * USD });
    expect(refused.ok ? 'reserved' : refused.refusal.limit.source).toBe('server-ceiling');
  });
});

describe('server-ceiling times on the coordinator', () => {
  const DAY_MS = 24 * 60 * 60 * 1000;
  const ceilingKeys = (db: Db) =>
    db.prepare("SELECT key, value FROM meta WHERE key LIKE 'shared!_ledger.ceiling%' ESCAPE '!' ORDER BY key").all() as { key: string; value: string }[];

  test('are dropped a week after they were typed (the newest dropped kept as one floor), the ceilings stay, and an older late change still changes nothing anywhere', async () => {
    const clock = { now: START };
    // Host c, cut off from here, raises server B's ceiling to $100; a minute later the operator sets $1 on the coordinator.
    const { a, b, c, cut, typedB } = await lowerWhileCRaisedCutOff(clock);
    // Eight days on, server A gets a ceiling; the trim drops B's time (over a week old) and keeps A's.
    clock.now += 8 * DAY_MS;
    a.hosts.setServerCeiling(GUILD_A, { amountMicros: 2 * USD, period: 'day' }, 'owner');
    a.coordinator.trimEvents();
    expect(ceilingKeys(a.db)).toEqual([{ key: `shared_ledger.ceiling_at:${GUILD_A}`, value: String(clock.now) }, { key: 'shared_ledger.ceiling_floor', value: String(typedB) }]);
    expect(a.ledger.serverCeiling(GUILD_A)).toMatchObject({ amountMicros: 2 * USD });
    expect(a.ledger.serverCeiling(GUILD_B)).toMatchObject({ amountMicros: 1 * USD });

    // Host c is back: its change, older than the time dropped, is not applied, and c takes the ceiling in force.
    cut.release();
    await expect.poll(() => new SharedLedgerStore(c.db).pendingCount()).toBe(0);
    await b.link.renewLease();
    await c.link.renewLease();
    for (const host of [a, b, c]) expect(host.ledger.serverCeiling(GUILD_B)).toMatchObject({ amountMicros: 1 * USD });
    expect(ceilingKeys(a.db)).toHaveLength(2);
  });
  test('a late change typed before the time dropped, for a server with no time kept, leaves every machine on the ceiling in force', async () => {
    const clock = { now: START };
    const a = await coordinatorHost(clock);
    const c = otherHost(a.server.url, clock);
    // Host c's change to server B waits in its outbox; a minute later server A gets a ceiling, which c takes.
    const cut = await raiseWhileCutOff(c, a.server.url, clock);
    clock.now += 60_000;
    a.hosts.setServerCeiling(GUILD_A, { amountMicros: 2 * USD, period: 'day' }, 'owner');
    await c.link.renewLease();
    // Eight days on, A's time is dropped: the floor is later than c's change, and c missed nothing (no resync to fix it).
    clock.now += 8 * DAY_MS;
    a.coordinator.trimEvents();
    await c.link.renewLease();
    cut.release();
    await expect.poll(() => new SharedLedgerStore(c.db).pendingCount()).toBe(0);
    await c.link.renewLease();
    expect(a.ledger.serverCeiling(GUILD_B)?.amountMicros).not.toBe(100 * USD);
    expect(c.ledger.serverCeiling(GUILD_B)).toEqual(a.ledger.serverCeiling(GUILD_B));
  });
});
