/**
 * Image files built byte by byte: real headers (PNG IHDR, JPEG APP1 + SOF0, GIF logical screen and frames,
 * WebP VP8/VP8L/VP8X) padded to any size, so tests control format, pixel size and file size exactly.
 */

const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
};
const bytes = (...values: number[]) => Uint8Array.from(values);
const text = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const u32be = (n: number) => bytes(n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
const u16be = (n: number) => bytes(n >>> 8, n & 255);
const u16le = (n: number) => bytes(n & 255, n >>> 8);
const u24le = (n: number) => bytes(n & 255, (n >>> 8) & 255, (n >>> 16) & 255);
const u32le = (n: number) => bytes(n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24);
/** Filler up to `total` bytes (a pattern, so it is not all zeros). */
const padTo = (head: Uint8Array, total: number | undefined, tail: Uint8Array = new Uint8Array(0)): Uint8Array => {
  const filler = new Uint8Array(Math.max(0, (total ?? 0) - head.length - tail.length));
  for (let i = 0; i < Math.min(4096, filler.length); i += 1) filler[i] = (i * 31 + 7) & 255;
  for (let done = 4096; done < filler.length; done *= 2) filler.copyWithin(done, 0, done);
  return concat(head, filler, tail);
};

export function craftPng(width: number, height: number, totalBytes?: number): Uint8Array {
  const ihdr = concat(u32be(13), text('IHDR'), u32be(width), u32be(height), bytes(8, 6, 0, 0, 0), u32be(0));
  const end = concat(u32be(0), text('IEND'), u32be(0xae426082));
  return padTo(concat(bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a), ihdr), totalBytes, end);
}

/** A JPEG whose frame header comes after an EXIF segment of `exifBytes` (cameras write up to 64 KB there). */
export function craftJpeg(width: number, height: number, totalBytes?: number, exifBytes = 200): Uint8Array {
  const app1 = concat(bytes(0xff, 0xe1), u16be(exifBytes + 2), new Uint8Array(exifBytes));
  const sof0 = concat(bytes(0xff, 0xc0), u16be(17), bytes(8), u16be(height), u16be(width), bytes(3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1));
  const sos = concat(bytes(0xff, 0xda), u16be(12), bytes(3, 1, 0, 2, 0x11, 3, 0x11, 0, 0x3f, 0));
  return padTo(concat(bytes(0xff, 0xd8), app1, sof0, sos), totalBytes, bytes(0xff, 0xd9));
}

export function craftGif(width: number, height: number, frames = 1): Uint8Array {
  const frame = concat(bytes(0x21, 0xf9, 4, 0, 10, 0, 0, 0), bytes(0x2c), u16le(0), u16le(0), u16le(width), u16le(height), bytes(0), bytes(2, 2, 0x4c, 0x01, 0));
  return concat(text('GIF89a'), u16le(width), u16le(height), bytes(0x80, 0, 0), bytes(0, 0, 0, 255, 255, 255), ...Array.from({ length: frames }, () => frame), bytes(0x3b));
}

export function craftWebp(width: number, height: number, kind: 'VP8' | 'VP8L' | 'VP8X' | 'animated' = 'VP8'): Uint8Array {
  let chunk: Uint8Array;
  if (kind === 'VP8') chunk = concat(text('VP8 '), u32le(10), bytes(0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a), u16le(width), u16le(height));
  else if (kind === 'VP8L') {
    const bits = ((width - 1) & 0x3fff) | (((height - 1) & 0x3fff) << 14);
    chunk = concat(text('VP8L'), u32le(5), bytes(0x2f), u32le(bits >>> 0));
  } else chunk = concat(text('VP8X'), u32le(10), bytes(kind === 'animated' ? 0x02 : 0, 0, 0, 0), u24le(width - 1), u24le(height - 1));
  const body = concat(text('WEBP'), chunk, new Uint8Array(16));
  return concat(text('RIFF'), u32le(body.length), body);
}

/** Not an image: a PDF of `totalBytes` bytes. */
export function craftPdf(totalBytes: number): Uint8Array {
  return padTo(text('%PDF-1.7\n'), totalBytes);
}
