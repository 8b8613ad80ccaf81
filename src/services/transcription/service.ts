import type { Logger } from '../../logger.ts';
import { downloadAttachment } from '../audio/download.ts';
import { inspectAudio } from '../audio/inspect.ts';
import { DOWNLOAD_TIMEOUT_MS, MAX_TRANSCRIPTION_BYTES } from '../audio/limits.ts';
import type { Ledger, Payer, Refusal } from '../budget/ledger.ts';
import { logModelFailure, type ModelFailure } from '../openai/failures.ts';
import type { Pricing } from '../pricing/index.ts';
import type { AudioSource } from './audioAttachment.ts';
import type { Transcriber, TranscriberOutcome } from './transcriber.ts';

/** A transcription model missing from the price table is charged like this one, the dearest built-in per minute. */
export const AUDIO_FALLBACK_PRICE_MODEL = 'whisper-1';

export interface TranscribeRequest {
  audio: AudioSource;
  payer: Payer;
  /** The ledger's name for what was used. */
  command: 'transcribe' | 'transcribe-menu' | 'voice-message';
  /** ISO-639-1 hint. */
  language?: string;
  log: Logger;
}

export type TranscribeResult =
  | { ok: true; text: string; seconds: number; chargedMicros: number }
  | { ok: false; reason: 'too_large'; size: number }
  | { ok: false; reason: 'download_failed'; detail: string }
  | { ok: false; reason: 'empty' | 'not_audio' | 'unsupported' | 'unreadable'; detail: string }
  | { ok: false; reason: 'over_budget'; refusal: Refusal }
  | { ok: false; reason: 'model_failed'; failure: ModelFailure };

export interface TranscriptionDependencies {
  transcriber: Transcriber;
  ledger: Ledger;
  pricing: Pricing;
  model: string;
  /** Injected in tests. */
  fetch?: typeof fetch;
}

/** The sender's file name with the extension that matches its bytes (the API judges the format by it). */
function uploadName(filename: string, extension: string): string {
  const stem = filename.replace(/\.[^.]*$/, '').slice(0, 100);
  return `${stem || 'audio'}.${extension}`;
}

const INSPECTION_REASONS = { empty: 'empty', 'not-audio': 'not_audio', 'unsupported-format': 'unsupported', unreadable: 'unreadable', 'too-large': 'too_large' } as const;

/** One attachment to text: size check → download → check the bytes → reserve → transcribe → settle or release. */
export class TranscriptionService {
  private readonly warnedUnpriced = new Set<string>();
  /**
   * Whether voice messages are transcribed automatically: 'off' without VOICE_TRANSCRIPTION, 'intent-refused'
   * when Discord refused the Message Content intent at login (attachments then arrive blank).
   */
  automatic: 'on' | 'off' | 'intent-refused' = 'off';

  constructor(private readonly deps: TranscriptionDependencies) {}

  get model(): string {
    return this.deps.model;
  }

  async transcribe(request: TranscribeRequest): Promise<TranscribeResult> {
    const { audio, log } = request;
    const { model, ledger } = this.deps;
    if (audio.size > MAX_TRANSCRIPTION_BYTES) return { ok: false, reason: 'too_large', size: audio.size };
    // Someone already over their limit is told before the file is downloaded (voice messages declare their length).
    const early = ledger.precheck(request.payer, this.price(Math.max(1, Math.ceil(audio.durationSecs ?? 1)), log));
    if (early) {
      log.info({ refusal: early }, 'refused before download: over budget');
      return { ok: false, reason: 'over_budget', refusal: early };
    }
    const download = await downloadAttachment(audio.url, {
      maxBytes: MAX_TRANSCRIPTION_BYTES, timeoutMs: DOWNLOAD_TIMEOUT_MS, declaredSize: audio.size, fetch: this.deps.fetch,
    });
    if (!download.ok) {
      log.warn({ reason: download.reason, detail: download.detail }, 'attachment download failed');
      return download.reason === 'too-large' ? { ok: false, reason: 'too_large', size: audio.size } : { ok: false, reason: 'download_failed', detail: download.detail };
    }
    const audioFile = await this.inspect(download.bytes, audio);
    if (!audioFile.ok) {
      log.info({ reason: audioFile.reason, detail: audioFile.detail, filename: audio.filename }, 'attachment is not audio the API takes');
      const reason = INSPECTION_REASONS[audioFile.reason];
      return reason === 'too_large' ? { ok: false, reason, size: download.bytes.length } : { ok: false, reason, detail: audioFile.detail };
    }
    const billed = (outcome: Extract<TranscriberOutcome, { ok: true }>) => Math.ceil(outcome.billedSeconds ?? audioFile.seconds);
    const paid = await ledger.pay(
      request.payer, { command: request.command, model, worstCaseMicros: this.price(audioFile.seconds, log) },
      () => this.deps.transcriber.transcribe({
        bytes: download.bytes, filename: uploadName(audio.filename, audioFile.extension), mimeType: audioFile.mimeType, model, language: request.language,
      }),
      (outcome) => (outcome.ok ? { chargedMicros: this.price(billed(outcome), log), units: billed(outcome) } : null),
    );
    if (!paid.ok) {
      log.info({ refusal: paid.refusal }, 'refused: over budget');
      return { ok: false, reason: 'over_budget', refusal: paid.refusal };
    }
    const outcome = paid.result;
    if (!outcome.ok) {
      logModelFailure(log, outcome.failure, 'transcription');
      return { ok: false, reason: 'model_failed', failure: outcome.failure };
    }
    const seconds = billed(outcome);
    const chargedMicros = this.price(seconds, log);
    log.debug({ seconds, chargedMicros, chars: outcome.text.length }, 'transcribed');
    return { ok: true, text: outcome.text, seconds, chargedMicros };
  }

  /**
   * The bytes decide the format. Duration: the file's own metadata, or Discord's `duration_secs` when larger
   * (that one is written by the sender's client, so it alone is not trusted to lower the price).
   */
  private async inspect(bytes: Uint8Array, audio: AudioSource) {
    const declared = { filename: audio.filename, contentType: audio.contentType };
    let inspection = await inspectAudio(bytes, declared);
    if (!inspection.ok && inspection.reason === 'unreadable' && audio.durationSecs) {
      inspection = await inspectAudio(bytes, { ...declared, durationSecs: audio.durationSecs });
    }
    if (!inspection.ok) return inspection;
    const seconds = Math.max(inspection.durationSeconds, Math.ceil(audio.durationSecs ?? 0));
    return { ...inspection, seconds };
  }

  private price(seconds: number, log: Logger): number {
    const { pricing, model } = this.deps;
    const cost = pricing.audioCost(model, seconds);
    if (cost.known) return cost.micros;
    if (!this.warnedUnpriced.has(model)) {
      this.warnedUnpriced.add(model);
      log.warn({ model, chargedAs: AUDIO_FALLBACK_PRICE_MODEL }, 'no audio price for TRANSCRIBE_MODEL; add one to PRICING_FILE');
    }
    const fallback = pricing.audioCost(AUDIO_FALLBACK_PRICE_MODEL, seconds);
    return fallback.known ? fallback.micros : 0;
  }
}
