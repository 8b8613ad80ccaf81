import type { ShardingManager } from 'discord.js';
import { afterEach, describe, expect, test } from 'vitest';
import { openDatabase, type Db } from '../../src/db/connection.ts';
import { LedgerStore } from '../../src/db/ledger.ts';
import { migrate } from '../../src/db/migrate.ts';
import { SharedLedgerStore } from '../../src/db/sharedLedger.ts';
import { DATABASE_GAUGES } from '../../src/services/metrics/database.ts';
import { DatabaseMetrics } from '../../src/sharding/databaseMetrics.ts';
import { ShardedMetrics } from '../../src/sharding/metrics.ts';
import { parseSamples, valueOf, type Sample } from '../support/metricsScrape.ts';
import { tempDatabasePath } from '../support/tempDb.ts';

const SECRET = 'a-shared-ledger-secret-of-forty-characters!';
const NOW = Date.parse('2026-12-06T12:00:00Z');
const noLedger = { url: undefined, port: undefined, host: '127.0.0.1', secret: undefined };

const opened: { close(): unknown }[] = [];
afterEach(() => {
  for (const item of opened.splice(0).reverse()) item.close();
});

function databaseMetrics(path: string, ledger: typeof noLedger | { url: string | undefined; port: number | undefined; host: string; secret: string }): DatabaseMetrics {
  const metrics = new DatabaseMetrics({ databasePath: path, ledger }, () => NOW);
  opened.push(metrics);
  return metrics;
}
function writer(path: string): Db {
  const db = openDatabase(path);
  migrate(db);
  opened.push(db);
  return db;
}
const samplesOf = async (metrics: DatabaseMetrics): Promise<Sample[]> => parseSamples(await metrics.registry.metrics());
const reserve = (db: Db) => new LedgerStore(db).reserve({
  guildId: 'g', userId: 'u', channelId: null, command: 'ask', model: 'gpt-4o-mini', reservedMicros: 10, bucket: 0, createdAt: NOW, holder: 'h', longRunning: false,
});

describe('the gauges read from the host\'s database, read by the sharding manager', () => {
  test('NaN until a shard process has created and migrated the file, then read from it (what the shard processes write)', async () => {
    const path = tempDatabasePath();
    const metrics = databaseMetrics(path, noLedger);
    expect(valueOf(await samplesOf(metrics), 'bot_ledger_reservations_open')).toBeNaN();
    const db = writer(path);
    expect([valueOf(await samplesOf(metrics), 'bot_ledger_reservations_open'), valueOf(await samplesOf(metrics), 'bot_ledger_overruns_recorded')]).toEqual([0, 0]);
    reserve(db);
    reserve(db);
    expect(valueOf(await samplesOf(metrics), 'bot_ledger_reservations_open')).toBe(2);
  });

  test.each([
    ['one host', noLedger, ['bot_ledger_reservations_open', 'bot_ledger_overruns_recorded']],
    ['a host with LEDGER_URL', { ...noLedger, url: 'http://10.0.0.1:9470', secret: SECRET }, ['bot_ledger_reservations_open', 'bot_ledger_overruns_recorded', 'bot_ledger_outbox_entries', 'bot_ledger_outbox_oldest_age_seconds']],
    ['the coordinator (LEDGER_PORT)', { ...noLedger, port: 9470, secret: SECRET }, ['bot_ledger_reservations_open', 'bot_ledger_overruns_recorded', 'bot_ledger_shared_events', 'bot_ledger_forget_tombstones']],
  ])('%s: the gauges its bot would show', async (_name, ledger, names) => {
    const path = tempDatabasePath();
    writer(path);
    const shown = new Set((await samplesOf(databaseMetrics(path, ledger))).map((s) => s.name));
    expect([...shown].sort()).toEqual([...names].sort());
    expect(names.every((name) => name in DATABASE_GAUGES)).toBe(true);
  });

  test('the outbox and the coordinator\'s events, as the shard processes wrote them', async () => {
    const path = tempDatabasePath();
    const db = writer(path);
    const shared = new SharedLedgerStore(db);
    shared.enqueue({ op: 'release', key: 'k1' }, NOW - 90_000);
    shared.enqueue({ op: 'release', key: 'k2' }, NOW - 10_000);
    shared.recordEvent({ event: 'forget', userId: '400000000000000777', at: NOW }, NOW);
    const host = await samplesOf(databaseMetrics(path, { ...noLedger, url: 'http://10.0.0.1:9470', secret: SECRET }));
    expect([valueOf(host, 'bot_ledger_outbox_entries'), valueOf(host, 'bot_ledger_outbox_oldest_age_seconds')]).toEqual([2, 90]);
    const coordinator = await samplesOf(databaseMetrics(path, { ...noLedger, port: 9470, secret: SECRET }));
    expect([valueOf(coordinator, 'bot_ledger_shared_events'), valueOf(coordinator, 'bot_ledger_forget_tombstones')]).toEqual([1, 0]);
  });

  test('the host\'s /metrics shows them even when no shard process answers (restarting), each once', async () => {
    const path = tempDatabasePath();
    reserve(writer(path));
    const manager = { shards: new Map() } as unknown as ShardingManager;
    const sharded = new ShardedMetrics(manager, [0, 1], databaseMetrics(path, noLedger));
    opened.push(sharded);
    const { body } = await sharded.exposition();
    const samples = parseSamples(body);
    expect(valueOf(samples, 'bot_ledger_reservations_open')).toBe(1);
    expect([valueOf(samples, 'bot_shard_process_up', { shard: '0' }), valueOf(samples, 'bot_shard_process_up', { shard: '1' })]).toEqual([0, 0]);
    expect(body.split('\n').filter((line) => line === '# TYPE bot_ledger_reservations_open gauge')).toHaveLength(1);
  });
});
