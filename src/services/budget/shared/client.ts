import type { Logger } from '../../../logger.ts';
import { CLOCK_SKEW_MS, HEADER, LINK_PROTOCOL, LinkSigner } from './signing.ts';
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
/** An answer that is not the coordinator's (unsigned, or badly signed) is logged at most this often. */
const UNSIGNED_LOG_EVERY_MS = 60_000;
/**
 * The most read of an answer before its signature is checked: the coordinator's own are a few KB (its requests are
 * capped at 1 MiB), so anything larger is not its answer, and whatever answers at LEDGER_URL can't fill this memory.
 */
export const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

/** Why a signed 401 refused a request's timestamp (server.ts REFUSALS): each has its own remedy, said in this machine's log. */
type TimingRefusal = 'clock' | 'overtaken';
const TIMING_REFUSALS: Record<TimingRefusal, string> = {
  clock: `the ledger coordinator refused this machine's clock (more than ${CLOCK_SKEW_MS / 1000} s off its own): keep every machine's clock in sync (NTP)`,
  overtaken: 'the ledger coordinator refused a request signed before requests it had already taken, past the many it remembers (this machine\'s clock set back, or the request held up on the way); the clocks agree',
};

/** The coordinator answered something other than 2xx. */
export class CoordinatorError extends Error {
  /** The coordinator refused this machine's timestamp as out of sync with its clock. */
  readonly clock: boolean;

  constructor(readonly status: number, timing?: TimingRefusal) {
    super(timing ? TIMING_REFUSALS[timing] : `the ledger coordinator answered HTTP ${status}`);
    this.name = 'CoordinatorError';
    this.clock = timing === 'clock';
  }
}

/**
 * An answer without the coordinator's signature for this request: whatever it says is ignored, and the call ends
 * as if the coordinator could not be reached. `why`: `unsigned` (an older release, or not the coordinator), `forged`,
 * or `too-large` (past MAX_ANSWER_BYTES: not read, so never checked).
 */
export class UnsignedAnswerError extends Error {
  constructor(readonly status: number, readonly why: 'unsigned' | 'forged' | 'too-large') {
    super(`an answer to a ledger request was not signed by the coordinator (HTTP ${status}, ${why}): ignored`);
    this.name = 'UnsignedAnswerError';
  }
}

/** The coordinator's API calls, as /metrics counts them. */
export type CoordinatorCall = 'reserve' | 'apply' | 'lease' | 'totals' | 'overview';
/**
 * How a call ended: `ok` (2xx); `refused` (it answered 4xx to this one request: malformed, a key already closed);
 * `unauthorized` (401: LEDGER_SECRET differs); `error` (5xx or an unreadable answer); `timeout`; `network` (no answer);
 * `unsigned` (an answer not signed for this request: an older release, or something else answering at LEDGER_URL).
 */
export type CoordinatorOutcome = 'ok' | 'refused' | 'unauthorized' | 'error' | 'timeout' | 'network' | 'unsigned';

/**
 * The coordinator's HTTP API as a host calls it (LEDGER_URL, LEDGER_SECRET); node's fetch keeps the connection alive.
 * Every request is signed and every answer checked (signing.ts): LEDGER_SECRET itself never leaves this machine.
 */
export class CoordinatorClient {
  private readonly signer: LinkSigner;
  private readonly log: Logger | undefined;
  private readonly now: () => number;
  /** When an unsigned answer was last logged, and how many came since. */
  private unsignedLog = { loggedAt: Number.NEGATIVE_INFINITY, count: 0 };
  /** How the last call ended; undefined before the first one. */
  private lastOutcome: CoordinatorOutcome | undefined;
  /** Told of every call's outcome (for /metrics); never throws. */
  onCall: ((call: CoordinatorCall, outcome: CoordinatorOutcome) => void) | undefined;

