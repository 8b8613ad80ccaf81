import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { z } from 'zod';
import type { Logger } from '../../../logger.ts';
import { listen, type ListeningServer } from '../../http/listen.ts';
import { KeyClosedError, type LedgerCoordinator } from './coordinator.ts';
import { applyRequest, leaseRequest, reserveRequest } from './protocol.ts';

/** A full outbox batch (500 operations) is well under this; anything larger is refused unread. */
const MAX_BODY_BYTES = 1024 * 1024;
/** Refused requests are logged at most this often: someone knocking without the secret must not flood the log. */
const UNAUTHORIZED_LOG_EVERY_MS = 60_000;
/** /operator status lists at most this many servers and members. */
const MAX_OVERVIEW_ENTRIES = 50;

export type LedgerServer = ListeningServer;

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Compares digests in constant time, so the secret cannot be guessed a byte at a time from response times. */
function authorized(req: IncomingMessage, secretDigest: Buffer): boolean {
  const header = req.headers.authorization ?? '';
  return header.startsWith('Bearer ') && timingSafeEqual(digest(header.slice('Bearer '.length)), secretDigest);
}

async function readJson<T>(req: IncomingMessage, schema: z.ZodType<T>): Promise<T> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'body too large');
    chunks.push(chunk);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'body is not JSON');
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new HttpError(400, `bad request: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  return parsed.data;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

async function route(req: IncomingMessage, res: ServerResponse, coordinator: LedgerCoordinator): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const post = req.method === 'POST';
  switch (`${req.method} ${url.pathname}`) {
    case 'POST /v1/reserve': return send(res, 200, coordinator.reserve(await readJson(req, reserveRequest)));
    case 'POST /v1/apply': {
      const { ops } = await readJson(req, applyRequest);
      coordinator.apply(ops);
      return send(res, 200, { applied: ops.length });
    }
    case 'POST /v1/lease': return send(res, 200, coordinator.lease(await readJson(req, leaseRequest)));
    case 'GET /v1/totals': {
      const userId = url.searchParams.get('user') ?? '';
      if (!/^[\w@-]{1,64}$/.test(userId)) throw new HttpError(400, 'bad request: user');
      return send(res, 200, coordinator.totals(userId));
    }
    case 'GET /v1/overview': {
      const top = Math.min(MAX_OVERVIEW_ENTRIES, Math.max(1, Number.parseInt(url.searchParams.get('top') ?? '10', 10) || 10));
      return send(res, 200, coordinator.overview(top));
    }
    default: throw new HttpError(post || req.method === 'GET' ? 404 : 405, 'not found');
  }
}

/** The coordinator's API for the other hosts (LEDGER_PORT): every request needs LEDGER_SECRET. */
export async function startLedgerServer(options: { host: string; port: number; secret: string; coordinator: LedgerCoordinator; log: Logger }): Promise<LedgerServer> {
  const { host, port, coordinator, log } = options;
  const secretDigest = digest(options.secret);
  let unauthorized = { count: 0, loggedAt: -Infinity };
  const server = createServer((req, res) => {
    if (!authorized(req, secretDigest)) {
      unauthorized.count += 1;
      if (Date.now() - unauthorized.loggedAt >= UNAUTHORIZED_LOG_EVERY_MS) {
        // Never the header itself: it may be the real secret sent to the wrong place, or a near miss.
        log.warn({ from: req.socket.remoteAddress, path: req.url?.split('?')[0], refused: unauthorized.count }, 'refused a ledger request without the right LEDGER_SECRET');
        unauthorized = { count: 0, loggedAt: Date.now() };
      }
      req.resume();
      return send(res, 401, { error: 'unauthorized' });
    }
    route(req, res, coordinator).catch((error: unknown) => {
      if (error instanceof HttpError || error instanceof KeyClosedError) {
        const status = error instanceof HttpError ? error.status : 409;
        if (status >= 400 && status !== 409) log.warn({ status, path: req.url, reason: error.message }, 'refused a ledger request');
        if (!res.headersSent) send(res, status, { error: error.message });
        return;
      }
      log.error({ err: error, path: req.url }, 'ledger request failed');
      if (!res.headersSent) send(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });
  return listen(server, { host, port, name: 'ledger', what: 'the ledger', settings: 'LEDGER_HOST/LEDGER_PORT', log });
}
