import { afterEach, describe, expect, test, vi } from 'vitest';
import type { Db } from '../../../../src/db/connection.ts';
import { EVENTS_KEPT_MS } from '../../../../src/services/budget/shared/coordinator.ts';
import { closeAll, coordinatorHost, GUILD_A, GUILD_B, otherHost, START, USD } from './hostsHarness.ts';

afterEach(closeAll);

const operator = { allowedGuilds: [], server: { amountMicros: 5 * USD, period: 'day' as const } };

/** Makes every insert into `table` fail, as a full disk or an I/O error would, through SQLite itself. */
const failInserts = (db: Db, table: string) => db.exec(`CREATE TRIGGER fail_${table} BEFORE INSERT ON ${table} BEGIN SELECT RAISE(ABORT, 'injected failure'); END`);
const healInserts = (db: Db, table: string) => db.exec(`DROP TRIGGER fail_${table}`);
const outbox = (db: Db) => db.prepare('SELECT COUNT(*) FROM ledger_outbox').pluck().get() as number;
const events = (db: Db) => db.prepare('SELECT COUNT(*) FROM shared_events').pluck().get() as number;
const ceilingOne = { amountMicros: 1 * USD, period: 'day' as const };

describe('/operator server-limit and allow: the change here and the word to the other hosts are one transaction', () => {
  test.each([
    ['another host: its outbox entry cannot be written', 'other' as const, 'ledger_outbox'],
    ['the coordinator: its event cannot be written', 'coordinator' as const, 'shared_events'],
  ])('%s: the change here is rolled back too', async (_name, where, table) => {
    const clock = { now: START };
    const a = await coordinatorHost(clock, { operator });
    const b = otherHost(a.server.url, clock, { operator });
    const host = where === 'other' ? b : a;
    failInserts(host.db, table);
    expect(() => host.hosts.allowGuild(GUILD_B, 'owner')).toThrow('injected failure');
    expect(() => host.hosts.setServerCeiling(GUILD_B, ceilingOne, 'owner')).toThrow('injected failure');
    // Neither is in force here, where the other hosts could not hear of it.
    expect(host.ledger.isGuildAllowed(GUILD_B)).toBe(false);
    expect(host.ledger.serverCeiling(GUILD_B)).toMatchObject({ amountMicros: 5 * USD });
    healInserts(host.db, table);
    // Typed again once the file takes writes: here at once, and on the other host after its renewal.
    expect(host.hosts.allowGuild(GUILD_B, 'owner')).toBe(true);
    host.hosts.setServerCeiling(GUILD_B, ceilingOne, 'owner');
    if (where === 'other') expect(await b.link.flush()).toBe(true);
    await b.link.renewLease();
    for (const each of [a, b]) {
      expect(each.ledger.isGuildAllowed(GUILD_B)).toBe(true);
      expect(each.ledger.serverCeiling(GUILD_B)).toMatchObject({ amountMicros: 1 * USD });
    }
  });

  test.each([
    ['another host', 'other' as const],
    ['the coordinator', 'coordinator' as const],
  ])('%s: a change that fails here tells no other host', async (_name, where) => {
    const clock = { now: START };
    const a = await coordinatorHost(clock, { operator });
    const b = otherHost(a.server.url, clock, { operator });
    const host = where === 'other' ? b : a;
    const written = () => (where === 'other' ? outbox(b.db) : events(a.db));
    const before = written();
    failInserts(host.db, 'allowed_guilds');
    failInserts(host.db, 'server_ceilings');
    expect(() => host.hosts.allowGuild(GUILD_B, 'owner')).toThrow('injected failure');
    expect(() => host.hosts.setServerCeiling(GUILD_B, ceilingOne, 'owner')).toThrow('injected failure');
    expect(written()).toBe(before);
  });
});

describe('a host catching up from a resync', () => {
  test('writes through the stores it was built with: no statement is prepared per resync', async () => {
    const clock = { now: START };
    const a = await coordinatorHost(clock, { operator });
    a.hosts.allowGuild(GUILD_B, 'owner');
    a.hosts.setServerCeiling(GUILD_A, ceilingOne, 'owner');
    clock.now += EVENTS_KEPT_MS + 60 * 60 * 1000;
    a.coordinator.trimEvents();
    // A new host: its start-up renewal, under way, is answered with a resync (the events were trimmed).
    const b = otherHost(a.server.url, clock, { operator });
    const prepared = vi.spyOn(b.db, 'prepare');
    for (let tries = 0; !b.ledger.isGuildAllowed(GUILD_B); tries += 1) {
      if (tries > 100) throw new Error('no resync within 5 s');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(b.ledger.serverCeiling(GUILD_A)).toMatchObject({ amountMicros: 1 * USD });
    expect(prepared).not.toHaveBeenCalled();
  });
});
