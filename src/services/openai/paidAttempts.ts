import { setTimeout as sleep } from 'node:timers/promises';
import { APIConnectionTimeoutError } from 'openai';
import { classifyError, type FailureContext, type ModelFailure } from './failures.ts';
import { mayBeBilled, paidRetryDelay } from './paidRetries.ts';

/**
 * The one loop for a request OpenAI may bill or act on (an answer, an image generation, a transcription, a fine-tuning job, a training
 * upload): each attempt runs with the SDK's retries off, and a failed one is judged here by paidRetries.ts' rules.
 * An answer that says nothing was done is repeated; a failure after which the work may exist is looked up where a
 * lookup exists (a job or a file in OpenAI's list), and otherwise reported as possibly done, never repeated.
 */

/** What a lookup of a lost answer found: the work itself, nothing, or it could not tell (its own call failed). */
export type Lookup<T> = { found: T } | 'absent' | 'unknown';

export interface PaidAttemptRules<T> {
  /** Repeats allowed after the first try (OPENAI_MAX_RETRIES). */
  maxRetries: number;
  /** paidRetryDelay's: a 5xx answered within this long came before any paid work began. */
  fastServerErrorMs: number;
  /** paidRetryDelay's: whether a connection that never opened is tried again. */
  repeatNeverSent: boolean;
  /** Epoch ms by which every attempt (with `attemptMs` of its own) and every wait must be over; Infinity for none. */
  deadline: number;
  /** The time one attempt needs before the deadline (its timeout): none starts, and no wait runs, that would cut it short. */
  attemptMs?: number;
  /** A repeat is sent (or waited for) only with at least this long left before the deadline; a first attempt takes what is left. */
  repeatWindowMs?: number;
  /** Aborted when the call must end (the bot is stopping): no further attempt or wait; a request out at the time may have been done. */
  signal?: AbortSignal;
  context?: FailureContext;
  /**
   * Whether a failed attempt may have done the work, given the rules' `fastServerErrorMs` (default: mayBeBilled, a timeout
   * or a lost connection; paidRetries.ts' mayHaveBeenDone adds a late 5xx and an answer that could not be read).
   */
  mayHaveDone?: (error: unknown, failure: ModelFailure, elapsedMs: number, fastServerErrorMs: number) => boolean;
  /** Looks for the work an attempt sent at `sentAt` may have done: after a failure that may have done it, and after any 5xx. */
  lookup?: (sentAt: number) => Promise<Lookup<T>>;
  /** The work costs nothing (an upload): one that may have been done but the lookup can't find is sent again at once. */
  freeToRepeat?: boolean;
}

export type PaidAttempt<T> =
  /** `found`: the value came from the lookup, after the attempt's answer was lost. `sentAt`: when that attempt was sent. */
  | { ok: true; value: T; found: boolean; sentAt: number }
  /** `mayBeDone`: the work may exist (billed, or still to turn up); `error`: what the last attempt threw, for a closer reading. */
  | { ok: false; failure: ModelFailure; mayBeDone: boolean; sentAt: number; error?: unknown };

/** Sends `send` until it answers, repeating only what can't have been done, within the rules' retries and deadline. */
export async function sendPaid<T>(send: (sentAt: number) => Promise<T>, rules: PaidAttemptRules<T>): Promise<PaidAttempt<T>> {
  const attemptMs = rules.attemptMs ?? 0;
  // A repeat needs its whole attempt, and any window the caller asks for beyond it.
  const repeatMs = Math.max(attemptMs, rules.repeatWindowMs ?? 0);
  let last: { failure: ModelFailure; error: unknown; sentAt: number } | undefined;
  // Nothing more was sent: the last answer (if any) stands, and it said nothing was done.
  const stop = (fallback: ModelFailure): PaidAttempt<T> => ({ ok: false, failure: last?.failure ?? fallback, mayBeDone: false, sentAt: last?.sentAt ?? Date.now(), error: last?.error });
  for (let retry = 0; ; retry++) {
    if (rules.signal?.aborted) return stop({ kind: 'cut_off' });
    const sentAt = Date.now();
    // An attempt cut short by the deadline would time out after OpenAI may have done (and billed) the work.
    if (sentAt + (retry === 0 ? attemptMs : repeatMs) > rules.deadline) return stop({ kind: 'timeout' });
    try {
      return { ok: true, value: await send(sentAt), found: false, sentAt };
    } catch (error) {
      const failure = classifyError(error, false, rules.context);
      const elapsedMs = Date.now() - sentAt;
      last = { failure, error, sentAt };
      // A stop while the request was out (the SDK's APIUserAbortError) may have come after OpenAI read it.
      const done = rules.signal?.aborted === true || (rules.mayHaveDone ?? mayBeBilled)(error, failure, elapsedMs, rules.fastServerErrorMs);
      const failed = (mayBeDone: boolean): PaidAttempt<T> => ({ ok: false, failure, mayBeDone, sentAt, error });
      // A quick 5xx mostly comes before any work, but a gateway in front of OpenAI may send one after it: the lookup decides.
      if (rules.lookup && (done || failure.kind === 'server_error')) {
        const looked = await rules.lookup(sentAt);
        if (typeof looked === 'object') return { ok: true, value: looked.found, found: true, sentAt };
        if (looked === 'unknown') return failed(true);
      }
      if (done && !rules.freeToRepeat) return failed(true);
      const wait = retry >= rules.maxRetries ? undefined : done ? 0 : paidRetryDelay(error, failure, elapsedMs, retry, rules);
      if (wait === undefined || Date.now() + wait + repeatMs > rules.deadline) return failed(done);
      await sleep(wait, undefined, { signal: rules.signal }).catch(() => undefined);
    }
  }
}

export interface RequestOptions { timeout: number; maxRetries: 0; signal: AbortSignal }

/**
 * The SDK's `timeout` stops once the answer's headers arrive, and the body (an image's megabytes of base64, a
 * transcript) is read after: a body that stalls would hold the command (and its reservation) forever. The signal ends
 * the whole attempt at the same time, told as the timeout it is.
 */
export async function sendTimed<T>(send: (options: RequestOptions) => Promise<T>, timeoutMs: number): Promise<T> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    return await send({ timeout: timeoutMs, maxRetries: 0, signal });
  } catch (error) {
    throw signal.aborted ? new APIConnectionTimeoutError() : error;
  }
}
