import { describe, expect, test } from 'vitest';
import type { ImageRef } from '../../../src/db/history.ts';
import type { ChatMessage } from '../../../src/services/history.ts';
import { attachmentUrlExpiry, isStillValid } from '../../../src/services/vision/discordUrl.ts';
import { MAX_PAST_IMAGES } from '../../../src/services/vision/limits.ts';
import { IMAGE_GONE_MARKER, IMAGE_NOT_RESENT_MARKER, VisionService } from '../../../src/services/vision/service.ts';
import { createPricing } from '../../../src/services/pricing/index.ts';
import { FALLBACK_VISION_RULE } from '../../../src/services/pricing/builtinVision.ts';
import { imageTokens } from '../../../src/services/vision/imageTokens.ts';
import { craftPng } from '../../support/craftedImages.ts';
import { DownloadGate, HeldRooms } from '../../../src/services/discord/downloadGate.ts';
import { describeImageProblem } from '../../../src/services/vision/messages.ts';

const NOW = Date.UTC(2026, 11, 6, 8, 0, 0);
const hex = (ms: number) => Math.floor(ms / 1000).toString(16);
const pricing = createPricing();
const inputPrice = (model: string) => pricing.resolveChat(model).price.input;
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
  const vision = new VisionService({ downloads: new DownloadGate(), now: () => NOW, fetch: fakeFetch, inputPrice });
  const billing = { rule: { tiles: { base: 85, tile: 170 } } };
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
    const { messages: out, extraTokens } = await vision.compose(messages, past, [], billing, new HeldRooms());
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
    const { messages: out, extraTokens } = await vision.compose(messages, [{ index: 5, images: [ref('x.png')] }], [], undefined, new HeldRooms());
    expect(fetched).toEqual([]);
    expect(out[5]).toEqual({ role: 'user', content: `Ann: third ${IMAGE_NOT_RESENT_MARKER}` });
    expect(extraTokens).toBeGreaterThan(0);
  });
});

describe('VisionService.loadQuestion', () => {
  test('gpt-4o-mini: the reservation counts its billed tokens, the context window only the image\'s real share', async () => {
    const png = craftPng(768, 2048, 800);
    const fetchPng: typeof fetch = async () => new Response(png, { headers: { 'content-length': String(png.length) } });
    const vision = new VisionService({ downloads: new DownloadGate(), now: () => NOW, fetch: fetchPng, inputPrice });
    const loaded = await vision.loadQuestion([{ url: cdn('tall.png', NOW + 3600_000), filename: 'tall.png', size: png.length }], vision.billingOf('gpt-4o-mini')!, new HeldRooms());
    expect(loaded.ok).toBe(true);
    const [image] = loaded.ok ? loaded.images : [];
    expect(image!.tokens).toBe(2833 + 8 * 5667); // 48,169: four such images would pass a 128k window
    expect(image!.reserveTokens).toBe(image!.tokens); // a published rule: reserved as counted
    expect(image!.contextTokens).toBe(1536); // 24 × 64 patches, more than gpt-4o's 1,445 tile tokens
    expect(image!.ref).toEqual({ url: cdn('tall.png', NOW + 3600_000), contentType: 'image/png', size: 800, width: 768, height: 2048 });
  });
});

describe('VisionService.loadQuestion with no room among the files in memory', () => {
  test('the image is busy (no request), told in plain words, and nothing stays held', async () => {
    const png = craftPng(64, 64, 500);
    let requests = 0;
    const fetchPng: typeof fetch = async () => { requests++; return new Response(png); };
    const gate = new DownloadGate(1000, 20);
    const vision = new VisionService({ downloads: gate, now: () => NOW, fetch: fetchPng, inputPrice });
    const other = (await gate.take(1000, 0))!;
    const held = new HeldRooms();
    const loaded = await vision.loadQuestion([{ url: cdn('a.png', NOW + 3600_000), filename: 'a.png', size: png.length }], vision.billingOf('gpt-4o')!, held);
    expect(loaded).toEqual({ ok: false, problem: 'busy', filename: 'a.png' });
    expect(requests).toBe(0);
    expect(describeImageProblem(loaded as Extract<typeof loaded, { ok: false }>, 'ja')).toBe('ボットは今たくさんのファイルを処理しています。料金はかかっていません。1分ほどしてからもう一度お試しください。');
    other.release();
    held.releaseAll();
    expect(gate.inFlight).toBe(0);
  });
});

