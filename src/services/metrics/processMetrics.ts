import { createRequire } from 'node:module';
import type { IntervalHistogram, PerformanceObserver as Observer } from 'node:perf_hooks';
import { collectDefaultMetrics, type Registry } from 'prom-client';

/** The perf_hooks module object prom-client itself requires (one per process), whose members it looks up when it needs them. */
const perfHooks = createRequire(import.meta.url)('node:perf_hooks') as { monitorEventLoopDelay: (options?: { resolution?: number }) => IntervalHistogram; PerformanceObserver: typeof Observer };

/**
 * prom-client's process and Node.js metrics (CPU, memory, event-loop delay, GC), and what stops them. Two of them
 * sample in the background for as long as the process lives, and prom-client 15 keeps no handle to either: the
 * event-loop delay histogram (`monitorEventLoopDelay`, enabled in lib/metrics/eventLoopLag.js) and the GC observer
 * (a `PerformanceObserver` in lib/metrics/gc.js). Both are made inside this synchronous call, by looking them up on
 * the perf_hooks module: they are caught there as they are made, so that a bot that stops can stop them (tests run
 * many bots in one process, each of which would otherwise leave both running). Every metric stays prom-client's own.
 */
export function collectStoppableDefaultMetrics(register: Registry, prefix?: string): () => void {
  const histograms: IntervalHistogram[] = [];
  const observers: Observer[] = [];
  const { monitorEventLoopDelay, PerformanceObserver } = perfHooks;
  perfHooks.monitorEventLoopDelay = (options) => {
    const histogram = monitorEventLoopDelay(options);
    histograms.push(histogram);
    return histogram;
  };
  perfHooks.PerformanceObserver = class extends PerformanceObserver {
    constructor(callback: ConstructorParameters<typeof Observer>[0]) {
      super(callback);
      observers.push(this);
    }
  };
  try {
    collectDefaultMetrics({ register, ...(prefix === undefined ? {} : { prefix }) });
  } finally {
    perfHooks.monitorEventLoopDelay = monitorEventLoopDelay;
    perfHooks.PerformanceObserver = PerformanceObserver;
  }
  return () => {
    for (const histogram of histograms.splice(0)) histogram.disable();
    for (const observer of observers.splice(0)) observer.disconnect();
  };
}
