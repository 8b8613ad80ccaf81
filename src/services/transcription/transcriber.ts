import { toFile, type OpenAI } from 'openai';
import type { Transcription, TranscriptionCreateParamsNonStreaming } from 'openai/resources/audio/transcriptions';
import type { ModelFailure } from '../openai/failures.ts';
import { sendPaid, sendTimed } from '../openai/paidAttempts.ts';
import { mayHaveBeenDone } from '../openai/paidRetries.ts';
import { parseTranscriptionUsage, type TranscriptionUsage } from './usage.ts';

/**
 * The longest one attempt may take. A 25 MB upload can hold hours of compressed speech, which takes the API
 * minutes; the caller's deadline (inside the 15-minute interaction token) shortens it further.
 */
export const TRANSCRIPTION_TIMEOUT_MS = 10 * 60_000;
/** A retry is only worth sending with at least this long left: less would likely time out, and a timeout is paid. */
export const MIN_RETRY_WINDOW_MS = 2 * 60_000;
/** An attempt is sent only with a timeout of at least 1 ms left before the deadline (0 would mean none at all). */
const MIN_ATTEMPT_MS = 1;
/**
 * A 5xx this quick came back before any transcription could have run (the upload alone of a large file takes
 * seconds): retrying it can't bill twice. A slower 5xx may follow work OpenAI bills: never retried, charged its reservation.
 */
export const FAST_SERVER_ERROR_MS = 15_000;
/** A body that starts like JSON but could not be read as JSON (a proxy cut it short): an answer, so billed, but no transcript. */
const LOOKS_LIKE_JSON = /^\s*[{[]/;

/**
 * The transcript in a 200: a JSON object's `text`, or a plain-text body (a compatible server may answer text whatever
 * format was asked). Anything else came back, so may be billed, but holds no transcript: thrown as a body that could
 * not be read (a server_error without status), so the attempt is charged its reservation, never repeated.
 */
function transcriptIn(answer: unknown): Transcription | string {
  if (typeof answer === 'string' && !LOOKS_LIKE_JSON.test(answer)) return answer;
  if (typeof answer === 'object' && answer !== null && typeof (answer as { text?: unknown }).text === 'string') return answer as Transcription;
  throw new SyntaxError('The transcription answer holds no transcript.');
}

export interface TranscriberRequest {
  bytes: Uint8Array;
  /** The API judges the format by this name's extension. */
  filename: string;
  mimeType: string;
  model: string;
  /** ISO-639-1 hint; without it the model detects the language. */
  language?: string;
  /** Epoch ms by which every attempt must have ended (the interaction token must outlive it). */
  deadline: number;
}

export type TranscriberOutcome =
  | { ok: true; text: string; /** what the API says it billed; undefined when it says nothing readable */ usage: TranscriptionUsage | undefined; attempts: number }
  | { ok: false; failure: ModelFailure; /** the API may have billed it (no answer, a late 5xx, a 200 without a transcript) */ mayBeBilled: boolean; attempts: number };

/**
 * One transcription, every failure a value. Each attempt runs with the SDK's retries off (`maxRetries: 0`): its
 * loop repeats a timed-out or dropped request like a 429, and a transcription OpenAI may already have billed must
 * not be sent again. The shared paid loop (paidAttempts.ts) repeats only what can't have been billed: a 429 (after
 * retry-after) and a 5xx answered at once, up to the client's OPENAI_MAX_RETRIES, each repeat with at least
 * MIN_RETRY_WINDOW_MS left before the deadline.
 */
export class Transcriber {
  /** `fastServerErrorMs`: a 5xx within this long is retried, a later one may have been billed. Both public so a test can shorten them on a running bot. */
  constructor(private readonly client: OpenAI, public timeoutMs = TRANSCRIPTION_TIMEOUT_MS, public fastServerErrorMs = FAST_SERVER_ERROR_MS) {}

  async transcribe(request: TranscriberRequest): Promise<TranscriberOutcome> {
    const file = await toFile(request.bytes, request.filename, { type: request.mimeType });
    const body = { file, model: request.model, response_format: 'json' as const, ...(request.language ? { language: request.language } : {}) };
    let attempts = 0;
    const sent = await sendPaid(async (sentAt) => {
      attempts++;
      return this.attempt(body, Math.floor(Math.min(this.timeoutMs, request.deadline - sentAt)));
    }, {
      // A connection that never opened is reported at once, not tried again: the member can resend the file.
      fastServerErrorMs: this.fastServerErrorMs, repeatNeverSent: false, maxRetries: this.client.maxRetries, deadline: request.deadline,
      attemptMs: MIN_ATTEMPT_MS, repeatWindowMs: MIN_RETRY_WINDOW_MS, context: { endpoint: 'transcription', model: request.model },
      // No answer, a 200 that could not be read, or a 5xx later than fastServerErrorMs (a gateway giving up on the work) may be billed.
      mayHaveDone: mayHaveBeenDone,
    });
    if (!sent.ok) return { ok: false, failure: sent.failure, mayBeBilled: sent.mayBeDone, attempts };
    const answer = sent.value;
    if (typeof answer === 'string') return { ok: true, text: answer.trim(), usage: undefined, attempts };
    return { ok: true, text: answer.text, usage: parseTranscriptionUsage(answer.usage), attempts };
  }

  /** One request, its timeout over the body too (sendTimed). */
  private async attempt(body: TranscriptionCreateParamsNonStreaming, timeoutMs: number): Promise<Transcription | string> {
    // The SDK hands back the body as a string when it is not labelled JSON (and `null` or nothing as such).
    const answer: unknown = await sendTimed((options) => this.client.audio.transcriptions.create(body, options), timeoutMs);
    return transcriptIn(answer);
  }
}
