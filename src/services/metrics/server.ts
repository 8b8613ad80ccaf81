import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Logger } from '../../logger.ts';
import { listen, type ListeningServer } from '../http/listen.ts';
import type { HealthReport } from './health.ts';

export type MetricsServer = ListeningServer;

/** What the endpoints serve: one bot's (BotMetrics, HealthCheck), or every shard process's combined (src/sharding/metrics.ts). */
export interface MetricsSource {
  exposition(): Promise<{ contentType: string; body: string }>;
}
export interface HealthSource {
  check(): Promise<HealthReport>;
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(body);
}

async function route(req: IncomingMessage, res: ServerResponse, metrics: MetricsSource, health: HealthSource): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (path !== '/metrics' && path !== '/healthz') return send(res, 404, 'text/plain; charset=utf-8', 'Not found: try /metrics or /healthz\n');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    return send(res, 405, 'text/plain; charset=utf-8', 'Method not allowed\n');
  }
  if (path === '/metrics') {
    const { contentType, body } = await metrics.exposition();
    return send(res, 200, contentType, body);
  }
  const report = await health.check();
  return send(res, report.status === 'ok' ? 200 : 503, 'application/json; charset=utf-8', `${JSON.stringify(report)}\n`);
}

/** /metrics (Prometheus text) and /healthz (200 or 503 with what is wrong) on a plain node:http server. */
export async function startMetricsServer(options: { host: string; port: number; metrics: MetricsSource; health: HealthSource; log: Logger }): Promise<MetricsServer> {
  const { host, port, metrics, health, log } = options;
  const server = createServer((req, res) => {
    route(req, res, metrics, health).catch((error: unknown) => {
      log.error({ err: error, path: req.url }, 'metrics endpoint failed');
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'Internal error\n');
      else res.destroy();
    });
  });
  return listen(server, { host, port, name: 'metrics', what: 'metrics', settings: 'METRICS_HOST/METRICS_PORT', log });
}
