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

/** The coordinator's API calls, as /metrics counts them. */
export type CoordinatorCall = 'reserve' | 'apply' | 'lease' | 'totals' | 'overview';
/**
 * How a call ended: `ok` (2xx); `refused` (it answered 4xx to this one request: malformed, a key already closed);
 * `unauthorized` (401: LEDGER_SECRET differs); `error` (5xx or an unreadable answer); `timeout`; `network` (no answer).
 */
export type CoordinatorOutcome = 'ok' | 'refused' | 'unauthorized' | 'error' | 'timeout' | 'network';

/** The coordinator's HTTP API as a host calls it (LEDGER_URL, LEDGER_SECRET); node's fetch keeps the connection alive. */
export class CoordinatorClient {
  private readonly authorization: string;
  /** How the last call ended; undefined before the first one. */
  private lastOutcome: CoordinatorOutcome | undefined;
  /** Told of every call's outcome (for /metrics); never throws. */
  onCall: ((call: CoordinatorCall, outcome: CoordinatorOutcome) => void) | undefined;

  constructor(private readonly baseUrl: string, secret: string) {
    this.authorization = `Bearer ${secret}`;
  }

  reserve(request: ReserveRequest): Promise<ReserveAnswer> {
    return this.call('reserve', 'POST', '/v1/reserve', request, RESERVE_TIMEOUT_MS);
  }

  apply(ops: readonly SharedOp[]): Promise<{ applied: number }> {
    return this.call('apply', 'POST', '/v1/apply', { ops }, OTHER_TIMEOUT_MS);
  }

  lease(request: LeaseRequest): Promise<LeaseAnswer> {
    return this.call('lease', 'POST', '/v1/lease', request, OTHER_TIMEOUT_MS);
  }

  totals(userId: string): Promise<TotalsAnswer> {
    return this.call('totals', 'GET', `/v1/totals?user=${encodeURIComponent(userId)}`, undefined, TOTALS_TIMEOUT_MS);
  }

  overview(top: number): Promise<OverviewAnswer> {
    return this.call('overview', 'GET', `/v1/overview?top=${top}`, undefined, OTHER_TIMEOUT_MS);
  }

  /** Whether the coordinator answered the last call as a working coordinator would (2xx, or a 4xx about that request). */
  get reachable(): boolean {
    return this.lastOutcome === 'ok' || this.lastOutcome === 'refused';
  }

  private async call<T>(name: CoordinatorCall, method: 'GET' | 'POST', path: string, body: unknown, timeoutMs: number): Promise<T> {
    try {
      const answer = await this.send<T>(method, path, body, timeoutMs);
      this.ended(name, 'ok');
      return answer;
    } catch (error) {
      this.ended(name, outcomeOf(error));
      throw error;
    }
  }

  private ended(name: CoordinatorCall, outcome: CoordinatorOutcome): void {
    this.lastOutcome = outcome;
    this.onCall?.(name, outcome);
  }

  private async send<T>(method: 'GET' | 'POST', path: string, body: unknown, timeoutMs: number): Promise<T> {
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

function outcomeOf(error: unknown): CoordinatorOutcome {
  if (error instanceof CoordinatorError) {
    if (error.status === 401) return 'unauthorized';
    return error.status >= 400 && error.status < 500 ? 'refused' : 'error';
  }
  if (error instanceof Error && error.name === 'TimeoutError') return 'timeout';
  // fetch rejects with a TypeError when no answer came (refused, reset, DNS); a SyntaxError is an unreadable answer.
  return error instanceof TypeError ? 'network' : 'error';
}
