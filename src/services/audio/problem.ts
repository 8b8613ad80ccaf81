import { t, type CatalogueLanguage } from '../i18n.ts';

/** What a file that is not audio turned out to be. */
export type NotAudioKind = 'png' | 'jpeg' | 'gif' | 'webp' | 'heif' | 'pdf' | 'zip' | 'avi' | 'theora' | 'riff' | 'iff' | 'text' | 'unknown';
/** Audio the transcription API does not take: a named format, or a container holding the wrong streams. */
export type UnsupportedKind = 'format' | 'wavCodec' | 'oggOther' | 'oggNone' | 'webmOther' | 'webmNone' | 'mp4None';

/**
 * Why a file can't be transcribed, told to the member in their language: a `file.*` text of the `transcription`
 * catalogue and its values (format names and codes stay as the file gives them).
 */
export interface FileProblem {
  key: `notAudio.${NotAudioKind}` | `unsupported.${UnsupportedKind}`;
  values?: Record<string, string>;
}

export function describeFileProblem(problem: FileProblem, language: CatalogueLanguage): string {
  return t(language, 'transcription', `file.${problem.key}`, problem.values);
}

/** A refusal with its reason for the member and, for the log, the same reason in English. */
export function problemOf<R extends string>(reason: R, problem: FileProblem): { ok: false; reason: R; detail: string; problem: FileProblem } {
  return { ok: false, reason, detail: describeFileProblem(problem, 'en'), problem };
}
