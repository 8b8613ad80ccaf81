import type { LeaseAnswer, LeaseRequest, OverviewAnswer, ReserveAnswer, ReserveRequest, SharedOp, TotalsAnswer } from './protocol.ts';

/**
 * A reservation waits at most this long for the coordinator (a member is waiting for the answer); past it the
 * call is refused. On a LAN it answers in milliseconds.
 */
export const RESERVE_TIMEOUT_MS = 3_000;
/** /usage answers within Discord's 3 s: past this it shows this host's figures instead. */
export const TOTALS_TIMEOUT_MS = 1_500;
/** Settlements, lease renewals and status reads: nobody waits on these, but a hung request must not pile up. */
const OTHER_TIMEOUT_MS = 10_000;

/** The coordinator answered something other than 2xx. */
export class CoordinatorError extends Error {
  constructor(readonly status: number) {
    super(`the ledger coordinator answered HTTP ${status}`);
    this.name = 'CoordinatorError';
  }
}

/** The coordinator's HTTP API as a host calls it (LEDGER_URL, LEDGER_SECRET); node's fetch keeps the connection alive. */
export class CoordinatorClient {
  private readonly authorization: string;

  constructor(private readonly baseUrl: string, secret: string) {
    this.authorization = `Bearer ${secret}`;
  }

  reserve(request: ReserveRequest): Promise<ReserveAnswer> {
    return this.call('POST', '/v1/reserve', request, RESERVE_TIMEOUT_MS);
  }

  apply(ops: readonly SharedOp[]): Promise<{ applied: number }> {
    return this.call('POST', '/v1/apply', { ops }, OTHER_TIMEOUT_MS);
  }

  lease(request: LeaseRequest): Promise<LeaseAnswer> {
    return this.call('POST', '/v1/lease', request, OTHER_TIMEOUT_MS);
  }

  totals(userId: string): Promise<TotalsAnswer> {
    return this.call('GET', `/v1/totals?user=${encodeURIComponent(userId)}`, undefined, TOTALS_TIMEOUT_MS);
  }

  overview(top: number): Promise<OverviewAnswer> {
    return this.call('GET', `/v1/overview?top=${top}`, undefined, OTHER_TIMEOUT_MS);
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body: unknown, timeoutMs: number): Promise<T> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: this.authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) {
      await response.body?.cancel();
      throw new CoordinatorError(response.status);
    }
    return await response.json() as T;
  }
}
