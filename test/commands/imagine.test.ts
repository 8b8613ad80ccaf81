import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { packUploads, imageCaption } from '../../src/services/images/present.ts';
import { formatUsd } from '../../src/services/pricing/index.ts';
import { FAST_SERVER_ERROR_MS } from '../../src/services/images/attempts.ts';
import { BotHarness } from '../support/botHarness.ts';
import { DEFAULT_GUILD_ID, type FakeInteraction, type UploadedFile } from '../support/fakeDiscord.ts';

type ImageBody = { model: string; n?: number; size?: string; quality?: string; response_format?: string; output_format?: string };
type LedgerRow = { command: string; model: string; state: string; reserved_micros: number; charged_micros: number; units: number | null };

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A real PNG: the signature, an IHDR chunk first (13 bytes, sane size and colour type), image data that inflates. */
function expectValidPng(file: UploadedFile): void {
  const png = file.data;
  expect(file.filename).toMatch(/^imagine-\d\.png$/);
  expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  expect(png.readUInt32BE(8)).toBe(13);
  expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
  expect(png.readUInt32BE(16)).toBeGreaterThan(0); // width
  expect(png.readUInt32BE(20)).toBeGreaterThan(0); // height
  expect([0, 2, 3, 4, 6]).toContain(png[25]); // colour type
  const idat = png.indexOf('IDAT', 33, 'latin1');
  expect(idat).toBeGreaterThan(0);
  expect(inflateSync(png.subarray(idat + 4, idat + 4 + png.readUInt32BE(idat - 4))).length).toBeGreaterThan(0);
  expect(png.subarray(-8, -4).toString('latin1')).toBe('IEND');
}

const flagsOf = (i: FakeInteraction) => (i.callbacks[0]?.data as { flags?: number } | undefined)?.flags ?? 0;
const uploads = (i: FakeInteraction) => i.originalEdits.flatMap((edit) => edit.files);
const content = (i: FakeInteraction) => String(i.originalEdits.at(-1)?.body.content ?? '');

function harnessHelpers(get: () => BotHarness) {
  return {
    imagine: async (options: Record<string, string | number>, spec: Parameters<BotHarness['command']>[2] = {}) => {
      const i = get().command('imagine', options, spec);
      await get().settled(i);
      return i;
    },
    requests: () => get().openai.images.requests as unknown as ImageBody[],
    ledgerRows: () => get().bot.ctx.db.prepare("SELECT * FROM ledger WHERE command = 'imagine' ORDER BY id").all() as LedgerRow[],
  };
}

