import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../logger.ts';
import type { HealthCheck } from './health.ts';
import type { BotMetrics } from './metrics.ts';

/** A scraper that stops reading is cut off after this long, rather than holding a socket open. */
const REQUEST_TIMEOUT_MS = 10_000;

export interface MetricsServer {
  /** e.g. http://127.0.0.1:9464 */
  url: string;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(body);
}

async function route(req: IncomingMessage, res: ServerResponse, metrics: BotMetrics, health: HealthCheck): Promise<void> {
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
export async function startMetricsServer(options: { host: string; port: number; metrics: BotMetrics; health: HealthCheck; log: Logger }): Promise<MetricsServer> {
  const { host, port, metrics, health, log } = options;
  const server = createServer((req, res) => {
    route(req, res, metrics, health).catch((error: unknown) => {
      log.error({ err: error, path: req.url }, 'metrics endpoint failed');
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'Internal error\n');
      else res.destroy();
    });
  });
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((error: unknown) => {
    const code = (error as { code?: string }).code ?? String(error);
    throw new Error(`Could not serve metrics on ${host}:${port} (METRICS_HOST/METRICS_PORT): ${code === 'EADDRINUSE' ? 'the port is already in use' : code}`, { cause: error });
  });
  server.on('error', (error) => log.error({ err: error }, 'metrics server error'));
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
