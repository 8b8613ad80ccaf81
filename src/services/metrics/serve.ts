import type { BotContext } from '../../context.ts';
import { probeWrite } from '../../db/healthProbe.ts';
import { HealthCheck } from './health.ts';
import { startMetricsServer } from './server.ts';
import { answerScrapes } from './shardScrape.ts';

/** Where this process's /healthz and /metrics go; `url` is unset in a shard process (the manager serves them). */
export interface ServedMetrics {
  url?: string;
  close(): Promise<void>;
}

/**
 * Starts /healthz and /metrics when METRICS_PORT is set; undefined (no port opened) otherwise. A shard process
 * (`viaManager`) opens no port: the sharding manager serves METRICS_PORT for every shard of the host and asks
 * this process for its part (see src/sharding/metrics.ts).
 */
export async function serveMetrics(ctx: BotContext, viaManager = false): Promise<ServedMetrics | undefined> {
  const { config, db, logger, services } = ctx;
  if (config.metricsPort === undefined) return undefined;
  services.metrics.collectProcessMetrics();
  const health = new HealthCheck({
    gateway: () => services.metrics.gateway(),
    database: () => probeWrite(db),
    accepting: () => services.lifecycle.accepting,
  });
  if (viaManager) {
    services.metrics.leaveDatabaseToManager();
    const stop = answerScrapes(services.metrics, health, logger.child({ component: 'metrics' }));
    logger.info({ port: config.metricsPort }, 'answering /healthz and /metrics through the sharding manager, which serves METRICS_PORT');
    return { close: async () => { stop(); services.metrics.stop(); } };
  }
  const server = await startMetricsServer({ host: config.metricsHost, port: config.metricsPort, metrics: services.metrics, health, log: logger.child({ component: 'metrics' }) }).catch((error: unknown) => {
    services.metrics.stop();
    throw error;
  });
  logger.info({ url: server.url }, 'serving /healthz and /metrics');
  return { url: server.url, close: async () => { await server.close(); services.metrics.stop(); } };
}