describe('/imagine with gpt-image-1 (the default IMAGE_MODEL)', () => {
  let h: BotHarness;
  beforeAll(async () => { h = await BotHarness.start(); });
  afterAll(async () => { await h?.close(); });
  beforeEach(() => { h.openai.reset(); });
  const { imagine, requests, ledgerRows } = harnessHelpers(() => h);

  test('one image: shows progress, asks for PNG data, uploads a valid PNG with prompt, size, quality and cost', async () => {
    const i = await imagine({ prompt: 'a lighthouse at dawn' });
    expect(i.callbacks[0]!.type).toBe(5);
    expect(String(i.originalEdits[0]!.body.content)).toBe('🎨 Generating 1 image with `gpt-image-1` (1024x1024, medium)…');
    expect(requests()).toEqual([{ model: 'gpt-image-1', prompt: 'a lighthouse at dawn', n: 1, size: '1024x1024', quality: 'medium', output_format: 'png' }]);
    const files = uploads(i);
    expect(files).toHaveLength(1);
    expectValidPng(files[0]!);
    // From `usage`: 1056 output tokens at $40 per 1M ($0.04224, which OpenAI's table rounds to $0.042) plus the
    // prompt's 5 text tokens (the fake reports ceil(20 chars / 4)) at $5 per 1M.
    expect(content(i)).toBe('**Prompt:** a lighthouse at dawn\n-# 1024x1024 · quality medium · 1 image · cost $0.042265');
    expect(content(i)).not.toMatch(/https?:/);
    expect(i.originalEdits.at(-1)!.body.allowed_mentions).toEqual({ parse: [] });
    const row = ledgerRows().at(-1)!;
    expect(row).toMatchObject({ model: 'gpt-image-1', state: 'settled', charged_micros: 42_265, units: 1 });
    // A true bound: the output tokens at their token price (not the rounded table's $0.042) and the prompt.
    expect(row.reserved_micros).toBeGreaterThanOrEqual(row.charged_micros);
    expect(row.reserved_micros).toBeLessThan(42_400);
  });

  test('four images: one request for n=4, four PNGs uploaded, price × 4 (+ the prompt once) charged', async () => {
    const i = await imagine({ prompt: '貓咪在太空', size: '1536x1024', quality: 'low', count: 4 }, { locale: 'zh-TW' });
    expect(requests()).toEqual([expect.objectContaining({ n: 4, size: '1536x1024', quality: 'low' })]);
    const files = uploads(i);
    expect(files).toHaveLength(4);
    files.forEach(expectValidPng);
    expect(new Set(files.map((f) => f.filename)).size).toBe(4);
    // One request: 4 × 400 output tokens at $40 per 1M, and the prompt's ceil(5 / 4) = 2 text tokens once, at $5 per 1M.
    expect(content(i)).toBe('**提示詞：** 貓咪在太空\n-# 1536x1024 · 品質 low · 4 張圖片 · 費用 $0.06401');
    const row = ledgerRows().at(-1)!;
    expect(row).toMatchObject({ state: 'settled', charged_micros: 64_010, units: 4 });
    expect(row.reserved_micros).toBeGreaterThanOrEqual(64_010);
  });

  test.each([
    {
      locale: 'zh-CN', progress: '🎨 正在用 `gpt-image-1` 生成 2 张图片（1024x1024，medium）…',
      caption: /^\*\*提示词：\*\* 山间小屋\n-# 1024x1024 · 质量 medium · 2 张图片 · 费用 \$0\.\d+$/,
      refusal: '`gpt-image-1` 无法生成 1792x1024 的图片。可用的尺寸：`1024x1024`, `1024x1536`, `1536x1024`。',
    },
    {
      locale: 'ja', progress: '🎨 `gpt-image-1` で画像を 2 枚生成しています（1024x1024、medium）…',
      caption: /^\*\*プロンプト：\*\* 山間の小屋\n-# 1024x1024 · 画質 medium · 2 枚 · 費用 \$0\.\d+$/,
      refusal: '`gpt-image-1` は 1792x1024 の画像を生成できません。使えるサイズ：`1024x1024`, `1024x1536`, `1536x1024`。',
    },
  ])('a $locale reader reads progress, caption and refusals in $locale', async ({ locale, progress, caption, refusal }) => {
    const i = await imagine({ prompt: locale === 'ja' ? '山間の小屋' : '山间小屋', count: 2 }, { locale });
    expect(String(i.originalEdits[0]!.body.content)).toBe(progress);
    expect(content(i)).toMatch(caption);
    expect(uploads(i)).toHaveLength(2);
    const refused = await imagine({ prompt: 'a fox', size: '1792x1024' }, { locale });
    expect(refused.transcript()).toEqual([refusal]);
  });

  test('the command registers its description, options and choices in every catalogue language', () => {
    const registered = h.discord.commands(DEFAULT_GUILD_ID).find((c) => c.name === 'imagine');
    expect(registered?.description_localizations).toMatchObject({ 'zh-TW': '依描述產生圖片', 'zh-CN': '根据描述生成图片', ja: '説明から画像を生成します' });
    const options = (registered?.options ?? []) as { name: string; description_localizations?: Record<string, string>; choices?: { value: string; name_localizations?: Record<string, string> }[] }[];
    expect(options.find((o) => o.name === 'count')?.description_localizations?.ja).toBe('画像の枚数（1〜4、既定は 1）');
    const size = options.find((o) => o.name === 'size')?.choices?.find((c) => c.value === '1024x1536');
    expect(size?.name_localizations).toEqual({ 'zh-TW': '1024×1536 直向（gpt-image）', 'zh-CN': '1024×1536 竖向（gpt-image）', ja: '1024×1536 縦長（gpt-image）' });
  });

  test.each<{ name: string; options: Record<string, string>; says: string }>([
    { name: 'a size the model does not make', options: { size: '1792x1024' }, says: '`gpt-image-1` cannot make 1792x1024 images. Sizes it accepts: `1024x1024`, `1024x1536`, `1536x1024`.' },
    { name: 'a quality the model does not have', options: { quality: 'hd' }, says: '`gpt-image-1` has no quality `hd` at 1024x1024. Qualities it accepts at that size: `low`, `medium`, `high`.' },
    { name: 'a prompt of only spaces', options: { prompt: '   ' }, says: 'Please describe the image after `prompt:`.' },
  ])('$name is refused privately before any call or charge', async ({ options, says }) => {
    const before = ledgerRows().length;
    const i = await imagine({ prompt: 'a fox', ...options });
    expect(i.callbacks[0]!.type).toBe(4);
    expect(flagsOf(i) & 64).toBe(64);
    expect(i.transcript()).toEqual([says]);
    expect(requests()).toHaveLength(0);
    expect(ledgerRows()).toHaveLength(before);
  });

  test.each(['content_policy_violation', 'moderation_blocked'])('a safety refusal (%s) releases the reservation and says plainly the prompt was refused', async (code) => {
    h.openai.images.enqueue({ error: 'content_policy', code });
    const i = await imagine({ prompt: 'something not allowed', count: 2 });
    expect(i.transcript()).toEqual(["OpenAI's safety system refused this prompt, so no image was made and nothing was charged. Please rephrase it and try again."]);
    expect(i.followUps[0]!.flags! & 64).toBe(64);
    expect(i.transcript().join()).not.toMatch(/error/i);
    expect(ledgerRows().at(-1)).toMatchObject({ state: 'released', charged_micros: 0 });
    expect(ledgerRows().at(-1)!.reserved_micros).toBeGreaterThan(84_000); // 2 × $0.042 plus the prompt's text tokens
  });

  test('a 5xx that comes only after the image could have been made (a gateway giving up) is not repeated and is charged its reservation', async () => {
    h.openai.images.enqueue({ error: 'server_error', status: 502, delayMs: FAST_SERVER_ERROR_MS + 500 });
    const i = h.command('imagine', { prompt: 'a slow gateway' });
    await h.settled(i, FAST_SERVER_ERROR_MS + 15_000);
    expect(requests()).toHaveLength(1);
    const row = ledgerRows().at(-1)!;
    expect(row.state).toBe('settled');
    expect(row.charged_micros).toBe(row.reserved_micros);
    expect(row.charged_micros).toBeGreaterThan(42_240);
    expect(i.transcript()).toEqual([`The AI service had an internal error. Please try again in a moment. It failed only after OpenAI may already have made and billed the image, so you were charged ${formatUsd(row.charged_micros)}: the most this request could cost.`]);
  }, 40_000);

  test('a 429 that outlasts the retries releases the reservation and says the service is busy', async () => {
    h.openai.images.enqueue({ error: 'rate_limit', times: 3, retryAfterMs: 20 });
    const i = await imagine({ prompt: 'a busy street' });
    expect(requests()).toHaveLength(3); // the first try and OPENAI_MAX_RETRIES=2
    expect(i.transcript()).toEqual(['The AI service is busy right now. Please try again in about 1 s.']);
    expect(ledgerRows().at(-1)).toMatchObject({ state: 'released', charged_micros: 0 });
  });

  test.each([
    { locale: 'en-US', says: "The image model `gpt-image-1` is not available on this AI service (OpenAI shuts older image models down). The bot's host needs to set IMAGE_MODEL to a model the service offers and give its prices in PRICING_FILE." },
    { locale: 'zh-TW', says: '這個 AI 服務沒有圖片模型 `gpt-image-1`（OpenAI 會停用較舊的圖片模型）。請機器人的架設者把 IMAGE_MODEL 設為這個服務提供的模型，並在 PRICING_FILE 中設定它的價格。' },
  ])('a service that no longer has IMAGE_MODEL (OpenAI\'s 404 model_not_found) is asked once, costs nothing, and tells what the operator must change ($locale)', async ({ locale, says }) => {
    h.openai.removeModel('gpt-image-1');
    try {
      const i = await imagine({ prompt: 'a lighthouse at dawn' }, { locale });
      expect(requests()).toHaveLength(1); // a 404 is not repeated: nothing can change the answer
      expect(i.transcript()).toEqual([says]);
      expect(i.followUps[0]!.flags! & 64).toBe(64);
      expect(ledgerRows().at(-1)).toMatchObject({ state: 'released', charged_micros: 0 });
    } finally {
      h.openai.addModel('gpt-image-1');
    }
  });
});

