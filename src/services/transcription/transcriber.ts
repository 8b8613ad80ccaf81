import { setTimeout as sleep } from 'node:timers/promises';
import { toFile, type OpenAI } from 'openai';
import { classifyError, type ModelFailure } from '../openai/failures.ts';
import { mayBeBilled, paidRetryDelay } from '../openai/paidRetries.ts';
import { parseTranscriptionUsage, type TranscriptionUsage } from './usage.ts';

/**
 * The longest one attempt may take. A 25 MB upload can hold hours of compressed speech, which takes the API
 * minutes; the caller's deadline (inside the 15-minute interaction token) shortens it further.
 */
export const TRANSCRIPTION_TIMEOUT_MS = 10 * 60_000;
/** A retry is only worth sending with at least this long left: less would likely time out, and a timeout is paid. */
export const MIN_RETRY_WINDOW_MS = 2 * 60_000;
/**
 * A 5xx this quick came back before any transcription could have run (the upload alone of a large file takes
 * seconds): retrying it can't bill twice. A slower 5xx may follow work OpenAI bills, so it is not retried.
 */
export const FAST_SERVER_ERROR_MS = 15_000;
/** A connection that never opened is reported at once, not tried again: the member can resend the file. */
const TRANSCRIPTION_RETRY_RULES = { fastServerErrorMs: FAST_SERVER_ERROR_MS, repeatNeverSent: false };
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
  | { ok: false; failure: ModelFailure; /** the API may have billed it (a timeout or a dropped connection) */ mayBeBilled: boolean; attempts: number };

/**
 * One transcription, every failure a value. Retries are ours, not the SDK's: its `makeRequest` retries a timed-out
 * or dropped request like a 429 (one `retriesRemaining` path, no hook to tell them apart), and a transcription
 * OpenAI may already have billed must not be sent again. A fetch wrapper could only fail such a retry, not skip
 * it, so each attempt runs with `maxRetries: 0` and this loop retries what can't have been billed: a 429 (it
 * waits for retry-after) and a 5xx answered at once, up to the client's OPENAI_MAX_RETRIES, all before the deadline.
 */
export class Transcriber {
  /** `timeoutMs` is public so a test can shorten it on a running bot. */
  constructor(private readonly client: OpenAI, public timeoutMs = TRANSCRIPTION_TIMEOUT_MS) {}

  async transcribe(request: TranscriberRequest): Promise<TranscriberOutcome> {
    const file = await toFile(request.bytes, request.filename, { type: request.mimeType });
    const body = { file, model: request.model, response_format: 'json' as const, ...(request.language ? { language: request.language } : {}) };
    for (let attempt = 1; ; attempt++) {
      const timeoutMs = Math.floor(Math.min(this.timeoutMs, request.deadline - Date.now()));
      if (timeoutMs <= 0) return { ok: false, failure: { kind: 'timeout' }, mayBeBilled: false, attempts: attempt - 1 }; // no time left: nothing sent
      // The SDK's timeout ends at the response headers; this one also covers reading the body.
      const controller = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, timeoutMs);
      const started = Date.now();
      try {
        const result = await this.client.audio.transcriptions.create(body, { timeout: timeoutMs, maxRetries: 0, signal: controller.signal });
        return { ok: true, text: result.text ?? '', usage: parseTranscriptionUsage(result.usage), attempts: attempt };
      } catch (error) {
        const failure = classifyError(error, timedOut, { endpoint: 'transcription', model: request.model });
        const wait = paidRetryDelay(error, failure, Date.now() - started, attempt - 1, TRANSCRIPTION_RETRY_RULES);
        const retry = wait !== undefined && attempt <= this.client.maxRetries && Date.now() + wait + MIN_RETRY_WINDOW_MS <= request.deadline;
        if (!retry) return { ok: false, failure, mayBeBilled: mayBeBilled(error, failure), attempts: attempt };
        await sleep(wait);
      } finally {
        clearTimeout(timer);
      }
    }
  }
}
