import type { FailureContext, ModelFailure } from '../openai/failures.ts';
import { sendPaid, sendTimed, type RequestOptions } from '../openai/paidAttempts.ts';
import { mayHaveBeenDone } from '../openai/paidRetries.ts';

/**
 * Image requests are sent with the SDK's retries off (`maxRetries: 0` on the request) and repeated by the
 * shared loop (paidAttempts.ts) instead. The SDK repeats a request that timed out or whose connection dropped,
 * but an image generation that got that far may have been made and billed by OpenAI: repeating it could bill
 * two generations while the member is charged for one. Only answers that say nothing was made are repeated.
 * The request option was chosen over a fetch wrapper because the SDK's loop would still run around any
 * wrapper, and here the errors arrive already typed, with the response headers that carry retry-after.
 */

/** A 5xx this fast came before any image work began (a generation takes 10 s or more): safe to repeat. */
export const FAST_SERVER_ERROR_MS = 10_000;

/** A connection that never opened sent nothing: tried again like a 429. */
const IMAGE_RETRY_RULES = { fastServerErrorMs: FAST_SERVER_ERROR_MS, repeatNeverSent: true };

export interface AttemptPolicy {
  /** Repeats allowed after the first try (OPENAI_MAX_RETRIES). */
  maxRetries: number;
  /** Longest wait for one answer. */
  timeoutMs: number;
  /** Epoch ms by which every attempt and every wait must be over. */
  deadline: number;
  /** What was called, so a missing route is told apart from a missing model. */
  context?: FailureContext;
}

export type AttemptResult<T> =
  | { ok: true; value: T }
  /** `mayBeBilled`: the request reached the service and no usable answer came back (timeout, dropped connection, a late 5xx, a garbled 2xx). */
  | { ok: false; failure: ModelFailure; mayBeBilled: boolean };

/**
 * Sends one image request, repeating it only when it is safe. An attempt starts only when it has its whole
 * timeout before the deadline: one cut short would time out and be charged for an image nobody can see.
 */
export async function attemptImageRequest<T>(send: (options: RequestOptions) => Promise<T>, policy: AttemptPolicy): Promise<AttemptResult<T>> {
  const sent = await sendPaid(() => sendTimed(send, policy.timeoutMs), {
    ...IMAGE_RETRY_RULES, maxRetries: policy.maxRetries, deadline: policy.deadline, attemptMs: policy.timeoutMs, context: policy.context,
    // Besides a timeout or a lost connection, two failures may come after the image was made (and billed): a 5xx slower than
    // FAST_SERVER_ERROR_MS (a gateway such as Cloudflare giving up while OpenAI still generates), and a 2xx whose body is not JSON.
    mayHaveDone: mayHaveBeenDone,
  });
  return sent.ok ? { ok: true, value: sent.value } : { ok: false, failure: sent.failure, mayBeBilled: sent.mayBeDone };
}
