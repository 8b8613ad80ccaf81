import { describe, expect, test } from 'vitest';
import { openDatabase } from '../../../src/db/connection.ts';
import { LedgerStats } from '../../../src/db/ledgerStats.ts';
import { migrate } from '../../../src/db/migrate.ts';
import { DATABASE_GAUGES } from '../../../src/services/metrics/database.ts';
import { BotMetrics } from '../../../src/services/metrics/metrics.ts';
import { parseSamples, valueOf } from '../../support/metricsScrape.ts';

function fresh(): { metrics: BotMetrics; close: () => void } {
  const db = openDatabase(':memory:');
  migrate(db);
  return { metrics: new BotMetrics({ ledger: new LedgerStats(db), inFlight: () => 0 }), close: () => db.close() };
}
const samplesOf = async (metrics: BotMetrics) => parseSamples((await metrics.exposition()).body);

describe('BotMetrics', () => {
  test('a settlement above its reservation is counted as an overrun; one within it is not', async () => {
    const { metrics } = fresh();
    metrics.settled({ command: 'imagine', model: 'gpt-image-1', chargedMicros: 50_000, reservedMicros: 40_000 });
    metrics.settled({ command: 'imagine', model: 'gpt-image-1', chargedMicros: 30_000, reservedMicros: 40_000 });
    const samples = await samplesOf(metrics);
    expect(valueOf(samples, 'bot_ledger_overruns_total', { command: 'imagine', model: 'gpt-image-1' })).toBe(1);
    expect(valueOf(samples, 'bot_spend_microdollars_total', { command: 'imagine', model: 'gpt-image-1' })).toBe(80_000);
  });

  test('odd usage figures from a compatible server never throw into the money path', async () => {
    const { metrics } = fresh();
    expect(() => metrics.settled({ command: 'ask', model: 'llama3', inputTokens: -5, outputTokens: Number.NaN, chargedMicros: 0, reservedMicros: 10 })).not.toThrow();
    expect(valueOf(await samplesOf(metrics), 'bot_openai_tokens_total', { model: 'llama3' })).toBe(0);
  });

  test('each bot has its own registry, so two in one process do not mix', async () => {
    const a = fresh();
    const b = fresh();
    a.metrics.discordAnswered('bot', 200);
    expect(valueOf(await samplesOf(a.metrics), 'bot_discord_rest_responses_total', { client: 'bot', code: '200' })).toBe(1);
    expect(valueOf(await samplesOf(b.metrics), 'bot_discord_rest_responses_total', { client: 'bot', code: '200' })).toBe(0);
  });

  test('a closed database makes the ledger gauges NaN (unknown), not 0, and the scrape still answers', async () => {
    const { metrics, close } = fresh();
    expect(valueOf(await samplesOf(metrics), 'bot_ledger_reservations_open')).toBe(0);
    close();
    const samples = await samplesOf(metrics);
    expect(valueOf(samples, 'bot_ledger_reservations_open')).toBeNaN();
    expect(valueOf(samples, 'bot_ledger_overruns_recorded')).toBeNaN();
    expect(valueOf(samples, 'bot_work_in_progress')).toBe(0);
  });

  test('in a shard process under the sharding manager the database gauges are left to the manager; this process\'s own stay', async () => {
    const { metrics } = fresh();
    metrics.watchCoordinator({ outbox: () => ({ entries: 1, oldestAgeMs: 0 }), reachable: true });
    metrics.watchSharedEvents(() => 1, () => 1);
    const before = new Set((await samplesOf(metrics)).map((s) => s.name));
    expect(Object.keys(DATABASE_GAUGES).every((name) => before.has(name))).toBe(true);
    metrics.leaveDatabaseToManager();
    const after = new Set((await samplesOf(metrics)).map((s) => s.name));
    expect(Object.keys(DATABASE_GAUGES).filter((name) => after.has(name))).toEqual([]);
    expect([after.has('bot_work_in_progress'), after.has('bot_ledger_coordinator_reachable')]).toEqual([true, true]);
  });
});
