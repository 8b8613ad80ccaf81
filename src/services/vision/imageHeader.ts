/**
 * What an image's first bytes say: its format (by magic bytes, never by name or declared type) and its
 * size in pixels, read from the header (PNG IHDR, JPEG SOF, GIF logical screen, WebP VP8/VP8L/VP8X).
 * Pricing needs the size before the download ends, so each reader answers `more` until it has enough.
 */

/** The formats OpenAI's vision input accepts (platform.openai.com/docs/guides/images-vision, "Image input requirements"). */
export type ImageMime = 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp';

export type HeaderResult =
  | { kind: 'image'; mime: ImageMime; width: number; height: number; animated?: true }
  | { kind: 'more' }
  | { kind: 'not-image' }
  | { kind: 'broken' };

const MORE: HeaderResult = { kind: 'more' };
const BROKEN: HeaderResult = { kind: 'broken' };

const u16be = (b: Uint8Array, at: number) => (b[at]! << 8) | b[at + 1]!;
const u16le = (b: Uint8Array, at: number) => b[at]! | (b[at + 1]! << 8);
const u24le = (b: Uint8Array, at: number) => b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16);
const u32be = (b: Uint8Array, at: number) => ((b[at]! << 24) >>> 0) + ((b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!);
const ascii = (b: Uint8Array, at: number, length: number) => String.fromCharCode(...b.subarray(at, at + length));
const startsWith = (b: Uint8Array, bytes: readonly number[]) => bytes.every((byte, i) => b[i] === byte);

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Bytes needed before any format can be told apart (the WebP RIFF header is the longest). */
export const SIGNATURE_BYTES = 12;

function sized(mime: ImageMime, width: number, height: number, animated = false): HeaderResult {
  if (width <= 0 || height <= 0) return BROKEN;
  return animated ? { kind: 'image', mime, width, height, animated: true } : { kind: 'image', mime, width, height };
}

function png(b: Uint8Array): HeaderResult {
  if (b.length < 24) return MORE;
  // The first chunk must be IHDR: length 13, then width and height as big-endian 32-bit numbers.
  if (ascii(b, 12, 4) !== 'IHDR') return BROKEN;
  return sized('image/png', u32be(b, 16), u32be(b, 20));
}

/** SOF markers that carry the frame size (C4 DHT, C8 JPG and CC DAC share the range but are not frames). */
const isStartOfFrame = (marker: number) => marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;

function jpeg(b: Uint8Array): HeaderResult {
  let at = 2;
  for (;;) {
    if (at + 4 > b.length) return MORE;
    if (b[at] !== 0xff) return BROKEN;
    const marker = b[at + 1]!;
    if (marker === 0xff) { at += 1; continue; } // fill byte
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) { at += 2; continue; } // no length
    if (marker === 0xd9 || marker === 0xda) return BROKEN; // end of image or scan data before any frame header
    const length = u16be(b, at + 2);
    if (length < 2) return BROKEN;
    if (isStartOfFrame(marker)) {
      if (at + 9 > b.length) return MORE;
      return sized('image/jpeg', u16be(b, at + 7), u16be(b, at + 5));
    }
    at += 2 + length; // EXIF and other APPn segments can be up to 64 KB each
  }
}

function gif(b: Uint8Array): HeaderResult {
  if (b.length < 10) return MORE;
  return sized('image/gif', u16le(b, 6), u16le(b, 8));
}

