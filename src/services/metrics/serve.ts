import type { BotContext } from '../../context.ts';
import { probeWrite } from '../../db/healthProbe.ts';
import { HealthCheck } from './health.ts';
import { startMetricsServer, type MetricsServer } from './server.ts';

/** Starts /healthz and /metrics when METRICS_PORT is set; undefined (no port opened) otherwise. */
export async function serveMetrics(ctx: BotContext): Promise<MetricsServer | undefined> {
  const { config, db, logger, services } = ctx;
  if (config.metricsPort === undefined) return undefined;
  services.metrics.collectProcessMetrics();
  const health = new HealthCheck({
    gateway: () => services.metrics.gateway(),
    database: () => probeWrite(db),
    accepting: () => services.lifecycle.accepting,
  });
  const server = await startMetricsServer({ host: config.metricsHost, port: config.metricsPort, metrics: services.metrics, health, log: logger.child({ component: 'metrics' }) });
  logger.info({ url: server.url }, 'serving /healthz and /metrics');
  return server;
}
