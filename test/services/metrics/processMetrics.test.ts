import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { Registry } from 'prom-client';
import { describe, expect, test } from 'vitest';
import { collectStoppableDefaultMetrics } from '../../../src/services/metrics/processMetrics.ts';
import { parseSamples, valueOf } from '../../support/metricsScrape.ts';

/** Lets the event loop turn for a while: a running delay sampler (every 10 ms) records some samples meanwhile. */
const letTheLoopTurn = () => new Promise((resolve) => setTimeout(resolve, 60));

/** Makes garbage until the young generation is collected a few times, then lets the GC entries reach their observers. */
async function collectGarbage(): Promise<void> {
  let keep = 0;
  for (let n = 0; n < 300; n += 1) keep += new Array(50_000).fill(n).length;
  expect(keep).toBeGreaterThan(0);
  await new Promise((resolve) => setTimeout(resolve, 30));
}

const samplesOf = async (registry: Registry) => parseSamples(await registry.metrics());
const gcCount = async (registry: Registry) => (await samplesOf(registry)).filter((s) => s.name === 'nodejs_gc_duration_seconds_count').reduce((sum, s) => sum + s.value, 0);

describe('prom-client\'s default metrics, stoppable', () => {
  test('every default metric is there, perf_hooks is left as it was', async () => {
    const registry = new Registry();
    const stop = collectStoppableDefaultMetrics(registry);
    const names = new Set((await samplesOf(registry)).map((s) => s.name));
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_heap_size_used_bytes', 'nodejs_version_info']) {
      expect(names.has(name), name).toBe(true);
    }
    stop();
    const perfHooks = await import('node:perf_hooks');
    expect([perfHooks.monitorEventLoopDelay, perfHooks.PerformanceObserver]).toEqual([monitorEventLoopDelay, PerformanceObserver]);
  });

  test('stopped, the event-loop delay sampler records nothing more', async () => {
    const registry = new Registry();
    const stop = collectStoppableDefaultMetrics(registry);
    await registry.metrics(); // each scrape starts the histogram afresh: with no sample since, its max is 0
    // Running, it samples: within a few turns (on a busy machine one turn can end before the sampler's timer fires).
    let running = 0;
    for (let turn = 0; turn < 20 && running === 0; turn += 1) {
      await letTheLoopTurn();
      running = valueOf(await samplesOf(registry), 'nodejs_eventloop_lag_max_seconds');
    }
    expect(running).toBeGreaterThan(0);
    stop();
    await registry.metrics();
    await letTheLoopTurn();
    expect(valueOf(await samplesOf(registry), 'nodejs_eventloop_lag_max_seconds')).toBe(0);
  });

  test('stopped, the GC observer counts no more collections', async () => {
    const registry = new Registry();
    const stop = collectStoppableDefaultMetrics(registry);
    await collectGarbage();
    const running = await gcCount(registry);
    expect(running).toBeGreaterThan(0);
    stop();
    await collectGarbage();
    expect(await gcCount(registry)).toBe(running);
  });

  test('a prefix names them as the sharding manager\'s own', async () => {
    const registry = new Registry();
    const stop = collectStoppableDefaultMetrics(registry, 'bot_manager_');
    const names = (await samplesOf(registry)).map((s) => s.name);
    stop();
    expect(names).toContain('bot_manager_nodejs_eventloop_lag_p99_seconds');
    expect(names.every((name) => name.startsWith('bot_manager_'))).toBe(true);
  });
});
