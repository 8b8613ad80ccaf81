import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { z } from 'zod';
import type { Logger } from '../../../logger.ts';
import { listen, type ListeningServer } from '../../http/listen.ts';
import { KeyClosedError, type LedgerCoordinator } from './coordinator.ts';
import { applyRequest, leaseRequest, reserveRequest } from './protocol.ts';
import { HEADER, LINK_PROTOCOL, LinkSigner, NonceWindow } from './signing.ts';

/** A full outbox batch (500 operations) is well under this; anything larger is refused unread. */
const MAX_BODY_BYTES = 1024 * 1024;
/**
 * Bodies are read before their signature can be checked (it covers their digest): at most this many bytes of them at
 * once, so a stranger opening many connections can't fill the coordinator's memory. Machines send a few hundred bytes
 * a request (a full outbox batch ~0.9 MB), far below it; past it requests are refused 503 until reads finish.
 */
const MAX_UNVERIFIED_BYTES = 16 * 1024 * 1024;
/** Refused requests are logged at most this often: someone knocking without the secret must not flood the log. */
const UNAUTHORIZED_LOG_EVERY_MS = 60_000;
/** /operator status lists at most this many servers and members. */
const MAX_OVERVIEW_ENTRIES = 50;
/**
 * Nonces remembered (about 150 bytes each: ~15 MB at most): every machine's reservations, settlements and lease
 * renewals over two minutes (2 × CLOCK_SKEW_MS) stay far below it; past it the oldest goes early (see NonceWindow).
 */
const MAX_NONCES = 100_000;

export type LedgerServer = ListeningServer;

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** Why a request was refused before it reached the coordinator (see REFUSALS). */
type Refusal = 'old-protocol' | 'signature' | 'clock' | 'overtaken' | 'replayed' | 'busy' | 'too-large';

/** What the log says of each refusal: never a header's value (it may be the real secret sent by an older release). */
const REFUSALS: Record<Refusal, string> = {
  'old-protocol': 'refused a ledger request from a machine of an older release: it sends LEDGER_SECRET itself (Bearer), which this release never accepts. Upgrade every machine to the same release',
  signature: 'refused a ledger request without the right LEDGER_SECRET (unsigned, or its signature does not match)',
  clock: 'refused a signed ledger request whose timestamp is more than a minute off this machine\'s clock: keep every machine\'s clock in sync (NTP)',
  // Only past MAX_NONCES requests in two minutes (see NonceWindow): the machine's clock agrees with this one's.
  overtaken: `refused a signed ledger request whose timestamp is within a minute of this machine's clock but no newer than requests already forgotten (more than ${MAX_NONCES.toLocaleString('en-US')} requests within two minutes): a replay, or a request signed before newer ones were taken (a machine whose clock was set back, e.g. restarted so, or a request held up on the way). Not a clock out of sync`,
  replayed: 'refused a signed ledger request already taken (a replay)',
  'too-large': `refused a ledger request whose body passed ${MAX_BODY_BYTES / 1024 / 1024} MiB before its signature could be checked (a full outbox batch is far below it: someone without the secret, or a flood)`,
  busy: `refused ledger requests while ${MAX_UNVERIFIED_BYTES / 1024 / 1024} MiB of bodies not yet verified were being read (many large requests at once: someone without the secret, or a flood)`,
};

/** The body, its bytes counted in `unverified` while it is read (the caller takes them off once it is checked). */
async function readBody(req: IncomingMessage, unverified: { bytes: number }): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      unverified.bytes += chunk.length;
      if (size > MAX_BODY_BYTES) throw new HttpError(413, 'body too large');
      if (unverified.bytes > MAX_UNVERIFIED_BYTES) throw new HttpError(503, 'busy');
      chunks.push(chunk);
    }
  } catch (error) {
    unverified.bytes -= size;
    throw error;
  }
  return Buffer.concat(chunks);
}

