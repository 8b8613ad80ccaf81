import { afterEach, describe, expect, test, vi } from 'vitest';
import { measureAudio } from '../../../src/services/audio/measure/index.ts';
import { turnsWhileMeasuring } from '../../support/measureTurns.ts';
import { craftDenseFlac, craftFalseOggPages, craftMp3, craftOggFlac, craftWebmVorbis } from '../../support/craftedAudio.ts';


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

  test('WebM: 20,000 Vorbis blocks are read in slices, every block still counted', async () => {
    const file = craftWebmVorbis(20_000);
    const { turns, measured } = await turnsWhileMeasuring(file.bytes, 'webm');
    expect(measured).toMatchObject({ ok: true, codec: 'webm/A_VORBIS' });
    expect(measured.ok && measured.upperSeconds).toBeGreaterThanOrEqual(file.trueSeconds);
    // ~40,000 elements and 20,000 blocks, a clock read every 256: ~25 yields.
    expect(turns).toBeGreaterThan(10);
  });
});

describe('MP3 and MP3 in WAV: bytes that are no frames are stepped over in slices', () => {
  afterEach(() => vi.restoreAllMocks());

  test('a frame, then 2 MB that are no frames (2 million one-byte steps): yields, and the stray bytes still bound the length', async () => {
    const head = craftMp3(1, 1).bytes;
    const bytes = new Uint8Array(head.length + 2_000_000);
    bytes.set(head);
    const { turns, measured } = await turnsWhileMeasuring(bytes, 'mp3');
    // 2,000,000 bytes at 8 kbit/s, the lowest MPEG audio bitrate: 2,000 s.
    expect(measured.ok && measured.upperSeconds).toBeGreaterThan(2_000);
    // A clock read every 256 steps, a yield every 9th read: ~870.
    expect(turns).toBeGreaterThan(50);
  });
});

describe('Ogg: pages whose CRC fails are summed only up to a budget', () => {
  test('false capture patterns every 282 bytes (each a 65 KB page to sum) are refused as damaged, not summed 230 MB deep', async () => {
    // 1 MB: ~3,500 false pages of 65 KB each, 230 MB to sum (a 25 MB file: 5.8 GB, 24 s of CPU). Refused at 32 MiB.
    const measured = await measureAudio(craftFalseOggPages(1_000_000), 'ogg');
    expect(measured).toMatchObject({ ok: false, reason: 'unreadable', detail: expect.stringMatching(/checksum/) });
  });

  test('an honest file whose every page was damaged still just holds no intact pages (the budget is not what refuses it)', async () => {
    const file = craftOggFlac(100, 1).bytes.slice();
    for (let at = file.indexOf(0x4f); at >= 0; at = file.indexOf(0x4f, at + 1)) if (file[at + 1] === 0x67 && file[at + 2] === 0x67) file[at + 22] = (file[at + 22] ?? 0) ^ 0xff; // every CRC wrong
    expect(await measureAudio(file, 'ogg')).toMatchObject({ ok: false, reason: 'unreadable', detail: expect.stringMatching(/no intact pages/) });
  });
});
