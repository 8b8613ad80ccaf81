import { vi } from 'vitest';
import type { AudioFormat } from '../../src/services/audio/limits.ts';
import { measureAudio } from '../../src/services/audio/measure/index.ts';

/**
 * How many turns the event loop takes while a file is measured. With `fakeClock` (the default) the clock moves 1 ms
 * each time it is read, so the yields are counted by the work done, not by this machine's speed (a reader that never
 * yields gives 0); the caller restores it (`vi.restoreAllMocks()`).
 */
export async function turnsWhileMeasuring(bytes: Uint8Array, format: AudioFormat, options: { fakeClock?: boolean } = {}): Promise<{ turns: number; measured: Awaited<ReturnType<typeof measureAudio>> }> {
  if (options.fakeClock ?? true) {
    let now = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => (now += 1));
  }
  let turns = 0;
  let ticking = true;
  const tick = (): void => {
    turns++;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  const measured = await measureAudio(bytes, format);
  ticking = false;
  return { turns, measured };
}
