import { problemOf, type FileProblem, type UnsupportedKind } from '../problem.ts';

/**
 * How long the audio in a file plays, measured from the stream itself (frames, packets, sample tables),
 * never from a duration the file states about itself. `upperSeconds` is at least what a decoder plays;
 * `lowerSeconds` is what is certainly there (equal to the upper bound when the format allows an exact count).
 */
export type Measurement =
  | {
      ok: true;
      lowerSeconds: number;
      upperSeconds: number;
      codec: string;
      /** The length the stream's own bookkeeping states (Ogg/Opus: the last granule position), checked, never trusted. */
      statedSeconds?: number;
    }
  | { ok: false; reason: 'unsupported-format'; detail: string; problem: FileProblem }
  | { ok: false; reason: 'unreadable'; detail: string };

export type MeasureFailure = Extract<Measurement, { ok: false }>;

export const unreadable = (detail: string): MeasureFailure => ({ ok: false, reason: 'unreadable', detail });
export const unsupported = (kind: UnsupportedKind, values?: Record<string, string>): MeasureFailure => problemOf('unsupported-format', { key: `unsupported.${kind}`, values });

/** Running lower and upper sums in seconds (float error is nanoseconds against whole-second billing). */
export class Tally {
  lower = 0;
  upper = 0;
  add(lowerSeconds: number, upperSeconds = lowerSeconds): void {
    this.lower += lowerSeconds;
    this.upper += upperSeconds;
  }
  result(codec: string): Measurement {
    return { ok: true, lowerSeconds: this.lower, upperSeconds: this.upper, codec };
  }
}

export const u16be = (b: Uint8Array, i: number): number => ((b[i] ?? 0) << 8) | (b[i + 1] ?? 0);
export const u32be = (b: Uint8Array, i: number): number => (((b[i] ?? 0) << 24) >>> 0) + (((b[i + 1] ?? 0) << 16) | ((b[i + 2] ?? 0) << 8) | (b[i + 3] ?? 0));
export const u16le = (b: Uint8Array, i: number): number => (b[i] ?? 0) | ((b[i + 1] ?? 0) << 8);
export const u32le = (b: Uint8Array, i: number): number => u16le(b, i) + u16le(b, i + 2) * 0x10000;
/** `n` bytes as Latin-1 (fewer past the end). Read once a box or chunk: no subarray and spread, which cost the most of a walk. */
export const ascii = (b: Uint8Array, i: number, n: number): string => {
  let s = '';
  for (let k = Math.max(0, i), end = Math.min(b.length, i + n); k < end; k++) s += String.fromCharCode(b[k]!);
  return s;
};