describe('VisionService.billingOf: published rules are counted, unpublished ones also bounded in dollars', () => {
  const vision = new VisionService({ downloads: new DownloadGate(), now: () => NOW, visionModel: 'llava:13b', inputPrice });

  test.each([
    ['gpt-4o', { rule: { tiles: { base: 85, tile: 170 } } }],
    ['gpt-4.1-nano', { rule: { patchMultiplier: 2.46 } }],
    // Known to see only from gpt-tokenizer's data; the price is our table's.
    ['gpt-5.1', { rule: FALLBACK_VISION_RULE, unpublishedInputPrice: 1_250_000 }],
    // VISION_MODEL nothing describes: the fallback price (gpt-4o's).
    ['llava:13b', { rule: FALLBACK_VISION_RULE, unpublishedInputPrice: 2_500_000 }],
  ] as const)('%s', (model, billing) => {
    expect(vision.billingOf(model)).toEqual(billing);
  });

  test('a model nothing says sees, other than VISION_MODEL, has none', () => {
    expect(vision.billingOf('llama3.1:8b')).toBeUndefined();
  });
});

describe('an unpublished rule at a low input price', () => {
  // A model known only from gpt-tokenizer, priced by PRICING_FILE like gpt-4o-mini: it may count images as gpt-4o-mini does.
  const cheap = { rule: FALLBACK_VISION_RULE, unpublishedInputPrice: 150_000 };
  const png = craftPng(768, 2048, 800);
  const fetchPng: typeof fetch = async () => new Response(png, { headers: { 'content-length': String(png.length) } });
  const vision = new VisionService({ downloads: new DownloadGate(), now: () => NOW, fetch: fetchPng, inputPrice });
  const miniTokens = 2833 + 8 * 5667;

  test('a question\'s image is counted by the fallback rule, reserved up to gpt-4o-mini\'s count', async () => {
    const loaded = await vision.loadQuestion([{ url: cdn('tall.png', NOW + 3600_000), filename: 'tall.png', size: png.length }], cheap, new HeldRooms());
    const [image] = loaded.ok ? loaded.images : [];
    expect(image!.tokens).toBe(imageTokens(FALLBACK_VISION_RULE, 768, 2048, 'high')); // 3,779: 1,536 patches × 2.46
    expect(image!.reserveTokens).toBe(miniTokens);
  });

  test('an earlier image sent again: the same split between count and reservation', async () => {
    const ref: ImageRef = { url: cdn('past.png', NOW + 3600_000), contentType: 'image/png', size: png.length, width: 768, height: 2048 };
    const history: ChatMessage[] = [{ role: 'user', content: 'Ann: this?' }, { role: 'assistant', content: 'a1' }, { role: 'user', content: 'Ann: and?' }];
    const composed = await vision.compose(history, [{ index: 0, images: [ref] }], [], cheap, new HeldRooms());
    expect(composed.extraTokens).toBe(imageTokens(FALLBACK_VISION_RULE, 768, 2048, 'high'));
    expect(composed.extraTokens + composed.reserveSurplusTokens).toBe(miniTokens);
  });
});

describe('VisionService.loadQuestion with two-image questions that together need more room than there is', () => {
  test('each question takes room for all its images at once: the first is answered, the second waits for it instead of both ending busy', async () => {
    const png = craftPng(64, 64, 500);
    const fetchPng: typeof fetch = async () => new Response(png);
    // Room for two images: two questions of two images each can't both hold one and wait for the other.
    const gate = new DownloadGate(2 * png.length, 200);
    const vision = new VisionService({ downloads: gate, now: () => NOW, fetch: fetchPng, inputPrice });
    const images = (who: string) => ['1', '2'].map((n) => ({ url: cdn(`${who}${n}.png`, NOW + 3600_000), filename: `${who}${n}.png`, size: png.length }));
    const heldA = new HeldRooms();
    const heldB = new HeldRooms();
    const a = vision.loadQuestion(images('a'), vision.billingOf('gpt-4o')!, heldA);
    const b = vision.loadQuestion(images('b'), vision.billingOf('gpt-4o')!, heldB);
    expect((await a).ok).toBe(true);
    expect(gate.waiting).toBe(1);
    heldA.releaseAll();
    expect((await b).ok).toBe(true);
    heldB.releaseAll();
    expect(gate.inFlight).toBe(0);
  });
});

