/**
 * A track's length from what the decoder plays in each of its samples' bytes (AAC: aacFrames.ts; FLAC: every frame
 * header in the sample), not one frame a sample. The walk yields to the event loop between slices: a 25 MB file
 * takes longer than the bot may block (see bench/audioMeasure.ts).
 */
import type { SampleRun } from './mp4Samples.ts';
import { Slice } from './slice.ts';

/** A sample's work, for when to read the clock (reading it costs more than a small sample): this plus its bytes. */
const SAMPLE_WORK = 256;
/** Work one Slice step stands for: its clock is read every 256 steps, i.e. every 16 KB of sample work. */
const WORK_A_STEP = 64;
/**
 * Past this many seconds (48 h: no 25 MB file plays that long), or once the samples read add up to more bytes than
 * the file holds (an honest file's samples don't overlap, and each has a byte at least), the rest is bounded by its
 * sizes alone, in closed form: a crafted table listing billions of samples over the same bytes can't hold the bot
 * for minutes, and is refused anyway.
 */
const WALK_CEILING_SECONDS = 48 * 3600;
/**
 * The most work one file's walk may do, in bytes read plus SAMPLE_COST a sample: about twice what the largest honest
 * file takes (25 MB of real AAC frames, one a sample: ~33 million, bench/audioMeasure.ts), ~1.5 s of CPU. Past it the
 * rest is bounded by its sizes: a crafted table of millions of 1-byte samples held the bot 5-13 s before.
 */
export const WALK_BUDGET = 64_000_000;
/** A sample's own cost in bytes read alike: a 1-byte sample takes ~0.7 µs to read, a byte of AAC frame ~25 ns. */
export const SAMPLE_COST = 32;

/** The work one file's walk has left, shared by every track and fragment it walks. */
export class WalkBudget {
  left = WALK_BUDGET;
}

/** What one codec's decoder plays from a sample's bytes. */
export interface SampleCounter {
  /** Adds what the sample at [start, end) of `b` plays (`end` within the file). */
  sample(b: Uint8Array, start: number, end: number): void;
  /** Seconds counted so far. */
  seconds(): number;
  /** At most how long a sample of `size` bytes can play, from its size alone. */
  boundBySize(size: number): number;
  /** What a listed sample with no bytes in the file is counted as (it plays nothing; kept as the old bound). */
  missing(): number;
}

/**
 * Seconds a track plays at most. `exact`: each sample's bytes are read; otherwise (sample tables FFmpeg would read
 * its own way) every sample is bounded by its size. `extra`: samples listed (stts) with no sizes, `missing()` each.
 */
export async function walkSeconds(b: Uint8Array, counter: SampleCounter, runs: Iterable<SampleRun>, exact: boolean, extra: number, budget: WalkBudget): Promise<number> {
  let bounded = extra * counter.missing();
  let walked = 0;
  const slice = new Slice();
  for (const run of runs) {
    let offset = run.offset;
    for (let i = 0; i < run.count; i++) {
      if (!exact || budget.left <= 0 || walked > b.length || counter.seconds() + bounded > WALK_CEILING_SECONDS) {
        if (run.fixed !== undefined) {
          bounded += (run.count - i) * counter.boundBySize(run.fixed);
          break;
        }
        bounded += counter.boundBySize(run.size(i));
        // Listed sizes are bounded one by one: a 25 MB table lists ~6 million, too many for one slice.
        const pause = slice.pause();
        if (pause) await pause;
        continue;
      }
      const size = run.size(i);
      const read = Math.max(1, Math.min(size, b.length - offset)); // the bytes read (none past the end)
      walked += read;
      budget.left -= SAMPLE_COST + read;
      // mov.c's mov_read_packet takes what av_get_packet reads: a sample cut by the file's end is decoded from the
      // bytes there are; one wholly past it ends the stream (EOF) and plays nothing, still counted as before.
      if (offset >= b.length) bounded += counter.missing();
      else counter.sample(b, offset, Math.min(b.length, offset + size));
      offset += size;
      const pause = slice.pause((SAMPLE_WORK + size) / WORK_A_STEP);
      if (pause) await pause;
    }
  }
  return counter.seconds() + bounded;
}