function webp(b: Uint8Array): HeaderResult {
  if (b.length < 30) return MORE;
  const chunk = ascii(b, 12, 4);
  if (chunk === 'VP8 ') {
    // Lossy: a 3-byte frame tag, the start code 9D 01 2A, then 14-bit width and height.
    if (b[23] !== 0x9d || b[24] !== 0x01 || b[25] !== 0x2a) return BROKEN;
    return sized('image/webp', u16le(b, 26) & 0x3fff, u16le(b, 28) & 0x3fff);
  }
  if (chunk === 'VP8L') {
    // Lossless: signature 0x2F, then width-1 and height-1 in 14 bits each, least significant bit first.
    if (b[20] !== 0x2f) return BROKEN;
    const bits = b[21]! | (b[22]! << 8) | (b[23]! << 16) | (b[24]! << 24);
    return sized('image/webp', (bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
  }
  if (chunk === 'VP8X') {
    // Extended: flags (bit 1 = animation), 3 reserved bytes, then canvas width-1 and height-1 in 24 bits each.
    const animated = (b[20]! & 0x02) !== 0;
    return sized('image/webp', u24le(b, 24) + 1, u24le(b, 27) + 1, animated);
  }
  return BROKEN;
}

/** Reads the format and size from the bytes received so far; `more` means: read on, then ask again. */
export function readImageHeader(b: Uint8Array): HeaderResult {
  if (b.length < SIGNATURE_BYTES) {
    // A short file can still be refused early when its first bytes already match no format.
    const prefixes = [PNG_SIGNATURE, [0xff, 0xd8, 0xff], [0x47, 0x49, 0x46, 0x38], [0x52, 0x49, 0x46, 0x46]];
    const possible = prefixes.some((p) => p.slice(0, b.length).every((byte, i) => b[i] === byte));
    return possible ? MORE : { kind: 'not-image' };
  }
  if (startsWith(b, PNG_SIGNATURE)) return png(b);
  if (startsWith(b, [0xff, 0xd8, 0xff])) return jpeg(b);
  if (ascii(b, 0, 6) === 'GIF87a' || ascii(b, 0, 6) === 'GIF89a') return gif(b);
  if (ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') return webp(b);
  return { kind: 'not-image' };
}

/** A complete GIF's frames (counted up to two) and the right and bottom edges of its first frame; undefined when broken. */
function walkGif(b: Uint8Array): { frames: number; right: number; bottom: number } | undefined {
  if (b.length < 13) return undefined;
  let at = 13;
  if (b[10]! & 0x80) at += 3 * 2 ** ((b[10]! & 0x07) + 1); // global colour table
  let frames = 0;
  let right = 0;
  let bottom = 0;
  const skipSubBlocks = (from: number): number => {
    let p = from;
    while (p < b.length && b[p] !== 0) p += b[p]! + 1;
    return p + 1; // past the zero-length terminator
  };
  while (at < b.length) {
    const block = b[at];
    if (block === 0x3b) return { frames, right, bottom }; // trailer
    if (block === 0x21) { at = skipSubBlocks(at + 2); continue; } // extension: introducer, label, sub-blocks
    if (block !== 0x2c || at + 10 > b.length) return undefined;
    frames += 1;
    if (frames > 1) return { frames, right, bottom }; // enough to know it is animated
    // Image descriptor: left, top, width, height (16-bit little-endian each).
    right = u16le(b, at + 1) + u16le(b, at + 5);
    bottom = u16le(b, at + 3) + u16le(b, at + 7);
    const packed = b[at + 9]!;
    at += 10;
    if (packed & 0x80) at += 3 * 2 ** ((packed & 0x07) + 1); // local colour table
    at = skipSubBlocks(at + 1); // LZW minimum code size, then the image data
  }
  return { frames, right, bottom };
}

/**
 * Image frames in a complete GIF. OpenAI accepts only non-animated GIFs, so a second frame refuses the file.
 * Returns 0 when the block structure is cut short or broken.
 */
export function gifFrameCount(b: Uint8Array): number {
  return walkGif(b)?.frames ?? 0;
}

/**
 * The size a decoder gives a still GIF: its logical screen, grown to hold a frame that reaches past it (Pillow
 * does so). A crafted 1×1 screen around a 2048×2048 frame must be priced as 2048×2048.
 */
export function gifCanvas(b: Uint8Array, width: number, height: number): { width: number; height: number } {
  const walked = walkGif(b);
  return { width: Math.max(width, walked?.right ?? 0), height: Math.max(height, walked?.bottom ?? 0) };
}
