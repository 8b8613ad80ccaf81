import { AggregatorRegistry, Gauge, Registry, type MetricObjectWithValues, type MetricValue, type PrometheusContentType } from 'prom-client';
import type { Shard, ShardingManager } from 'discord.js';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { HealthReport } from '../services/metrics/health.ts';
import type { ShardState } from '../services/metrics/gateway.ts';
import { startMetricsServer, type MetricsServer } from '../services/metrics/server.ts';
import { collectStoppableDefaultMetrics } from '../services/metrics/processMetrics.ts';
import { isScrapeReply, type ScrapeRequest } from '../services/metrics/shardScrape.ts';
import { DatabaseMetrics } from './databaseMetrics.ts';

/**
 * How long a scrape waits for each shard process: well inside Prometheus' default 10 s scrape timeout, and
 * above a health check's own bound (a database write waits at most 1 s). One that does not answer is shown as down.
 */
export const SHARD_SCRAPE_TIMEOUT_MS = 3_000;

/**
 * The manager process's own process and Node.js metrics (CPU, memory, event-loop delay, GC) carry this prefix: the
 * unprefixed names are the shard processes' summed, and one name can't hold both (nor a label tell them apart in a sum).
 */
export const MANAGER_METRICS_PREFIX = 'bot_manager_';

type Metrics = MetricObjectWithValues<MetricValue<string>>[];

/** A gauge that could not be read is NaN in the shard; JSON over IPC turns it into null. */
function revived(metrics: Metrics): Metrics {
  return metrics.map((metric) => ({ ...metric, values: metric.values.map((v) => (v.value === null ? { ...v, value: Number.NaN } : v)) }));
}

/**
 * METRICS_PORT on a host running SHARDS: served by the sharding manager, one target for the whole host (the port
 * the operator set), as one bot would serve it. /metrics combines the shard processes' metrics with prom-client's
 * AggregatorRegistry (counters and histograms summed; see each gauge's `aggregator`), plus what is read from the
 * host's database (read here, once), bot_shard_process_up per shard and the manager's own process metrics (prefixed).
 * /healthz is 200 when every shard process answers and is healthy.
 */
export class ShardedMetrics {
  private nextId = 0;
  /** Set when the manager stops its shards: health says so, like one bot stopping. */
  stopping = false;

  /** This process's own (see MANAGER_METRICS_PREFIX); sampled in the background, so made only when METRICS_PORT is served. */
  private readonly own = new Registry();
  private readonly stopOwn: () => void;

  constructor(
    private readonly manager: ShardingManager,
    private readonly ids: readonly number[],
    /** The gauges read from the host's database: read here, once per scrape, not by each shard process. */
    private readonly database: DatabaseMetrics,
  ) {
    this.stopOwn = collectStoppableDefaultMetrics(this.own, MANAGER_METRICS_PREFIX);
  }

  close(): void {
    this.stopOwn();
    this.database.close();
  }

  async exposition(): Promise<{ contentType: string; body: string }> {
    const answers = await Promise.all(this.ids.map((id) => this.ask<{ metrics: Metrics }>(id, 'metrics')));
    const shards = AggregatorRegistry.aggregate<PrometheusContentType>(answers.flatMap((answer) => (answer ? [revived(answer.metrics)] : [])));
    const up = new Gauge({ name: 'bot_shard_process_up', help: 'Whether each shard process of this host answered this scrape (1) or not (0: not started, restarting, or busy past the timeout).', labelNames: ['shard'], registers: [shards] });
    this.ids.forEach((id, n) => up.set({ shard: String(id) }, answers[n] ? 1 : 0));
    const registry = Registry.merge([shards, this.database.registry, this.own]);
    return { contentType: registry.contentType, body: await registry.metrics() };
  }

  async check(): Promise<HealthReport> {
    const answers = await Promise.all(this.ids.map((id) => this.ask<{ health: HealthReport }>(id, 'health')));
    const reports = answers.flatMap((answer) => (answer ? [answer.health] : []));
    const shards: ShardState[] = this.ids.flatMap((id, n) => {
      const own = answers[n]?.health.gateway.shards ?? [];
      if (own.length > 0) return own;
      const status = answers[n] ? 'Starting' : this.manager.shards.has(id) ? 'NotAnswering' : 'NotStarted';
      return [{ id, status, ready: false, pingMs: null }];
    });
    const gatewayOk = shards.every((shard) => shard.ready);
    // Every process writes the same file: the first one that could not, else the first one's timing.
    const database = reports.find((report) => report.database.status !== 'ok')?.database ?? reports[0]?.database ?? { status: 'error' as const, code: 'NO_SHARD_PROCESS' };
    const stopping = this.stopping || reports.some((report) => report.stopping);
    return {
      status: gatewayOk && database.status === 'ok' && !stopping ? 'ok' : 'unavailable',
      gateway: { status: gatewayOk ? 'ok' : 'down', shards },
      database,
      ...(stopping ? { stopping: true as const } : {}),
    };
  }

  /** Asks one shard process over IPC; undefined when it is not running or does not answer in time. */
  private ask<T>(id: number, what: ScrapeRequest['botScrape']): Promise<T | undefined> {
    const shard: Shard | undefined = this.manager.shards.get(id);
    if (!shard?.process?.connected) return Promise.resolve(undefined);
    const request: ScrapeRequest = { botScrape: what, id: (this.nextId += 1) };
    return new Promise((resolve) => {
      const done = (answer: T | undefined) => {
        clearTimeout(timer);
        shard.off('message', onMessage);
        resolve(answer);
      };
      const onMessage = (message: unknown) => {
        if (isScrapeReply(message, request.id)) done(message as T);
      };
      const timer = setTimeout(() => done(undefined), SHARD_SCRAPE_TIMEOUT_MS);
      shard.on('message', onMessage);
      shard.send(request).catch(() => done(undefined));
    });
  }
}

/** Serves METRICS_PORT from the sharding manager; undefined without it. */
export async function serveShardedMetrics(config: Config, manager: ShardingManager, ids: readonly number[], logger: Logger): Promise<{ server: MetricsServer; metrics: ShardedMetrics } | undefined> {
  if (config.metricsPort === undefined) return undefined;
  const metrics = new ShardedMetrics(manager, ids, new DatabaseMetrics(config));
  const server = await startMetricsServer({ host: config.metricsHost, port: config.metricsPort, metrics, health: metrics, log: logger.child({ component: 'metrics' }) }).catch((error: unknown) => {
    metrics.close();
    throw error;
  });
  logger.info({ url: server.url, shards: ids }, 'serving /healthz and /metrics for every shard process of this host');
  return { server, metrics };
}