describe('/imagine when the image service fails: what is repeated and what is charged', () => {
  let h: BotHarness;
  beforeAll(async () => { h = await BotHarness.start({ env: { IMAGE_TIMEOUT_MS: '400' } }); });
  afterAll(async () => { await h?.close(); });
  beforeEach(() => { h.openai.reset(); });
  const { imagine, requests, ledgerRows } = harnessHelpers(() => h);
  const sentAt = () => h.openai.requestsTo('/v1/images/generations').map((r) => r.at);

  test.each([
    { name: 'a generation that times out', reply: { delayMs: 2_000 }, says: 'The image service did not answer in time, so I have no image to show.' },
    { name: 'a connection dropped after the request was sent', reply: { drop: true as const }, says: 'The connection to the image service dropped after the request was sent, so I have no image to show.' },
  ])('$name is sent once, charged its reservation (OpenAI may have billed it), and the member is told why', async ({ reply, says }) => {
    h.openai.images.enqueue(reply);
    const i = await imagine({ prompt: 'a slow lighthouse' });
    expect(requests()).toHaveLength(1);
    const row = ledgerRows().at(-1)!;
    expect(row.state).toBe('settled');
    expect(row.charged_micros).toBe(row.reserved_micros);
    expect(row.reserved_micros).toBeGreaterThan(42_240);
    expect(i.transcript()).toEqual([`${says} The request had already reached OpenAI, which may have made and billed it, so you were charged ${formatUsd(row.charged_micros)}: the most this request could cost. Please try again later.`]);
    expect(i.followUps[0]!.flags! & 64).toBe(64);
  });

  test('a 200 whose body is cut off mid-transfer (the connection closes early) is not repeated and is charged its reservation', async () => {
    h.openai.images.enqueue({ cutBodyAt: 40 });
    const i = await imagine({ prompt: 'a cut lighthouse' });
    expect(requests()).toHaveLength(1);
    const row = ledgerRows().at(-1)!;
    expect(row).toMatchObject({ state: 'settled', charged_micros: row.reserved_micros });
    expect(i.transcript()).toEqual([`The connection to the image service dropped after the request was sent, so I have no image to show. The request had already reached OpenAI, which may have made and billed it, so you were charged ${formatUsd(row.charged_micros)}: the most this request could cost. Please try again later.`]);
  });

  test.each([
    { name: 'short (read whole by the bot)', bytes: 40 },
    { name: 'long (read by the SDK)', bytes: 5_000, png: Buffer.alloc(8_000, 1) },
  ])('a 200 whose body ends cleanly but cut short, $name: the image was made, so it is not repeated and is charged its reservation', async ({ bytes, png }) => {
    h.openai.images.enqueue({ cutBodyAt: bytes, length: 'exact', png });
    const i = await imagine({ prompt: 'a garbled lighthouse' });
    expect(requests()).toHaveLength(1);
    const row = ledgerRows().at(-1)!;
    expect(row.state).toBe('settled');
    expect(row.charged_micros).toBe(row.reserved_micros);
    expect(row.charged_micros).toBeGreaterThan(42_240);
    expect(i.transcript()).toEqual([`The AI service had an internal error. Please try again in a moment. It failed only after OpenAI may already have made and billed the image, so you were charged ${formatUsd(row.charged_micros)}: the most this request could cost.`]);
  });

  test('a 200 whose body stalls after its headers is given up at IMAGE_TIMEOUT_MS like any timeout: not repeated, charged its reservation', async () => {
    // A body past 4 KB: the SDK reads it after fetch returned (a small one the bot reads within the request's own timeout).
    h.openai.images.enqueue({ stallBodyAt: 40, png: Buffer.alloc(8_000, 1) });
    const started = Date.now();
    const i = await imagine({ prompt: 'a stalled lighthouse' });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(requests()).toHaveLength(1);
    const row = ledgerRows().at(-1)!;
    expect(row).toMatchObject({ state: 'settled', charged_micros: row.reserved_micros });
    expect(i.transcript()).toEqual([`The image service did not answer in time, so I have no image to show. The request had already reached OpenAI, which may have made and billed it, so you were charged ${formatUsd(row.charged_micros)}: the most this request could cost. Please try again later.`]);
  });

  test('a 429 with retry-after is repeated after the wait it asks for, and the images come', async () => {
    h.openai.images.enqueue({ error: 'rate_limit', retryAfterMs: 150 });
    const i = await imagine({ prompt: 'a lighthouse at dawn' });
    expect(requests()).toHaveLength(2);
    const [first, second] = sentAt();
    expect(second! - first!).toBeGreaterThanOrEqual(140);
    expect(uploads(i)).toHaveLength(1);
    expect(ledgerRows().at(-1)).toMatchObject({ state: 'settled', charged_micros: 42_265 });
  });

  test('a 500 answered at once is repeated, and the images come', async () => {
    h.openai.images.enqueue({ error: 'server_error', status: 500 });
    const i = await imagine({ prompt: 'a lighthouse at dawn' });
    expect(requests()).toHaveLength(2);
    expect(uploads(i)).toHaveLength(1);
    expect(ledgerRows().at(-1)).toMatchObject({ state: 'settled', charged_micros: 42_265 });
  });

  test('a result that comes after the interaction token expired is still charged and sent to the member by DM', async () => {
    h.openai.images.enqueue({ delayMs: 300 });
    const i = h.command('imagine', { prompt: 'a late lighthouse' });
    await vi.waitFor(() => expect(i.originalEdits.length).toBeGreaterThan(0)); // the progress edit: the request is out
    h.discord.expireInteraction(i.id);
    await h.settled(i);
    const dm = h.discord.channelMessages(h.discord.dmChannelId()).at(-1)!;
    expect(dm.content).toMatch(/^Your `\/imagine` result could no longer be posted where you asked for it \(Discord lets the bot answer a command only within 15 minutes\), so here it is\. It was charged: \$0\.042\d+\.\n\*\*Prompt:\*\* a late lighthouse/);
    expect(dm.attachments).toHaveLength(1);
    expect(ledgerRows().at(-1)).toMatchObject({ state: 'settled', units: 1 });
    expect(ledgerRows().at(-1)!.charged_micros).toBeGreaterThan(42_000);
  });
});

