import type { FailureContext, ModelFailure } from './failures.ts';
import { sendPaid } from './paidAttempts.ts';
import { mayHaveBeenDone } from './paidRetries.ts';

/**
 * A chat request is sent with the SDK's retries off (`maxRetries: 0`) and repeated here instead. The SDK repeats
 * a request that timed out or whose connection dropped like a 429, but a chat request that got that far may have
 * been read, and billed, by OpenAI: repeating it bills twice while the member is charged once. Only answers that
 * say nothing was done are repeated, by the loop images and fine-tuning use (paidAttempts.ts).
 */

/**
 * A streamed answer's headers come with its first token: a 5xx this quick came before the model could have worked
 * through a long prompt, so nothing was billed. A slower one (a gateway giving up while the model may still work)
 * is reported, not repeated, and may have been billed: charged its prompt, as images and transcriptions are.
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
  /** `mayBeBilled`: the request reached the service and no answer said it was not read (a timeout, a dropped connection, a stop while it was out, a 5xx slower than CHAT_FAST_SERVER_ERROR_MS). */
  | { ok: false; failure: ModelFailure; mayBeBilled: boolean };

/** Opens one streamed chat completion, repeating the request only when nothing can have been billed. */
export async function openChatStream<T>(send: (options: { maxRetries: 0 }) => Promise<T>, policy: ChatAttemptPolicy): Promise<OpenedStream<T>> {
  const opened = await sendPaid(() => send({ maxRetries: 0 }), {
    ...CHAT_RETRY_RULES, maxRetries: policy.maxRetries, deadline: Date.now() + CHAT_RETRY_WINDOW_MS, signal: policy.signal, context: policy.context, mayHaveDone: mayHaveBeenDone,
  });
  return opened.ok ? { ok: true, stream: opened.value } : { ok: false, failure: opened.failure, mayBeBilled: opened.mayBeDone };
}
