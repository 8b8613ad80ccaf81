import { describe, expect, test } from 'vitest';
import type { ImageRef } from '../../../src/db/history.ts';
import type { ChatMessage } from '../../../src/services/history.ts';
import { attachmentUrlExpiry, isStillValid } from '../../../src/services/vision/discordUrl.ts';
import { MAX_PAST_IMAGES } from '../../../src/services/vision/limits.ts';
import { IMAGE_GONE_MARKER, IMAGE_NOT_RESENT_MARKER, VisionService } from '../../../src/services/vision/service.ts';
import { craftPng } from '../../support/craftedImages.ts';

const NOW = Date.UTC(2026, 11, 6, 8, 0, 0);
const hex = (ms: number) => Math.floor(ms / 1000).toString(16);
const cdn = (name: string, expiresAt: number) => `https://cdn.discordapp.com/attachments/1/2/${name}?ex=${hex(expiresAt)}&is=${hex(NOW - 3600_000)}&hm=abc&`;

describe('signed attachment URLs', () => {
  test('ex is the expiry in hex seconds', () => {
    expect(attachmentUrlExpiry(cdn('a.png', NOW + 5000_000))).toBe(Math.floor((NOW + 5000_000) / 1000) * 1000);
    expect(attachmentUrlExpiry('https://cdn.discordapp.com/attachments/1/2/a.png')).toBeUndefined();
  });

  test.each([
    [NOW + 3600_000, true],
    [NOW + 30_000, false], // inside the margin: it could lapse mid-download
    [NOW - 1000, false],
  ])('expiring at %i: still valid %s', (expiresAt, valid) => {
    expect(isStillValid(cdn('a.png', expiresAt), NOW)).toBe(valid);
  });
});

describe('VisionService.compose: earlier images', () => {
  const png = craftPng(512, 512, 600);
  const ref = (name: string, expiresAt = NOW + 3600_000): ImageRef => ({ url: cdn(name, expiresAt), contentType: 'image/png', size: png.length, width: 512, height: 512 });
  const fetched: string[] = [];
  const fakeFetch: typeof fetch = async (input) => {
    fetched.push(String(input));
    return new Response(png, { headers: { 'content-length': String(png.length) } });
  };
  const vision = new VisionService({ now: () => NOW, fetch: fakeFetch });
  const rule = { tiles: { base: 85, tile: 170 } };
  const messages: ChatMessage[] = [
    { role: 'system', content: 'sys' },
    { role: 'user', content: 'Ann: first' }, { role: 'assistant', content: 'a1' },
    { role: 'user', content: 'Ann: second' }, { role: 'assistant', content: 'a2' },
    { role: 'user', content: 'Ann: third' }, { role: 'assistant', content: 'a3' },
    { role: 'user', content: 'Ann: now?' },
  ];

  test(`the newest ${MAX_PAST_IMAGES} valid images are sent again; expired ones and older ones become markers`, async () => {
    fetched.length = 0;
    const past = [
      { index: 1, images: [ref('old.png')] },
      { index: 3, images: [ref('gone.png', NOW - 1000), ref('kept1.png')] },
      { index: 5, images: [ref('kept2.png')] },
    ];
    const { messages: out, extraTokens } = await vision.compose(messages, past, [], rule);
    expect(fetched.map((url) => new URL(url).pathname.split('/').at(-1))).toEqual(['kept2.png', 'kept1.png']);
    expect(out[1]).toEqual({ role: 'user', content: `Ann: first ${IMAGE_NOT_RESENT_MARKER}` });
    expect(out[3]).toMatchObject({ role: 'user', content: [{ type: 'text', text: `Ann: second ${IMAGE_GONE_MARKER}` }, { type: 'image_url' }] });
    expect(out[5]).toMatchObject({ role: 'user', content: [{ type: 'text', text: 'Ann: third' }, { type: 'image_url', image_url: { detail: 'high' } }] });
    expect(out[7]).toEqual(messages[7]);
    // Two 512×512 images at 255 tokens each, and two markers.
    expect(extraTokens).toBeGreaterThanOrEqual(2 * 255);
  });

  test('a model that cannot see gets markers only, and nothing is downloaded', async () => {
    fetched.length = 0;
    const { messages: out, extraTokens } = await vision.compose(messages, [{ index: 5, images: [ref('x.png')] }], [], undefined);
    expect(fetched).toEqual([]);
    expect(out[5]).toEqual({ role: 'user', content: `Ann: third ${IMAGE_NOT_RESENT_MARKER}` });
    expect(extraTokens).toBeGreaterThan(0);
  });
});

describe('VisionService.loadQuestion', () => {
  test('gpt-4o-mini: the reservation counts its billed tokens, the context window only the image\'s real share', async () => {
    const png = craftPng(768, 2048, 800);
    const fetchPng: typeof fetch = async () => new Response(png, { headers: { 'content-length': String(png.length) } });
    const vision = new VisionService({ now: () => NOW, fetch: fetchPng });
    const loaded = await vision.loadQuestion([{ url: cdn('tall.png', NOW + 3600_000), filename: 'tall.png', size: png.length }], { tiles: { base: 2833, tile: 5667 } });
    expect(loaded.ok).toBe(true);
    const [image] = loaded.ok ? loaded.images : [];
    expect(image!.tokens).toBe(2833 + 8 * 5667); // 48,169: four such images would pass a 128k window
    expect(image!.contextTokens).toBe(1536); // 24 × 64 patches, more than gpt-4o's 1,445 tile tokens
    expect(image!.ref).toEqual({ url: cdn('tall.png', NOW + 3600_000), contentType: 'image/png', size: 800, width: 768, height: 2048 });
  });
});