  constructor(private readonly baseUrl: string, secret: string, options: { log?: Logger; now?: () => number } = {}) {
    this.signer = new LinkSigner(secret);
    this.log = options.log;
    this.now = options.now ?? Date.now;
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
    const text = body === undefined ? '' : JSON.stringify(body);
    const nonce = LinkSigner.nonce();
    const timestamp = this.now();
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        [HEADER.timestamp]: String(timestamp), [HEADER.nonce]: nonce, [HEADER.signature]: this.signer.signRequest({ method, path, timestamp, nonce, body: text }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : text,
      // The coordinator never redirects; an answer from elsewhere would be refused unsigned anyway.
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const answer = await readCapped(response);
    const signature = response.headers.get(HEADER.signature);
    if (answer === undefined) throw this.unsigned(new UnsignedAnswerError(response.status, 'too-large'), response.headers.get(HEADER.protocol) === LINK_PROTOCOL);
    if (signature === null || !this.signer.answerValid({ nonce, method, path, status: response.status, body: answer }, signature)) {
      const speaks = response.headers.get(HEADER.protocol) === LINK_PROTOCOL;
      // A 401 we cannot check is what a coordinator with another LEDGER_SECRET answers: the call is refused either way.
      if (response.status === 401 && speaks) throw new CoordinatorError(401);
      throw this.unsigned(new UnsignedAnswerError(response.status, signature === null ? 'unsigned' : 'forged'), speaks);
    }
    if (!response.ok) throw new CoordinatorError(response.status, timingRefusal(response.status, answer));
    return JSON.parse(answer) as T;
  }

  /** Logs an answer that is not the coordinator's, at most once a minute; never its body or headers. */
  private unsigned(error: UnsignedAnswerError, speaksThisProtocol: boolean): UnsignedAnswerError {
    this.unsignedLog.count += 1;
    if (this.log && this.now() - this.unsignedLog.loggedAt >= UNSIGNED_LOG_EVERY_MS) {
      const hint = error.why === 'too-large' ? `the answer passed ${MAX_ANSWER_BYTES / 1024 / 1024} MiB, far more than the coordinator ever answers: something other than the coordinator answers at LEDGER_URL`
        : speaksThisProtocol ? 'something answers at LEDGER_URL with a signature that is not the coordinator\'s (or LEDGER_SECRET differs)'
        : 'the coordinator at LEDGER_URL runs an older release (it does not sign its answers): upgrade every machine to the same release; or something other than the coordinator answers there';
      this.log.error({ status: error.status, why: error.why, ignored: this.unsignedLog.count }, `ignored an answer to a ledger request that the coordinator did not sign: paid calls are refused until it answers. ${hint}`);
      this.unsignedLog = { loggedAt: this.now(), count: 0 };
    }
    return error;
  }
}

/** The answer's text, or undefined once it passes MAX_ANSWER_BYTES (the rest is not read). */
async function readCapped(response: Response): Promise<string | undefined> {
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    if (size > MAX_ANSWER_BYTES) return undefined; // leaving the loop cancels the stream
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** What a signed 401 said of the request's timestamp: the clocks differ by more than CLOCK_SKEW_MS, or it was overtaken. */
function timingRefusal(status: number, answer: string): TimingRefusal | undefined {
  if (status !== 401) return undefined;
  try {
    const { reason } = JSON.parse(answer) as { reason?: unknown };
    return reason === 'clock' || reason === 'overtaken' ? reason : undefined;
  } catch {
    return undefined;
  }
}

function outcomeOf(error: unknown): CoordinatorOutcome {
  if (error instanceof CoordinatorError) {
    if (error.status === 401) return 'unauthorized';
    return error.status >= 400 && error.status < 500 ? 'refused' : 'error';
  }
  if (error instanceof UnsignedAnswerError) return 'unsigned';
  if (error instanceof Error && error.name === 'TimeoutError') return 'timeout';
  // fetch rejects with a TypeError when no answer came (refused, reset, DNS); a SyntaxError is an unreadable answer.
  return error instanceof TypeError ? 'network' : 'error';
}
