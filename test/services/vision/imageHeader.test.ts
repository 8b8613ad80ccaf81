import { describe, expect, test } from 'vitest';
import { gifFrameCount, readImageHeader } from '../../../src/services/vision/imageHeader.ts';
import { craftGif, craftJpeg, craftPdf, craftPng, craftWebp } from '../../support/craftedImages.ts';

describe('readImageHeader', () => {
  test.each([
    ['PNG', craftPng(1920, 1080), 'image/png', 1920, 1080],
    ['JPEG after a 60 KB EXIF segment', craftJpeg(4032, 3024, undefined, 60_000), 'image/jpeg', 4032, 3024],
    ['GIF', craftGif(320, 200), 'image/gif', 320, 200],
    ['WebP lossy (VP8)', craftWebp(800, 600, 'VP8'), 'image/webp', 800, 600],
    ['WebP lossless (VP8L)', craftWebp(16383, 2, 'VP8L'), 'image/webp', 16383, 2],
    ['WebP extended (VP8X)', craftWebp(5000, 7000, 'VP8X'), 'image/webp', 5000, 7000],
  ])('%s: format and size from the header', (_name, file, mime, width, height) => {
    expect(readImageHeader(file)).toEqual({ kind: 'image', mime, width, height });
  });

  test('an animated WebP says so', () => {
    expect(readImageHeader(craftWebp(100, 100, 'animated'))).toMatchObject({ kind: 'image', animated: true });
  });

  test.each([
    ['PNG', craftPng(10, 10)],
    ['JPEG', craftJpeg(10, 10, undefined, 5000)],
    ['WebP', craftWebp(10, 10)],
  ])('%s cut before its size asks for more bytes, at every cut', (_name, file) => {
    const whole = readImageHeader(file);
    let firstComplete = -1;
    for (let cut = 0; cut < file.length; cut += 1) {
      const result = readImageHeader(file.subarray(0, cut));
      if (result.kind === 'image') { firstComplete = cut; break; }
      expect(result.kind).toBe('more');
    }
    expect(firstComplete).toBeGreaterThan(0);
    expect(readImageHeader(file.subarray(0, firstComplete))).toEqual(whole);
  });

  test.each([
    ['a PDF', craftPdf(100)],
    ['text', new TextEncoder().encode('hello, this is not an image at all')],
    ['a BMP', Uint8Array.from([0x42, 0x4d, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])],
  ])('%s is not an image', (_name, file) => {
    expect(readImageHeader(file).kind).toBe('not-image');
  });

  test('a first byte matching no format is refused without waiting for more', () => {
    expect(readImageHeader(Uint8Array.from([0x25]))).toEqual({ kind: 'not-image' });
    expect(readImageHeader(Uint8Array.from([0x89, 0x50]))).toEqual({ kind: 'more' });
  });

  test('a zero-sized PNG is broken', () => {
    expect(readImageHeader(craftPng(0, 10)).kind).toBe('broken');
  });
});

describe('gifFrameCount', () => {
  test.each([[1, 1], [2, 2], [5, 2]])('%i frames → %i (stops at the second)', (frames, counted) => {
    expect(gifFrameCount(craftGif(40, 30, frames))).toBe(counted);
  });
});
