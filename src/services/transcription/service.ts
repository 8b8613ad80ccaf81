import type { Logger } from '../../logger.ts';
import type { FileProblem } from '../audio/problem.ts';
import { downloadAttachment, noRoom, type NoRoom } from '../discord/attachmentDownload.ts';
import type { DownloadGate } from '../discord/downloadGate.ts';
import { inspectAudio } from '../audio/inspect.ts';
import { DOWNLOAD_TIMEOUT_MS, MAX_TRANSCRIPTION_BYTES, REPLY_MARGIN_MS } from '../audio/limits.ts';
import type { Ledger, Payer, Refusal } from '../budget/ledger.ts';
import { INTERACTION_TOKEN_LIFETIME_MS } from '../discord/limits.ts';
import { logModelFailure, MISSING_ROUTE_RECHECK_MS, type ModelFailure } from '../openai/failures.ts';
import type { Pricing } from '../pricing/index.ts';
import type { AudioSource } from './audioAttachment.ts';
import { tokenWorstCase } from './reservation.ts';
import { MIN_RETRY_WINDOW_MS, type Transcriber, type TranscriberOutcome } from './transcriber.ts';

/** A transcription model missing from the price table is charged like this one, the dearest built-in per minute. */
export const AUDIO_FALLBACK_PRICE_MODEL = 'whisper-1';

export interface TranscribeRequest {
  audio: AudioSource;
  payer: Payer;
  /** The ledger's name for what was used. */
  command: 'transcribe' | 'transcribe-menu' | 'voice-message';
  /** ISO-639-1 hint. */
  language?: string;
  /**
   * Epoch ms by which the download and every attempt must be over: an interaction's creation plus its token's
   * 15 minutes, less time to post the reply. Default: that budget from now (a voice message has no token).
   */
  deadline?: number;
  log: Logger;
}

export type TranscribeResult =
  | { ok: true; text: string; chargedMicros: number }
  | { ok: false; reason: 'too_large'; size: number }
  /** Why stays in the log: Discord's status line or the network error is no reading for a member. */
  | { ok: false; reason: 'download_failed' }
  /** Too many files in memory: no room came within the wait. Nothing was downloaded, reserved or sent. */
  | NoRoom
  | { ok: false; reason: 'empty' | 'unreadable'; detail: string }
  | { ok: false; reason: 'not_audio' | 'unsupported'; detail: string; problem: FileProblem }
  | { ok: false; reason: 'length_mismatch'; statedSeconds: number; measuredSeconds: number }
  | { ok: false; reason: 'over_budget'; refusal: Refusal }
  | { ok: false; reason: 'model_failed'; failure: ModelFailure; /** charged although no text came back (0: released) */ chargedMicros: number };

export interface TranscriptionDependencies {
  transcriber: Transcriber;
  ledger: Ledger;
  pricing: Pricing;
  model: string;
  /** A model without a price is refused instead of charged like whisper-1 (UNPRICED_MODELS). */
  refuseUnpriced?: boolean;
  /** The process's bound on files held in memory. */
  downloads: DownloadGate;
  /** Injected in tests. */
  fetch?: typeof fetch;
}

/** The sender's file name with the extension that matches its bytes (the API judges the format by it). */
function uploadName(filename: string, extension: string): string {
  const stem = filename.replace(/\.[^.]*$/, '').slice(0, 100);
  return `${stem || 'audio'}.${extension}`;
}

const INSPECTION_REASONS = { empty: 'empty', 'not-audio': 'not_audio', 'unsupported-format': 'unsupported', unreadable: 'unreadable' } as const;

type Settlement = { chargedMicros: number; inputTokens?: number; outputTokens?: number; units?: number };

/** One attachment to text: size check → download → measure the bytes → reserve → transcribe → settle what was billed. */
export class TranscriptionService {
  private readonly warnedUnpriced = new Set<string>();
  /**
   * Whether voice messages are transcribed automatically: 'off' without VOICE_TRANSCRIPTION, 'intent-refused'
   * when Discord refused the Message Content intent at login (attachments then arrive blank).
   */
  automatic: 'on' | 'off' | 'intent-refused' = 'off';
  /** Until when (epoch ms) voice messages are skipped: the AI service answered that it has no transcription route. */
  private missingRouteUntil = 0;

