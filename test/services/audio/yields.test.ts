import { afterEach, describe, expect, test, vi } from 'vitest';
import { measureAudio } from '../../../src/services/audio/measure/index.ts';
import type { AudioFormat } from '../../../src/services/audio/limits.ts';
import { craftDenseFlac, craftOggFlac } from '../../support/craftedAudio.ts';

/**
 * How many turns the event loop takes while a file is measured, with a clock that moves 1 ms each time it is read:
 * the yields are then counted by the work done, not by this machine's speed (a reader that never yields gives 0).
 */
async function turnsWhileMeasuring(bytes: Uint8Array, format: AudioFormat): Promise<{ turns: number; measured: Awaited<ReturnType<typeof measureAudio>> }> {
  let now = 0;
  vi.spyOn(performance, 'now').mockImplementation(() => (now += 1));
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

describe('the FLAC and Ogg readers let the event loop run as they scan a large file', () => {
  afterEach(() => vi.restoreAllMocks());

  test('FLAC: 2 MB of 11-byte frames (180,000 headers to check) is scanned in slices, every frame still counted', async () => {
    const file = craftDenseFlac(2_000_000);
    const { turns, measured } = await turnsWhileMeasuring(file.bytes, 'flac');
    expect(measured).toMatchObject({ ok: true, upperSeconds: expect.closeTo(file.trueSeconds, 6) });
    // A clock read every 256 headers, a yield every 9th read: ~78.
    expect(turns).toBeGreaterThan(50);
  });

  test('Ogg/FLAC: 20,000 pages of one frame each are read in slices, every frame still counted', async () => {
    const file = craftOggFlac((20_000 * 4_096) / 8_000, 1);
    const { turns, measured } = await turnsWhileMeasuring(file.bytes, 'ogg');
    expect(measured).toMatchObject({ ok: true, upperSeconds: expect.closeTo(file.trueSeconds, 6) });
    expect(turns).toBeGreaterThan(10);
  });

  test('Ogg/FLAC: packets of 5,000 frames (55 KB each, 80,000 frames) are scanned in slices too', async () => {
    const file = craftOggFlac((80_000 * 4_096) / 8_000, 5_000);
    const { turns, measured } = await turnsWhileMeasuring(file.bytes, 'ogg');
    expect(measured).toMatchObject({ ok: true, upperSeconds: expect.closeTo(file.trueSeconds, 6) });
    expect(turns).toBeGreaterThan(20);
  });
});
