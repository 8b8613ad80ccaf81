import { MAX_TRANSCRIPTION_BYTES } from '../audio/limits.ts';
import { describeFileProblem } from '../audio/problem.ts';
import type { Refusal } from '../budget/ledger.ts';
import { relativeTime } from '../budget/messages.ts';
import { describeFailure, t as failureText } from '../failureMessages.ts';
import { catalogue, type CatalogueLanguage } from '../i18n.ts';
import { formatUsd } from '../pricing/index.ts';
import type { TranscribeResult } from './service.ts';

/** Every transcription text lives in the `transcription` catalogue (locales/<language>/transcription.json). */
export type TranscriptionText =
  | 'tooLarge' | 'empty' | 'notAudio' | 'unsupported' | 'unreadable' | 'downloadFailed' | 'noSpeech' | 'noAudio' | 'attached' | 'badLanguage'
  | 'lengthMismatch' | 'paidFailure' | 'paidBrokenAnswer' | 'lateDelivery' | 'voiceOverBudget' | 'duration.seconds' | 'duration.minutes' | 'duration.hours';

export const text = catalogue<TranscriptionText>('transcription');

/** "45 s", "2 min 5 s", "2 h 0 min" in the reader's language. */
export function duration(seconds: number, language: CatalogueLanguage): string {
  const total = Math.max(1, Math.round(seconds));
  const [h, m, s] = [Math.floor(total / 3600), Math.floor(total / 60) % 60, total % 60];
  if (h > 0) return text('duration.hours', language, { h, m });
  if (m > 0) return text('duration.minutes', language, { m, s });
  return text('duration.seconds', language, { s });
}

const megabytes = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;

/**
 * The plain-words reply for a transcription that produced no text (over budget is the caller's: it differs by place).
 * Only the curated reasons reach people; parser and network details stay in the log.
 */
export function describeTranscriptionFailure(result: Exclude<TranscribeResult, { ok: true } | { reason: 'over_budget' }>, language: CatalogueLanguage, model: string): string {
  switch (result.reason) {
    case 'too_large': return text('tooLarge', language, { size: megabytes(result.size), max: megabytes(MAX_TRANSCRIPTION_BYTES) });
    case 'empty': return text('empty', language);
    case 'not_audio': return text('notAudio', language, { detail: describeFileProblem(result.problem, language) });
    case 'unsupported': return text('unsupported', language, { detail: describeFileProblem(result.problem, language) });
    case 'unreadable': return text('unreadable', language);
    case 'download_failed': return text('downloadFailed', language);
    case 'busy': return failureText('filesBusy', language);
    case 'length_mismatch': return text('lengthMismatch', language, { stated: duration(result.statedSeconds, language), measured: duration(result.measuredSeconds, language) });
    case 'model_failed':
      if (result.chargedMicros === 0) return describeFailure(result.failure, language, model);
      // A server error (a late 5xx, an answer cut short) came back; otherwise none did (a timeout, a lost connection).
      return text(result.failure.kind === 'server_error' ? 'paidBrokenAnswer' : 'paidFailure', language, { amount: formatUsd(result.chargedMicros) });
  }
}

/** The short notice under a voice message whose speaker is over their limit. */
export function voiceOverBudgetNotice(refusal: Refusal, language: CatalogueLanguage): string {
  return text('voiceOverBudget', language, { reset: relativeTime(refusal.resetsAt) });
}