describe('/imagine with dall-e-3 (one image per request)', () => {
  let h: BotHarness;
  beforeAll(async () => { h = await BotHarness.start({ env: { IMAGE_MODEL: 'dall-e-3' } }); });
  afterAll(async () => { await h?.close(); });
  const { imagine, requests, ledgerRows } = harnessHelpers(() => h);

  test('two images take two n=1 requests for base64 data; the revised prompt is shown', async () => {
    h.openai.images.enqueue({ revisedPrompt: 'A watercolour fox in a snowy forest.' }, { revisedPrompt: 'A watercolour fox in a snowy forest.' });
    const i = await imagine({ prompt: 'fox', quality: 'hd', count: 2 });
    expect(requests()).toEqual([
      { model: 'dall-e-3', prompt: 'fox', n: 1, size: '1024x1024', quality: 'hd', response_format: 'b64_json' },
      { model: 'dall-e-3', prompt: 'fox', n: 1, size: '1024x1024', quality: 'hd', response_format: 'b64_json' },
    ]);
    uploads(i).forEach(expectValidPng);
    expect(uploads(i)).toHaveLength(2);
    expect(content(i)).toBe('**Prompt:** fox\n**Revised prompt:** A watercolour fox in a snowy forest.\n-# 1024x1024 · quality hd · 2 images · cost $0.16');
    expect(ledgerRows().at(-1)).toMatchObject({ model: 'dall-e-3', state: 'settled', reserved_micros: 160_000, charged_micros: 160_000, units: 2 });
  });

  test('when one of several requests is refused, only the images made are charged, and the reply says why', async () => {
    h.openai.images.enqueue({}, { error: 'content_policy' });
    const i = await imagine({ prompt: 'fox', count: 2 });
    expect(uploads(i)).toHaveLength(1);
    expect(content(i)).toContain("-# ⚠️ Only 1 of 2 images were made: OpenAI's safety system refused the rest.");
    expect(ledgerRows().at(-1)).toMatchObject({ state: 'settled', reserved_micros: 80_000, charged_micros: 40_000, units: 1 });
  });

  test('when one of several requests gets no answer, the image made is shown; the dropped one is not repeated and is charged as made, and the caption says so', async () => {
    h.openai.reset();
    h.openai.images.enqueue({}, { drop: true });
    const i = await imagine({ prompt: 'fox', count: 2 });
    expect(requests()).toHaveLength(2);
    expect(uploads(i)).toHaveLength(1);
    expect(content(i)).toContain('-# 1024x1024 · quality standard · 1 image · cost $0.08');
    expect(content(i)).toContain('-# 1 of the images asked got no answer; OpenAI may have made and billed them, so they are in the cost.');
    expect(ledgerRows().at(-1)).toMatchObject({ state: 'settled', reserved_micros: 80_000, charged_micros: 80_000, units: 1 });
  });
});

