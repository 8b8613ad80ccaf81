import { setTimeout as sleep } from 'node:timers/promises';
import { classifyError, type FailureContext, type ModelFailure } from './failures.ts';
import { mayBeBilled, paidRetryDelay } from './paidRetries.ts';

/**
 * A chat request is sent with the SDK's retries off (`maxRetries: 0`) and repeated here instead. The SDK repeats
 * a request that timed out or whose connection dropped like a 429, but a chat request that got that far may have
 * been read, and billed, by OpenAI: repeating it bills twice while the member is charged once. Only answers that
 * say nothing was done are repeated, with the rules images and transcription use (paidRetries.ts).
 */

/**
 * A streamed answer's headers come with its first token: a 5xx this quick came before the model could have worked
 * through a long prompt, so nothing was billed. A slower one is reported, not repeated.
 */
export const CHAT_FAST_SERVER_ERROR_MS = 5_000;
/**
 * Repeats start within this long of the first attempt (the SDK waited any retry-after, unbounded): past it, a
 * member hears that the service is busy instead of waiting on, and the answer keeps the rest of Discord's
 * 15-minute interaction window to stream in.
 */
export const CHAT_RETRY_WINDOW_MS = 2 * 60_000;
/** A connection that never opened sent nothing: tried again like a 429. */
const CHAT_RETRY_RULES = { fastServerErrorMs: CHAT_FAST_SERVER_ERROR_MS, repeatNeverSent: true };

export interface ChatAttemptPolicy {
  /** Repeats allowed after the first try (OPENAI_MAX_RETRIES). */
  maxRetries: number;
  /** Aborted when the call must end (the bot is stopping): no further attempt or wait. */
  signal: AbortSignal;
  context: FailureContext;
}

export type OpenedStream<T> =
  | { ok: true; stream: T }
  /** `mayBeBilled`: the request reached the service and no answer said it was not read (a timeout, a dropped connection, a stop while it was out). */
  | { ok: false; failure: ModelFailure; mayBeBilled: boolean };

/** Opens one streamed chat completion, repeating the request only when nothing can have been billed. */
export async function openChatStream<T>(send: (options: { maxRetries: 0 }) => Promise<T>, policy: ChatAttemptPolicy): Promise<OpenedStream<T>> {
  const first = Date.now();
  let failure: ModelFailure = { kind: 'cut_off' };
  for (let retry = 0; ; retry++) {
    // Stopped before this attempt was sent (or during the wait before it): nothing more went out.
    if (policy.signal.aborted) return { ok: false, failure, mayBeBilled: false };
    const started = Date.now();
    try {
      return { ok: true, stream: await send({ maxRetries: 0 }) };
    } catch (error) {
      failure = classifyError(error, false, policy.context);
      // A stop while the request was out (the SDK's APIUserAbortError) may have come after OpenAI read it.
      const billed = policy.signal.aborted || mayBeBilled(error, failure);
      const wait = billed || retry >= policy.maxRetries ? undefined : paidRetryDelay(error, failure, Date.now() - started, retry, CHAT_RETRY_RULES);
      if (wait === undefined || Date.now() + wait - first > CHAT_RETRY_WINDOW_MS) return { ok: false, failure, mayBeBilled: billed };
      await sleep(wait, undefined, { signal: policy.signal }).catch(() => undefined);
    }
  }
}