describe('VisionService.loadQuestion with images Discord declares too large together', () => {
  test('the image that passes the request total is named, with nothing downloaded and no room held', async () => {
    let requests = 0;
    const fetchNothing: typeof fetch = async () => { requests++; return new Response(null, { status: 500 }); };
    const gate = new DownloadGate();
    const vision = new VisionService({ downloads: gate, now: () => NOW, fetch: fetchNothing, inputPrice });
    const held = new HeldRooms();
    const sources = ['a', 'b'].map((name) => ({ url: cdn(`${name}.png`, NOW + 3600_000), filename: `${name}.png`, size: 19_000_000 }));
    expect(await vision.loadQuestion(sources, vision.billingOf('gpt-4o')!, held)).toEqual({ ok: false, problem: 'too-large', filename: 'b.png' });
    expect(requests).toBe(0);
    expect(gate.inFlight).toBe(0);
  });
});

describe('VisionService.pastImagesBound: the most compose() adds for earlier images, counted in the history\'s cut', () => {
  const sizes: Record<string, [number, number]> = { 'small.png': [256, 256], 'wide.png': [2048, 768], 'square.png': [1024, 1024], 'tiny.png': [32, 32] };
  const pngs = new Map(Object.entries(sizes).map(([name, [w, h]]) => [name, craftPng(w, h, 600)]));
  const fakeFetch: typeof fetch = async (input) => {
    const png = pngs.get(new URL(String(input)).pathname.split('/').at(-1)!)!;
    return new Response(png, { headers: { 'content-length': String(png.length) } });
  };
  const vision = new VisionService({ downloads: new DownloadGate(), now: () => NOW, fetch: fakeFetch, inputPrice });
  const ref = (name: string, expiresAt = NOW + 3600_000): ImageRef => {
    const [width, height] = sizes[name]!;
    return { url: cdn(name, expiresAt), contentType: 'image/png', size: pngs.get(name)!.length, width, height };
  };
  const messages: ChatMessage[] = [
    { role: 'system', content: 'sys' },
    { role: 'user', content: 'Ann: first' }, { role: 'assistant', content: 'a1' },
    { role: 'user', content: 'Ann: second' }, { role: 'assistant', content: 'a2' },
    { role: 'user', content: 'Ann: now?' },
  ];
  const EXPIRED = NOW - 1000;

  test.each([
    ['gpt-4o tiles, the newest two re-sent', { rule: { tiles: { base: 85, tile: 170 } } }, [[ref('wide.png'), ref('square.png')], [ref('small.png')]]],
    ['the newest images gone: older, larger ones take their places', { rule: { tiles: { base: 85, tile: 170 } } }, [[ref('wide.png'), ref('square.png')], [ref('small.png', EXPIRED), ref('tiny.png', EXPIRED)]]],
    ['an unpublished rule (gpt-5.4\'s): its reservation\'s surplus counted too', { rule: FALLBACK_VISION_RULE, unpublishedInputPrice: inputPrice('gpt-5.4') }, [[ref('wide.png'), ref('square.png')], [ref('small.png'), ref('tiny.png')]]],
    ['a patch rule where a tiny image costs less than its marker', { rule: { patchMultiplier: 1.62 } }, [[ref('tiny.png')], [ref('tiny.png'), ref('tiny.png'), ref('small.png')]]],
    ['a model that cannot see: markers only', undefined, [[ref('wide.png')], [ref('small.png')]]],
  ] as const)('%s', async (_name, billing, [older, newer]) => {
    const past = [{ index: 1, images: [...older] }, { index: 3, images: [...newer] }];
    const composed = await vision.compose(messages, past, [], billing, new HeldRooms());
    const bound = vision.pastImagesBound([...newer, ...older], billing);
    expect(composed.extraTokens + composed.reserveSurplusTokens).toBeLessThanOrEqual(bound);
    expect(composed.extraTokens).toBeGreaterThan(0);
  });

  test('no earlier images add nothing', () => {
    expect(vision.pastImagesBound([], { rule: FALLBACK_VISION_RULE })).toBe(0);
  });
});