/**
 * OpenAI's current image models publish token prices only (gpt-image-2.6-sunburst: text in $5, image out $30 per 1M);
 * an operator prices one per image in PRICING_FILE. OpenAI still bills the prompt's text tokens.
 */
describe('/imagine with a gpt-image model priced only per image (PRICING_FILE)', () => {
  const MODEL = 'gpt-image-2.6-sunburst';
  let h: BotHarness;
  beforeAll(async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'bot-pricing-')), 'prices.json');
    writeFileSync(file, JSON.stringify({ images: { [MODEL]: { '1024x1024': { low: 0.01, medium: 0.04, high: 0.16 } } } }));
    h = await BotHarness.start({ env: { PRICING_FILE: file, IMAGE_MODEL: MODEL } });
    h.openai.addModel(MODEL);
  });
  afterAll(async () => { await h?.close(); });
  const { imagine, ledgerRows } = harnessHelpers(() => h);

  test('the prompt\'s text tokens OpenAI bills are reserved and charged (at $5 per 1M, the text price of OpenAI\'s gpt-image models)', async () => {
    // 5,200 characters: the fake bills ceil(5200 / 4) = 1,300 text tokens, $0.0065 at $5 per 1M.
    const i = await imagine({ prompt: 'a lighthouse '.repeat(400).trim(), quality: 'low' });
    expect(uploads(i)).toHaveLength(1);
    const row = ledgerRows().at(-1)!;
    expect(row).toMatchObject({ model: MODEL, state: 'settled', units: 1 });
    expect(row.charged_micros).toBe(10_000 + 6_500);
    expect(row.reserved_micros).toBeGreaterThanOrEqual(row.charged_micros);
  });
});