  constructor(private readonly deps: TranscriptionDependencies) {}

  get model(): string {
    return this.deps.model;
  }

  get transcriber(): Transcriber {
    return this.deps.transcriber;
  }

  /** Whether voice messages are skipped at `now`: the AI service said it has no transcription route, and it is not yet time to ask again. */
  routeMissing(now: number): boolean {
    return now < this.missingRouteUntil;
  }

  async transcribe(request: TranscribeRequest): Promise<TranscribeResult> {
    const { audio, log } = request;
    const { model, ledger } = this.deps;
    const deadline = request.deadline ?? Date.now() + INTERACTION_TOKEN_LIFETIME_MS - REPLY_MARGIN_MS;
    if (audio.size > MAX_TRANSCRIPTION_BYTES) return { ok: false, reason: 'too_large', size: audio.size };
    // Charged like whisper-1, a dearer model would pass every limit in real dollars: nothing is downloaded or sent.
    if (this.deps.refuseUnpriced && !this.deps.pricing.audioCost(model, 1).known && !this.deps.pricing.audioTokenPrice(model)) {
      log.warn({ model }, 'TRANSCRIBE_MODEL has no price (add it to PRICING_FILE, or set UNPRICED_MODELS=fallback): not sent');
      return { ok: false, reason: 'model_failed', failure: { kind: 'unpriced', model, setBy: 'operator' }, chargedMicros: 0 };
    }
    // Someone already over their limit is told before the file is downloaded (voice messages declare their length).
    const early = ledger.precheck(request.payer, this.worstCase(Math.max(1, audio.durationSecs ?? 1), log));
    if (early) {
      log.info({ refusal: early }, 'refused before download: over budget');
      return { ok: false, reason: 'over_budget', refusal: early };
    }
    // The download's timeout runs from when its room is given; the wait for room leaves it whole before the deadline,
    // and a transcription's window after it: one sent with seconds left would time out, and a timeout is paid.
    const download = await downloadAttachment(audio.url, {
      maxBytes: MAX_TRANSCRIPTION_BYTES, timeoutMs: Math.max(1, Math.min(DOWNLOAD_TIMEOUT_MS, deadline - Date.now())), declaredSize: audio.size, fetch: this.deps.fetch,
      gate: { gate: this.deps.downloads, waitMs: deadline - Date.now() - DOWNLOAD_TIMEOUT_MS - MIN_RETRY_WINDOW_MS },
    });
    if (!download.ok) {
      if (download.reason === 'busy') return noRoom(download, 'audio', log);
      log.warn({ reason: download.reason, detail: download.detail }, 'attachment download failed');
      return download.reason === 'too-large' ? { ok: false, reason: 'too_large', size: audio.size } : { ok: false, reason: 'download_failed' };
    }
    // The bytes stay in memory until the upload is over: the room is given back then, on every path.
    try {
      return await this.measureAndSend(request, download.bytes, deadline);
    } finally {
      download.release();
    }
  }

