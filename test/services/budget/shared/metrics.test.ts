import { afterEach, describe, expect, test, vi } from 'vitest';
import { createLogger } from '../../../../src/logger.ts';
import { HealthCheck } from '../../../../src/services/metrics/health.ts';
import type { BotMetrics } from '../../../../src/services/metrics/metrics.ts';
import { startMetricsServer } from '../../../../src/services/metrics/server.ts';
import { LEASE_MS } from '../../../../src/services/budget/ledger.ts';
import { parseSamples, scrape, valueOf } from '../../../support/metricsScrape.ts';
import { call, closeAll, coordinatorHost, GUILD_B, otherHost, payer, START } from './hostsHarness.ts';

afterEach(closeAll);

const log = createLogger({ logLevel: 'silent', logFormat: 'json', discordToken: 'd', openaiApiKey: 'o' });

/** The host's /metrics served as the bot serves it, scraped over HTTP. */
async function metricsOf(metrics: BotMetrics) {
  const health = new HealthCheck({ gateway: () => [], database: async () => ({ ok: true as const, ms: 0 }), accepting: () => true });
  const server = await startMetricsServer({ host: '127.0.0.1', port: 0, metrics, health, log });
  return { server, read: async () => {
    const samples = await scrape(server.url);
    return {
      entries: valueOf(samples, 'bot_ledger_outbox_entries'),
      oldestAge: valueOf(samples, 'bot_ledger_outbox_oldest_age_seconds'),
      reachable: valueOf(samples, 'bot_ledger_coordinator_reachable'),
      downRefusals: valueOf(samples, 'bot_spending_refusals_total', { limit: 'coordinator-down' }),
      calls: (name: string, outcome: string) => valueOf(samples, 'bot_ledger_coordinator_requests_total', { call: name, outcome }),
      samples,
    };
  } };
}

describe('/metrics on a host whose limits a coordinator keeps (LEDGER_URL)', () => {
  test('outbox, reachability, calls and refusals follow the coordinator going away and coming back', async () => {
    const clock = { now: START };
    const a = await coordinatorHost(clock);
    const b = otherHost(a.server.url, clock);
    const m = await metricsOf(b.metrics);
    try {
      await b.link.renewLease();
      const up = await m.read();
      expect([up.reachable, up.entries, up.oldestAge, up.downRefusals]).toEqual([1, 0, 0, 0]);
      // The refusal series is there from the start (at 0), so an alert has something to watch.
      expect(up.samples.some((s) => s.name === 'bot_spending_refusals_total' && s.labels.limit === 'coordinator-down')).toBe(true);
      expect(up.calls('lease', 'ok')).toBeGreaterThanOrEqual(1);

      const paid = await b.ledger.pay(payer(GUILD_B, 'u1'), call(1), async () => 'x', () => ({ chargedMicros: 200_000 }));
      expect(paid.ok).toBe(true);
      expect(await b.link.flush()).toBe(true);
      const settled = await m.read();
      expect([settled.calls('reserve', 'ok'), settled.calls('apply', 'ok'), settled.entries]).toEqual([1, 1, 0]);

      // Gone: the call is refused, its release waits in the outbox and ages.
      await a.server.close();
      const refused = await b.ledger.pay(payer(GUILD_B, 'u1'), call(1), async () => 'x', () => ({ chargedMicros: 1 }));
      expect(refused.ok).toBe(false);
      expect(await b.link.flush()).toBe(false);
      clock.now += 90_000;
      const down = await m.read();
      expect([down.reachable, down.entries, down.oldestAge, down.downRefusals]).toEqual([0, 1, 90, 1]);
      expect(down.calls('reserve', 'network')).toBe(1);
      // The release kicked a send of its own before this test's flush: each try counts.
      expect(down.calls('apply', 'network')).toBeGreaterThanOrEqual(1);

      // Back on the same file and port: the outbox drains and the gauges say so.
      await coordinatorHost(clock, { path: a.path, port: a.port });
      expect(await b.link.flush()).toBe(true);
      const back = await m.read();
      expect([back.reachable, back.entries, back.oldestAge, back.downRefusals]).toEqual([1, 0, 0, 1]);
      expect(back.calls('apply', 'ok')).toBeGreaterThan(settled.calls('apply', 'ok'));
    } finally {
      await m.server.close();
    }
  });

  test('both outbox gauges come from one read of the outbox per scrape, fresh at each scrape', async () => {
    const clock = { now: START };
    const a = await coordinatorHost(clock);
    const b = otherHost(a.server.url, clock);
    const m = await metricsOf(b.metrics);
    try {
      await b.link.renewLease();
      const reads = vi.spyOn(b.link, 'outbox');
      expect([(await m.read()).entries, reads.mock.calls.length]).toEqual([0, 1]);
      // What the sharding manager asks a shard process for (src/services/metrics/shardScrape.ts): one read too.
      await b.metrics.registry.getMetricsAsJSON();
      expect(reads).toHaveBeenCalledTimes(2);
      // The next scrape reads again and sees what changed since.
      await a.server.close();
      await b.ledger.pay(payer(GUILD_B, 'u1'), call(1), async () => 'x', () => ({ chargedMicros: 1 }));
      await b.link.flush();
      clock.now += 30_000;
      const after = await m.read();
      expect([after.entries, after.oldestAge, reads.mock.calls.length]).toEqual([1, 30, 3]);
    } finally {
      await m.server.close();
    }
  });

  test('a call interrupted on another host is in bot_spend_microdollars_total once: that host\'s, not the coordinator\'s as well', async () => {
    const clock = { now: START };
    const a = await coordinatorHost(clock);
    const b = otherHost(a.server.url, clock);
    expect((await b.ledger.reserveShared(payer(GUILD_B, 'u1'), call(1))).ok).toBe(true);
    await b.link.stop(0); // b dies with the call in flight
    clock.now += 10 * LEASE_MS;
    // The coordinator charges its copy, and b's next process (the same file) charges b's own.
    expect(a.ledger.chargeOrphans()).toBe(1);
    const restarted = otherHost(a.server.url, clock, { path: b.path });
    expect(restarted.ledger.chargeOrphans()).toBe(1);
    const spent = async (metrics: BotMetrics) => valueOf(parseSamples((await metrics.exposition()).body), 'bot_spend_microdollars_total', { command: 'ask' });
    expect([await spent(a.metrics), await spent(restarted.metrics)]).toEqual([0, 1_000_000]);
  });

  test('a coordinator that answers 401 (LEDGER_SECRET differs) counts as unauthorized and not reachable', async () => {
    const clock = { now: START };
    const a = await coordinatorHost(clock);
    const b = otherHost(a.server.url, clock, { secret: 'x'.repeat(40) });
    const refused = await b.ledger.reserveShared(payer(GUILD_B, 'u1'), call(1));
    expect(refused.ok ? 'reserved' : refused.refusal.limit.source).toBe('coordinator-down');
    const samples = parseSamples((await b.metrics.exposition()).body);
    expect(valueOf(samples, 'bot_ledger_coordinator_requests_total', { call: 'reserve', outcome: 'unauthorized' })).toBe(1);
    expect(valueOf(samples, 'bot_ledger_coordinator_reachable')).toBe(0);
    expect(valueOf(samples, 'bot_spending_refusals_total', { limit: 'coordinator-down' })).toBe(1);
  });
});
