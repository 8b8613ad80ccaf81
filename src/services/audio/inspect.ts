import { parseBuffer } from 'music-metadata';
import { FORMAT_EXTENSIONS, FORMAT_MIME_TYPES, MAX_TRANSCRIPTION_BYTES, type AudioFormat } from './limits.ts';
import { sniffFormat } from './sniff.ts';

/** What Discord tells us about an attachment; only a hint, the bytes decide. */
export interface DeclaredAudio {
  filename?: string;
  contentType?: string | null;
  /** Discord voice messages carry `duration_secs`. */
  durationSecs?: number | null;
}

export type AudioInspection =
  | {
      ok: true;
      format: AudioFormat;
      /** Extension for the upload's file name: OpenAI judges the format by it. */
      extension: string;
      mimeType: string;
      /** Whole seconds, rounded up, at least 1 (transcription is billed by duration). */
      durationSeconds: number;
      durationSource: 'declared' | 'metadata' | 'estimated';
    }
  | { ok: false; reason: 'empty' | 'not-audio' | 'unsupported-format' | 'too-large' | 'unreadable'; detail: string };

type Failure = Extract<AudioInspection, { ok: false }>;

/** Checks the bytes of a would-be audio file before it is sent for transcription. Never throws. */
export async function inspectAudio(bytes: Uint8Array, declared: DeclaredAudio = {}): Promise<AudioInspection> {
  try {
    return await inspect(bytes, declared);
  } catch (error) {
    // Sniffing is bounds-checked and parsing is caught below; this is a last guard for the "never throws" promise.
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
  const result = (seconds: number, durationSource: 'declared' | 'metadata' | 'estimated'): AudioInspection => ({
    ok: true,
    format,
    extension,
    mimeType,
    durationSeconds: wholeSeconds(seconds),
    durationSource,
  });

  if (isPositive(declared.durationSecs)) return result(declared.durationSecs, 'declared');

  const duration = await durationFromMetadata(bytes, format, mimeType);
  if ('reason' in duration) return duration;
  return result(duration.seconds, duration.source);
}

/** music-metadata reads the container's own length; failing that, size / bitrate is a fair estimate. */
async function durationFromMetadata(
  bytes: Uint8Array,
  format: AudioFormat,
  mimeType: string,
): Promise<{ seconds: number; source: 'metadata' | 'estimated' } | Failure> {
  let metadata;
  try {
    ({ format: metadata } = await parseBuffer(bytes, { mimeType, size: bytes.length }, { duration: true, skipCovers: true }));
  } catch (error) {
    const detail = `The file looks like ${format} audio but could not be parsed; it may be truncated or damaged (${describe(error)}).`;
    return { ok: false, reason: 'unreadable', detail };
  }
  // `hasAudio` is not consulted: music-metadata reports it true for a video-only MP4 and false for a
  // truncated Ogg, so it would mislabel both. Such files end up without a duration, i.e. unreadable.
  if (isPositive(metadata.duration)) return { seconds: metadata.duration, source: 'metadata' };
  // Whole file size over the bitrate: headers make it a slight overestimate, the safe side for billing.
  if (isPositive(metadata.bitrate)) return { seconds: (bytes.length * 8) / metadata.bitrate, source: 'estimated' };
  const detail = `The file looks like ${format} audio but its length could not be determined; it may be truncated or damaged.`;
  return { ok: false, reason: 'unreadable', detail };
}

const isPositive = (n: number | null | undefined): n is number => typeof n === 'number' && Number.isFinite(n) && n > 0;

/** Round up, but forgive float noise (3.0000000001 s is 3 s), and never report 0 s. */
const wholeSeconds = (seconds: number): number => Math.max(1, Math.ceil(seconds - 1e-6));

const megabytes = (n: number): string => `${(n / (1024 * 1024)).toFixed(1)} MB`;

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));