  /** Measure the downloaded bytes → reserve → transcribe → settle what was billed. */
  private async measureAndSend(request: TranscribeRequest, bytes: Uint8Array, deadline: number): Promise<TranscribeResult> {
    const { audio, log } = request;
    const { model, ledger } = this.deps;
    const file = await inspectAudio(bytes, { filename: audio.filename, contentType: audio.contentType, durationSecs: audio.durationSecs });
    if (!file.ok) {
      log.info({ reason: file.reason, detail: file.detail, filename: audio.filename }, 'attachment is not audio the bot can send');
      if (file.reason === 'too-large') return { ok: false, reason: 'too_large', size: bytes.length };
      if (file.reason === 'length-mismatch') return { ok: false, reason: 'length_mismatch', statedSeconds: file.statedSeconds, measuredSeconds: file.measuredSeconds };
      if (file.reason === 'not-audio' || file.reason === 'unsupported-format') return { ok: false, reason: INSPECTION_REASONS[file.reason], detail: file.detail, problem: file.problem };
      return { ok: false, reason: INSPECTION_REASONS[file.reason], detail: file.detail };
    }
    const reserved = this.worstCase(file.durationSeconds, log);
    log.debug({ codec: file.codec, measuredSeconds: file.measuredSeconds, reservedSeconds: file.durationSeconds, source: file.durationSource, reserved }, 'audio measured');
    let settlement: Settlement | undefined;
    const paid = await ledger.pay(
      request.payer, { command: request.command, model, worstCaseMicros: reserved },
      () => this.deps.transcriber.transcribe({
        bytes, filename: uploadName(audio.filename, file.extension), mimeType: file.mimeType, model, language: request.language, deadline,
      }),
      (outcome) => (settlement = this.settlement(outcome, reserved, file.durationSeconds, log)) ?? null,
    );
    if (!paid.ok) {
      log.info({ refusal: paid.refusal }, 'refused: over budget');
      return { ok: false, reason: 'over_budget', refusal: paid.refusal };
    }
    const outcome = paid.result;
    if (!outcome.ok) {
      logModelFailure(log, outcome.failure, 'transcription');
      if (outcome.failure.kind === 'endpoint_missing') {
        this.missingRouteUntil = Date.now() + MISSING_ROUTE_RECHECK_MS;
        log.warn({ recheckMs: MISSING_ROUTE_RECHECK_MS }, 'the AI service has no transcription endpoint: voice messages are skipped until it is asked again');
      }
      // TRANSCRIBE_MODEL is the host's (.env), not a server admin's: a missing model names them.
      const failure = outcome.failure.kind === 'model_not_found' ? { ...outcome.failure, setBy: 'operator' as const } : outcome.failure;
      return { ok: false, reason: 'model_failed', failure, chargedMicros: settlement?.chargedMicros ?? 0 };
    }
    // A transcript came back (a /transcribe, which never skips): the route is there, voice messages need not wait.
    this.missingRouteUntil = 0;
    const chargedMicros = settlement?.chargedMicros ?? 0;
    log.debug({ usage: outcome.usage, chargedMicros, attempts: outcome.attempts, chars: outcome.text.length }, 'transcribed');
    return { ok: true, text: outcome.text, chargedMicros };
  }

  /**
   * What to charge: the usage OpenAI reports, priced from the table. A transcription that may have been billed
   * but reported nothing (no readable usage, a timeout, a dropped connection) is charged its full reservation,
   * which bounds what OpenAI can bill; only a call OpenAI surely did not bill is released.
   */
  private settlement(outcome: TranscriberOutcome, reserved: number, seconds: number, log: Logger): Settlement | undefined {
    if (!outcome.ok) {
      if (!outcome.mayBeBilled) return undefined;
      log.warn({ failure: outcome.failure, chargedMicros: reserved }, 'transcription may have been billed without an answer: charged its reservation');
      return { chargedMicros: reserved, units: seconds };
    }
    const { usage } = outcome;
    let charged: Settlement | undefined;
    if (usage?.type === 'duration') {
      const billedSeconds = Math.ceil(usage.seconds);
      charged = { chargedMicros: this.perMinute(billedSeconds, log), units: billedSeconds };
    } else if (usage?.type === 'tokens') {
      const cost = this.deps.pricing.audioTokenCost(this.deps.model, usage);
      if (cost.known) charged = { chargedMicros: cost.micros, inputTokens: usage.audioTokens + usage.textTokens, outputTokens: usage.outputTokens };
    }
    if (!charged) {
      log.warn({ usage, chargedMicros: reserved }, 'transcription usage missing or unpriced: charged its reservation');
      return { chargedMicros: reserved, units: seconds };
    }
    if (charged.chargedMicros > reserved) log.warn({ usage, reserved, charged: charged.chargedMicros }, 'OpenAI billed more than the reservation; check the audio bounds');
    return charged;
  }

  /** The most `seconds` of audio can cost: the per-minute price, or for a token-billed model its token bound if larger. */
  private worstCase(seconds: number, log: Logger): number {
    const perMinute = this.perMinute(seconds, log);
    const tokenPrice = this.deps.pricing.audioTokenPrice(this.deps.model);
    return tokenPrice ? Math.max(perMinute, tokenWorstCase(tokenPrice, seconds)) : perMinute;
  }

  private perMinute(seconds: number, log: Logger): number {
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
