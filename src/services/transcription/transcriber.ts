import { toFile, type OpenAI } from 'openai';
import { classifyError, type ModelFailure } from '../openai/failures.ts';

/**
 * A 25 MB upload can hold hours of compressed speech, which takes the API minutes; an interaction
 * token lasts 15 minutes, so 10 leaves room to deliver the transcript.
 */
export const TRANSCRIPTION_TIMEOUT_MS = 10 * 60_000;

export interface TranscriberRequest {
  bytes: Uint8Array;
  /** The API judges the format by this name's extension. */
  filename: string;
  mimeType: string;
  model: string;
  /** ISO-639-1 hint; without it the model detects the language. */
  language?: string;
}

export type TranscriberOutcome =
  | { ok: true; text: string; /** seconds the API billed, when it says (whisper-1 does) */ billedSeconds: number | undefined }
  | { ok: false; failure: ModelFailure };

/** One call to the transcription endpoint; every failure comes back as a value. */
export class Transcriber {
  constructor(private readonly client: OpenAI, private readonly timeoutMs = TRANSCRIPTION_TIMEOUT_MS) {}

  async transcribe(request: TranscriberRequest): Promise<TranscriberOutcome> {
    try {
      const file = await toFile(request.bytes, request.filename, { type: request.mimeType });
      const result = await this.client.audio.transcriptions.create(
        { file, model: request.model, response_format: 'json', ...(request.language ? { language: request.language } : {}) },
        { timeout: this.timeoutMs },
      );
      const billedSeconds = result.usage?.type === 'duration' ? result.usage.seconds : undefined;
      return { ok: true, text: result.text ?? '', billedSeconds };
    } catch (error) {
      return { ok: false, failure: classifyError(error, false, { endpoint: 'transcription', model: request.model }) };
    }
  }
}