function parseJson<T>(raw: Buffer, schema: z.ZodType<T>): T {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new HttpError(400, 'body is not JSON');
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new HttpError(400, `bad request: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** What the coordinator answers a request: status and JSON body. */
interface Answer { status: number; body: unknown }

function route(method: string, path: string, raw: Buffer, coordinator: LedgerCoordinator): Answer {
  const url = new URL(path, 'http://localhost');
  const ok = (body: unknown): Answer => ({ status: 200, body });
  switch (`${method} ${url.pathname}`) {
    case 'POST /v1/reserve': return ok(coordinator.reserve(parseJson(raw, reserveRequest)));
    case 'POST /v1/apply': {
      const { ops } = parseJson(raw, applyRequest);
      coordinator.apply(ops);
      return ok({ applied: ops.length });
    }
    case 'POST /v1/lease': return ok(coordinator.lease(parseJson(raw, leaseRequest)));
    case 'GET /v1/totals': {
      const userId = url.searchParams.get('user') ?? '';
      if (!/^[\w@-]{1,64}$/.test(userId)) throw new HttpError(400, 'bad request: user');
      return ok(coordinator.totals(userId));
    }
    case 'GET /v1/overview': {
      const top = Math.min(MAX_OVERVIEW_ENTRIES, Math.max(1, Number.parseInt(url.searchParams.get('top') ?? '10', 10) || 10));
      return ok(coordinator.overview(top));
    }
    default: throw new HttpError(method === 'POST' || method === 'GET' ? 404 : 405, 'not found');
  }
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
};

/** The coordinator's API for the other hosts (LEDGER_PORT): every request is signed with LEDGER_SECRET's key, and so is every answer. */
export async function startLedgerServer(options: { host: string; port: number; secret: string; coordinator: LedgerCoordinator; log: Logger; now?: () => number; maxNonces?: number }): Promise<LedgerServer> {
  const { host, port, coordinator, log } = options;
  const now = options.now ?? Date.now;
  const signer = new LinkSigner(options.secret);
  const nonces = new NonceWindow(options.maxNonces ?? MAX_NONCES, now);
  const refused = new Map<Refusal, { count: number; loggedAt: number }>();
  const unverified = { bytes: 0 };

  const refuse = (req: IncomingMessage, why: Refusal): void => {
    const seen = refused.get(why) ?? { count: 0, loggedAt: Number.NEGATIVE_INFINITY };
    seen.count += 1;
    if (now() - seen.loggedAt >= UNAUTHORIZED_LOG_EVERY_MS) {
      log.warn({ from: req.socket?.remoteAddress, path: req.url?.split('?')[0], refused: seen.count }, REFUSALS[why]);
      seen.count = 0;
      seen.loggedAt = now();
    }
    refused.set(why, seen);
  };

  /** Signed for the request (its nonce, method, path) when it proved it holds the key; plain otherwise. */
  const answer = (res: ServerResponse, status: number, body: unknown, request?: { nonce: string; method: string; path: string }): void => {
    const text = JSON.stringify(body);
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', [HEADER.protocol]: LINK_PROTOCOL };
    if (request) headers[HEADER.signature] = signer.signAnswer({ ...request, status, body: text });
    res.writeHead(status, headers);
    res.end(text);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const nonce = header(req, HEADER.nonce);
    const timestamp = Number(header(req, HEADER.timestamp));
    const signature = header(req, HEADER.signature);
    if (nonce === undefined || !/^[\w-]{16,64}$/.test(nonce) || !Number.isSafeInteger(timestamp) || signature === undefined) {
      req.resume();
      refuse(req, req.headers.authorization?.startsWith('Bearer ') ? 'old-protocol' : 'signature');
      return answer(res, 401, { error: 'unauthorized', protocol: LINK_PROTOCOL });
    }
    const raw = await readBody(req, unverified);
    unverified.bytes -= raw.length; // checked at once below, with nothing awaited in between
    if (!signer.requestValid({ method, path, timestamp, nonce, body: raw }, signature)) {
      refuse(req, 'signature');
      return answer(res, 401, { error: 'unauthorized', protocol: LINK_PROTOCOL });
    }
    const request = { nonce, method, path };
    const fresh = nonces.accept(nonce, timestamp);
    if (fresh !== 'ok') {
      const why = fresh === 'stale' ? 'clock' : fresh;
      refuse(req, why);
      return answer(res, 401, { error: 'unauthorized', reason: why }, request);
    }
    try {
      const { status, body } = route(method, path, raw, coordinator);
      answer(res, status, body, request);
    } catch (error) {
      if (!(error instanceof HttpError || error instanceof KeyClosedError)) {
        log.error({ err: error, path: req.url }, 'ledger request failed');
        return answer(res, 500, { error: 'internal error' }, request);
      }
      const status = error instanceof HttpError ? error.status : 409;
      if (status !== 409) log.warn({ status, path: req.url, reason: error.message }, 'refused a ledger request');
      answer(res, status, { error: error.message }, request);
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (error instanceof HttpError && error.status === 503) {
        refuse(req, 'busy');
        if (!res.headersSent) answer(res, 503, { error: 'busy' });
        return;
      }
      if (error instanceof HttpError) {
        // Too large to read: refused before its signature could be checked, so logged like any unsigned knock.
        refuse(req, 'too-large');
        if (!res.headersSent) answer(res, error.status, { error: error.message });
        return;
      }
      log.error({ err: error, path: req.url }, 'ledger request failed');
      if (!res.headersSent) answer(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });
  return listen(server, { host, port, name: 'ledger', what: 'the ledger', settings: 'LEDGER_HOST/LEDGER_PORT', log });
}
