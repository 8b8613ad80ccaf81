/**
 * An AAC track's length from the frames FFmpeg plays in each of its samples (aacFrames.ts), not one frame a
 * sample. The walk yields to the event loop between slices: a 25 MB file takes longer than the bot may block.
 */
import { AAC_RATES, AacFrameCounter, MIN_FRAME_BYTES, type AacStream } from './aacFrames.ts';
import type { SampleRun } from './mp4Samples.ts';

/** The longest the walk holds the event loop before letting other work run (a Discord heartbeat, a defer). */
export const WALK_SLICE_MS = 8;
/** Samples between clock reads (reading the clock costs more than a small sample). */
const CLOCK_EVERY = 64;
/**
 * Past this many frames (48 h at 96 kHz: no 25 MB file plays that long) the rest is bounded by its bytes alone, in
 * closed form: a crafted table listing billions of samples can't hold the bot for minutes, and is refused anyway.
 */
const WALK_CEILING_FRAMES = Math.ceil((48 * 3600 * 96_000) / 1024);

/** Frames by bytes alone: at most one a MIN_FRAME_BYTES, and one for an empty or missing sample. */
const framesBySize = (size: number): number => Math.max(1, Math.ceil(size / MIN_FRAME_BYTES));

/**
 * Seconds an AAC track plays at most: its samples' frames, each of `stream.frameSamples` at the lower of `rate`
 * and any rate an ADTS header inside the samples switches to. `exact`: follow each sample's blocks; otherwise
 * (sample tables FFmpeg would read its own way) bound every sample by its bytes. `extra`: samples listed
 * (stts) with no bytes to read, one frame each.
 */
export async function aacTrackSeconds(b: Uint8Array, stream: AacStream, rate: number, runs: Iterable<SampleRun>, exact: boolean, extra: number): Promise<number> {
  const counter = new AacFrameCounter(stream);
  let bounded = 0;
  let single = extra;
  let since = performance.now();
  let sinceClock = 0;
  for (const run of runs) {
    let offset = run.offset;
    for (let i = 0; i < run.count; i++) {
      if (!exact || counter.frames + bounded > WALK_CEILING_FRAMES) {
        bounded += run.fixed !== undefined ? (run.count - i) * framesBySize(run.fixed) : framesBySize(run.size(i));
        if (run.fixed !== undefined) break;
        continue;
      }
      const size = run.size(i);
      // A sample wholly past the end (a cut-off file) plays nothing; counted as one frame, as before.
      if (offset >= b.length) single += 1;
      else counter.sample(b, offset, Math.min(b.length, offset + size));
      offset += size;
      if (++sinceClock >= CLOCK_EVERY) {
        sinceClock = 0;
        if (performance.now() - since > WALK_SLICE_MS) {
          await new Promise((resolve) => setImmediate(resolve));
          since = performance.now();
        }
      }
    }
  }
  const adts = counter.adtsRateIndex >= 0;
  const frameRate = adts ? Math.min(rate, AAC_RATES[counter.adtsRateIndex]!) : rate;
  // An ADTS header resets the frame length to 1,024; bounded samples may be in any rate the stream switches to.
  const slowest = bounded > 0 ? Math.min(frameRate, AAC_RATES[AAC_RATES.length - 1]!) : frameRate;
  const frameSamples = adts ? 1024 : stream.frameSamples;
  return ((counter.frames + single) * frameSamples) / frameRate + (bounded * 1024) / slowest;
}
