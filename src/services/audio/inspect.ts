import { FORMAT_EXTENSIONS, FORMAT_MIME_TYPES, MAX_TRANSCRIPTION_BYTES, type AudioFormat } from './limits.ts';
import { measureAudio } from './measure/index.ts';
import type { FileProblem } from './problem.ts';
import { sniffFormat } from './sniff.ts';

/** What Discord tells us about an attachment; only a hint, the bytes decide. */
export interface DeclaredAudio {
  filename?: string;
  contentType?: string | null;
  /** Discord voice messages carry `duration_secs`. */
  durationSecs?: number | null;
}

/**
 * A stated length (the file's header, or Discord's `duration_secs`) contradicts the bytes when one is more than
 * this many times the other AND further apart than the slack below. Honest files differ from their measured
 * length by encoder priming and padding, a lost last page or a rounded figure: a fraction of a second.
 */
export const LENGTH_MISMATCH_RATIO = 1.5;
/**
 * Short clips differ by large ratios over rounding alone (0.6 s stated as 1 s); under 5 s apart nothing is
 * refused, and the reservation takes the longer figure anyway, so at most 5 s more is held.
 */
export const LENGTH_MISMATCH_SLACK_SECONDS = 5;

export type AudioInspection =
  | {
      ok: true;
      format: AudioFormat;
      /** Extension for the upload's file name: OpenAI judges the format by it. */
      extension: string;
      mimeType: string;
      /**
       * Whole seconds to reserve for, at least 1: the measured bound, or a stated length when larger (then within
       * the tolerance above). Never lowered by what the file or Discord says.
       */
      durationSeconds: number;
      /** The bound measured from the audio stream itself, before rounding. */
      measuredSeconds: number;
      durationSource: 'measured' | 'declared' | 'metadata';
      codec: string;
    }
  | { ok: false; reason: 'empty' | 'too-large' | 'unreadable'; detail: string }
  /** `problem`: why, in words for the member (the `transcription` catalogue's `file.*` texts). */
  | { ok: false; reason: 'not-audio' | 'unsupported-format'; detail: string; problem: FileProblem }
  | { ok: false; reason: 'length-mismatch'; detail: string; statedSeconds: number; measuredSeconds: number };

/** Checks the bytes of a would-be audio file before it is sent for transcription. Never throws. */
export async function inspectAudio(bytes: Uint8Array, declared: DeclaredAudio = {}): Promise<AudioInspection> {
  try {
    return await inspect(bytes, declared);
  } catch (error) {
    // Sniffing and measuring are bounds-checked and parsing is caught below; a last guard for "never throws".
    return { ok: false, reason: 'unreadable', detail: `The file could not be read (${describe(error)}).` };
  }
}

async function inspect(bytes: Uint8Array, declared: DeclaredAudio): Promise<AudioInspection> {
  if (bytes.length === 0) return { ok: false, reason: 'empty', detail: 'The file is empty.' };
  if (bytes.length > MAX_TRANSCRIPTION_BYTES) {
    const detail = `The file is ${megabytes(bytes.length)}; the limit is ${megabytes(MAX_TRANSCRIPTION_BYTES)}.`;
    return { ok: false, reason: 'too-large', detail };
  }
  const sniffed = sniffFormat(bytes);
  if (!sniffed.ok) return sniffed;

  const { format } = sniffed;
  const mimeType = FORMAT_MIME_TYPES[format];
  // Keep the uploader's extension when it honestly names this container (.oga, .m4a, .mpga...), else use ours.
  const declaredExtension = declared.filename?.toLowerCase().match(/\.([a-z0-9]+)$/)?.[1];
  const extension = FORMAT_EXTENSIONS[format].find((ext) => ext === declaredExtension) ?? sniffed.extension;

  const measured = await measureAudio(bytes, format);
  if (!measured.ok) return measured;
  const { lowerSeconds, upperSeconds, codec, statedSeconds: granuleSeconds } = measured;

  let durationSeconds = upperSeconds;
  let durationSource: 'measured' | 'declared' | 'metadata' = 'measured';
  const stated: Array<['declared' | 'metadata', number | undefined]> = [
    ['declared', isPositive(declared.durationSecs) ? declared.durationSecs : undefined],
    ['metadata', await headerSeconds(bytes, mimeType)],
    ['metadata', granuleSeconds],
  ];
  for (const [source, seconds] of stated) {
    if (seconds === undefined) continue;
    const mismatch = contradiction(seconds, lowerSeconds, upperSeconds);
    if (mismatch) return { ok: false, reason: 'length-mismatch', detail: `${source === 'declared' ? 'Discord states' : 'The file header states'} ${mismatch}`, statedSeconds: seconds, measuredSeconds: upperSeconds };
    if (seconds > durationSeconds) [durationSeconds, durationSource] = [seconds, source];
  }
  return { ok: true, format, extension, mimeType, durationSeconds: wholeSeconds(durationSeconds), measuredSeconds: upperSeconds, durationSource, codec };
}

/** Whether a stated length and the measured range disagree by a wide margin, described for the log. */
function contradiction(stated: number, lower: number, upper: number): string | undefined {
  const wide = (big: number, small: number) => big > small * LENGTH_MISMATCH_RATIO && big - small > LENGTH_MISMATCH_SLACK_SECONDS;
  if (wide(stated, upper)) return `${stated.toFixed(1)} s, but the audio stream holds at most ${upper.toFixed(1)} s.`;
  if (wide(lower, stated)) return `${stated.toFixed(1)} s, but the audio stream holds at least ${lower.toFixed(1)} s.`;
  return undefined;
}

/** The length the container states about itself (music-metadata reads it); only checked against the bytes. */
async function headerSeconds(bytes: Uint8Array, mimeType: string): Promise<number | undefined> {
  try {
    // Loaded on the first audio file, not at start-up: it costs ~80 ms and a few MB the bot rarely needs.
    const { parseBuffer } = await import('music-metadata');
    const { format } = await parseBuffer(bytes, { mimeType, size: bytes.length }, { duration: false, skipCovers: true });
    return isPositive(format.duration) ? format.duration : undefined;
  } catch {
    return undefined; // a header music-metadata can't read states nothing; the measurement stands alone
  }
}

const isPositive = (n: number | null | undefined): n is number => typeof n === 'number' && Number.isFinite(n) && n > 0;

/** Round up, but forgive float noise (3.0000000001 s is 3 s), and never report 0 s. */
const wholeSeconds = (seconds: number): number => Math.max(1, Math.ceil(seconds - 1e-6));

const megabytes = (n: number): string => `${(n / (1024 * 1024)).toFixed(1)} MB`;

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));
