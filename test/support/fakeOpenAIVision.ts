/**
 * Image content parts in /v1/chat/completions, as strict as the API: `image_url.url` an http(s) URL or a
 * base64 data URL of a PNG, JPEG, GIF or WebP (the bytes must be one), `detail` auto/low/high, and text-only
 * models refuse image parts. Prompt tokens for images follow OpenAI's published rules (images-vision guide),
 * written here independently of the bot's own code so the two can be compared.
 */
import { FakeApiError, invalidRequest, invalidValue, missingParam } from './fakeOpenAIErrors.ts';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const DETAILS = ['auto', 'low', 'high'] as const;
const DATA_URL = /^data:([^;,]+);base64,([A-Za-z0-9+/]*={0,2})$/;
const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];
/** Models that read text only: the API answers image parts with a 400 naming the part's type. */
const TEXT_ONLY = /^(gpt-3\.5-turbo|gpt-4(-32k)?(-\d{4})?$|o1-mini|o1-preview|o3-mini)/;

const unsupportedImage = () =>
  new FakeApiError(400, {
    message: "You uploaded an unsupported image. Please make sure your image has of one the following formats: ['png', 'jpeg', 'gif', 'webp'].",
    type: 'invalid_request_error', param: null, code: 'invalid_image_format',
  });

/** Checks one `image_url` part (`p` is its param path, e.g. `messages[1].content[2]`). */
export function checkImagePart(part: Json, p: string): void {
  if (!isObject(part.image_url) || typeof part.image_url.url !== 'string') throw missingParam(`${p}.image_url.url`);
  const { url, detail } = part.image_url;
  if (detail !== undefined && !(DETAILS as readonly string[]).includes(String(detail))) throw invalidValue(`${p}.image_url.detail`, detail, DETAILS);
  if (/^https?:\/\//.test(url)) return;
  const data = DATA_URL.exec(url);
  if (!data || !IMAGE_TYPES.includes(data[1]!)) {
    throw invalidRequest(
      `Invalid '${p}.image_url.url'. Expected a base64-encoded data URL with an image MIME type (e.g. 'data:image/png;base64,aW1nIGJ5dGVzIGhlcmU='), but got ${data ? `unsupported MIME type '${data[1]}'` : 'a value that is not a data URL'}.`,
      `${p}.image_url.url`, 'invalid_value',
    );
  }
  if (!dimensionsOf(Buffer.from(data[2]!, 'base64'))) throw unsupportedImage();
}

/** A text-only model refuses the first image part, as the API does. */
export function checkVisionModel(model: string, messages: unknown[]): void {
  if (!TEXT_ONLY.test(model)) return;
  messages.forEach((m, i) => {
    if (!isObject(m) || !Array.isArray(m.content)) return;
    const j = m.content.findIndex((part) => isObject(part) && part.type === 'image_url');
    if (j >= 0) throw invalidRequest('Invalid content type. image_url is only supported by certain models.', `messages.[${i}].content.[${j}].type`, null);
  });
}

/** Width and height from a PNG, GIF, WebP or JPEG header; undefined when the bytes are none of them. */
export function dimensionsOf(b: Buffer): { width: number; height: number } | undefined {
  if (b.length >= 24 && b.readUInt32BE(0) === 0x89504e47) return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
  if (b.length >= 10 && b.toString('latin1', 0, 3) === 'GIF') return { width: b.readUInt16LE(6), height: b.readUInt16LE(8) };
  if (b.length >= 30 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') {
    const kind = b.toString('latin1', 12, 16);
    if (kind === 'VP8 ') return { width: b.readUInt16LE(26) & 0x3fff, height: b.readUInt16LE(28) & 0x3fff };
    if (kind === 'VP8L') { const bits = b.readUInt32LE(21); return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 }; }
    if (kind === 'VP8X') return { width: b.readUIntLE(24, 3) + 1, height: b.readUIntLE(27, 3) + 1 };
    return undefined;
  }
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8) {
    for (let at = 2; at + 9 <= b.length;) {
      const marker = b[at + 1]!;
      if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) return { width: b.readUInt16BE(at + 7), height: b.readUInt16BE(at + 5) };
      at += 2 + b.readUInt16BE(at + 2);
    }
  }
  return undefined;
}

/** Published per-model figures: tiles (base, per tile) or a patch multiplier. */
const TILES: [RegExp, number, number][] = [
  [/^gpt-4o-mini/, 2833, 5667], [/^gpt-5(-chat-latest)?$/, 70, 140], [/^(o1|o3)(-pro)?$/, 75, 150], [/./, 85, 170],
];
const PATCHES: [RegExp, number][] = [[/^(gpt-4\.1-mini|gpt-5-mini)/, 1.62], [/^(gpt-4\.1-nano|gpt-5-nano)/, 2.46], [/^o4-mini/, 1.72]];

/**
 * Prompt tokens OpenAI bills for one image part (http URLs, which the fake cannot fetch, as one 512 px tile).
 * `contextShare`: what the image takes of the context window instead, without the billing-only multipliers
 * (gpt-4o-mini's 2833/5667 tiles are gpt-4o's 85/170 priced up; a patch model sees its patches, not 1.62 times them).
 */
export function imagePartTokens(model: string, part: Json, contextShare = false): number {
  const image = isObject(part.image_url) ? part.image_url : {};
  const data = typeof image.url === 'string' ? DATA_URL.exec(image.url) : null;
  const size = data ? dimensionsOf(Buffer.from(data[2]!, 'base64')) : undefined;
  const { width, height } = size ?? { width: 512, height: 512 };
  const patch = PATCHES.find(([pattern]) => pattern.test(model));
  if (patch) {
    let across = Math.ceil(width / 32);
    let down = Math.ceil(height / 32);
    if (across * down > 1536) {
      const r = Math.sqrt((32 * 32 * 1536) / (width * height));
      const fit = r * Math.min(Math.floor((width * r) / 32) / ((width * r) / 32), Math.floor((height * r) / 32) / ((height * r) / 32));
      // A strip whose short side holds no whole patch once scaled: the guide's integer step would shrink it to nothing,
      // and no server bills nothing for an image it read. Billed as scaled by r alone, a patch at least each way (up to the cap).
      const scale = fit > 0 ? fit : r;
      across = Math.max(1, Math.ceil(Math.round(width * scale) / 32));
      down = Math.max(1, Math.ceil(Math.round(height * scale) / 32));
    }
    return Math.ceil(Math.min(1536, across * down) * (contextShare ? 1 : patch[1]));
  }
  const [, base, tile] = TILES.find(([pattern]) => !(contextShare && pattern.source === '^gpt-4o-mini') && pattern.test(model))!;
  if (image.detail === 'low') return base;
  let w = width;
  let h = height;
  if (Math.max(w, h) > 2048) { const s = 2048 / Math.max(w, h); w = Math.round(w * s); h = Math.round(h * s); }
  if (Math.min(w, h) > 768) { const s = 768 / Math.min(w, h); w = Math.round(w * s); h = Math.round(h * s); }
  return base + tile * Math.ceil(w / 512) * Math.ceil(h / 512);
}
