import { describe, expect, test } from 'vitest';
import { makeWav } from '../../../src/services/audio/wav.ts';

const text = (bytes: Uint8Array, start: number, length: number): string =>
  String.fromCharCode(...bytes.subarray(start, start + length));

/** Samples after the canonical 44-byte header. */
const samplesOf = (wav: Uint8Array): Int16Array => new Int16Array(wav.slice(44).buffer);

describe('makeWav', () => {
  // Field values a decoder relies on, checked against the canonical PCM layout.
  test.each([
    { seconds: 1, sampleRate: 16000 },
    { seconds: 0.5, sampleRate: 8000 },
    { seconds: 2, sampleRate: 44100 },
  ])('header for $seconds s at $sampleRate Hz', ({ seconds, sampleRate }) => {
    const wav = makeWav({ seconds, sampleRate });
    const view = new DataView(wav.buffer);
    const dataBytes = Math.round(seconds * sampleRate) * 2;
    expect(wav.length).toBe(44 + dataBytes);
    expect([text(wav, 0, 4), text(wav, 8, 4), text(wav, 12, 4), text(wav, 36, 4)]).toEqual(['RIFF', 'WAVE', 'fmt ', 'data']);
    expect(view.getUint32(4, true)).toBe(wav.length - 8);
    expect(view.getUint16(20, true)).toBe(1); // PCM
    expect(view.getUint16(22, true)).toBe(1); // mono
    expect(view.getUint32(24, true)).toBe(sampleRate);
    expect(view.getUint32(28, true)).toBe(sampleRate * 2);
    expect(view.getUint16(34, true)).toBe(16);
    expect(view.getUint32(40, true)).toBe(dataBytes);
  });

  test('default is a 440 Hz tone at 16 kHz, loud but not clipped', () => {
    const samples = samplesOf(makeWav({ seconds: 1 }));
    expect(samples.length).toBe(16000);
    const peak = Math.max(...samples.map(Math.abs));
    expect(peak).toBeGreaterThan(0.25 * 0x7fff);
    expect(peak).toBeLessThan(0.5 * 0x7fff);
    // A sine crosses zero upwards once per cycle, so one second holds ~440 upward crossings.
    let rising = 0;
    for (let i = 1; i < samples.length; i++) if (samples[i - 1]! < 0 && samples[i]! >= 0) rising++;
    expect(rising).toBeGreaterThanOrEqual(439);
    expect(rising).toBeLessThanOrEqual(441);
  });

  test('frequency 0 is silence', () => {
    expect(samplesOf(makeWav({ seconds: 0.25, frequency: 0 })).every((s) => s === 0)).toBe(true);
  });
});
