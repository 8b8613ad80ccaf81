import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import type { Logger } from '../../logger.ts';
import type { HealthCheck, HealthReport } from './health.ts';
import type { BotMetrics } from './metrics.ts';

/**
 * With SHARDS, the sharding manager serves METRICS_PORT for the whole host (src/sharding/metrics.ts) and asks each
 * shard process over the IPC channel discord.js opened. These are the messages; discord.js passes on any message
 * that is not its own (`_eval`, `_fetchProp`, ...).
 */
export interface ScrapeRequest {
  botScrape: 'metrics' | 'health';
  id: number;
}
export type ScrapeReply =
  | { botScraped: number; metrics: MetricObjectWithValues<MetricValue<string>>[] }
  | { botScraped: number; health: HealthReport };

export function isScrapeRequest(message: unknown): message is ScrapeRequest {
  if (typeof message !== 'object' || message === null) return false;
  const { botScrape, id } = message as Partial<ScrapeRequest>;
  return (botScrape === 'metrics' || botScrape === 'health') && typeof id === 'number';
}

export function isScrapeReply(message: unknown, id: number): message is ScrapeReply {
  return typeof message === 'object' && message !== null && (message as { botScraped?: unknown }).botScraped === id;
}

/**
 * In a shard process: answers the manager's scrapes with this process's metrics (as JSON, for prom-client's
 * AggregatorRegistry) or health report. Returns what stops answering.
 */
export function answerScrapes(metrics: BotMetrics, health: HealthCheck, log: Logger): () => void {
  const answer = async (request: ScrapeRequest): Promise<ScrapeReply> => request.botScrape === 'metrics'
    ? { botScraped: request.id, metrics: await metrics.registry.getMetricsAsJSON() }
    : { botScraped: request.id, health: await health.check() };
  const onMessage = (message: unknown) => {
    if (!isScrapeRequest(message)) return;
    answer(message).then((reply) => process.send?.(reply, undefined, undefined, (error: Error | null) => {
      if (error) log.debug({ err: error }, 'could not answer the sharding manager\'s scrape (it is stopping)');
    })).catch((error: unknown) => log.error({ err: error }, 'metrics for the sharding manager failed'));
  };
  process.on('message', onMessage);
  return () => void process.off('message', onMessage);
}