describe('/imagine with gpt-image-2 and no PRICING_FILE entry for it', () => {
  // OpenAI prices gpt-image-2 by tokens and publishes no output-token figures per size and quality, so the bot has
  // no true bound for an image and the model is unpriced until the operator gives per-image prices.
  let h: BotHarness;
  beforeAll(async () => { h = await BotHarness.start({ env: { IMAGE_MODEL: 'gpt-image-2' } }); });
  afterAll(async () => { await h?.close(); });
  const { imagine, requests, ledgerRows } = harnessHelpers(() => h);

  test('is refused privately before any reservation or call, telling what the operator must do', async () => {
    const i = await imagine({ prompt: 'a lighthouse at dawn' });
    expect(i.callbacks[0]!.type).toBe(4);
    expect(flagsOf(i) & 64).toBe(64);
    expect(i.transcript()).toEqual(["The image model `gpt-image-2` has no price in the bot's pricing table, so it can't be used. The bot's host needs to give its prices per image in PRICING_FILE, or set IMAGE_MODEL to a model that has them."]);
    expect(requests()).toHaveLength(0);
    expect(ledgerRows()).toHaveLength(0);
  });
});

describe('image reply helpers', () => {
  test('uploads are grouped so that no message passes the cap', () => {
    const file = (size: number) => ({ data: Buffer.alloc(size) });
    expect(packUploads([file(6), file(5), file(4), file(10)], 10).map((g) => g.map((f) => f.data.length))).toEqual([[6], [5, 4], [10]]);
  });

  test('a caption with four long revised prompts still fits in one Discord message', () => {
    const plan = { model: 'dall-e-3', prompt: 'p', size: '1024x1024', quality: 'standard', count: 4, unitMicros: 40_000, unitBoundMicros: 40_000, worstCaseMicros: 160_000 };
    const revisedPrompts = [1, 2, 3, 4].map((n) => `${n} ${'very detailed words '.repeat(80)}`);
    const caption = imageCaption({ prompt: 'x'.repeat(3000), revisedPrompts, plan, made: 4, chargedMicros: 160_000 }, 'en');
    expect([...caption].length).toBeLessThanOrEqual(2000);
    expect(caption).toContain('**Revised prompt 4:** 4 very detailed');
    expect(caption.endsWith('-# 1024x1024 · quality standard · 4 images · cost $0.16')).toBe(true);
  });
});
