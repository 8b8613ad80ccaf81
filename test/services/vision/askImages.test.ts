/**
 * Images in questions, end to end: the real bot (discord.js, openai SDK) against the fake Discord (whose CDN
 * stand-in signs, expires and streams attachments) and the fake OpenAI (which checks image parts and bills
 * image tokens by OpenAI's published rules).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChatCompletionCreateParams } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { BotHarness, TEST_CHANNEL_IDS, channelPool } from '../../support/botHarness.ts';
import { DEFAULT_GUILD_ID } from '../../support/fakeDiscord.ts';
import { craftGif, craftJpeg, craftPdf, craftPng, craftWebp } from '../../support/craftedImages.ts';
import { imagePartTokens } from '../../support/fakeOpenAIVision.ts';
import { countPromptTokens } from '../../support/fakeOpenAIChatValidate.ts';
import { t } from '../../../src/services/i18n.ts';
import { BudgetStore } from '../../../src/db/budgetLimits.ts';
import { IMAGE_GONE_MARKER, IMAGE_NOT_RESENT_MARKER } from '../../../src/services/vision/service.ts';
import { MAX_IMAGE_BYTES } from '../../../src/services/vision/limits.ts';

type Part = { type: string; text?: string; image_url?: { url: string; detail?: string } };
type ChatBody = { model: string; messages: { role: string; content: string | Part[] }[] };

let h: BotHarness;
/** A first question after start-up may meet the bot's own warm-up on a loaded machine and miss Discord's 3 s: asked before the tests. */
async function warmedUp(harness: BotHarness): Promise<BotHarness> {
  await harness.settled(harness.command('ask', { prompt: 'warm-up' }, { channelId: TEST_CHANNEL_IDS[39] }), 30_000);
  harness.openai.reset();
  return harness;
}

beforeAll(async () => { h = await warmedUp(await BotHarness.start()); }, 60_000);
afterAll(async () => { await h?.close(); });
beforeEach(() => { h.openai.reset(); });

// 0-10 and 39 are taken by number below.
const freshChannel = channelPool(40);
const lastChat = () => h.openai.chat.lastRequest as unknown as ChatBody;
const imageParts = (body: ChatBody) => body.messages.flatMap((m) => (Array.isArray(m.content) ? m.content.filter((p) => p.type === 'image_url') : []));
const setModel = (channelId: string, model: string) =>
  h.bot.ctx.services.settings.updateChannel({ guildId: DEFAULT_GUILD_ID, channelId, parentId: null }, { model }, '100000000000000001');
const ledgerRows = () => h.bot.ctx.db.prepare(`SELECT model, reserved_micros AS reserved, charged_micros AS charged, input_tokens AS input FROM ledger ORDER BY id`).all() as { model: string; reserved: number; charged: number; input: number }[];
const served = (url: string) => h.discord.state.attachmentBytesServed.get(new URL(url).pathname) ?? 0;
const downloads = () => h.discord.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/attachments/'));

async function ask(channelId: string, prompt: string, image?: { filename: string; data: Uint8Array; size?: number; expiresInSecs?: number }, locale = 'en-US') {
  const interaction = h.command('ask', image ? { prompt, image } : { prompt }, { channelId, locale });
  await h.settled(interaction);
  return interaction;
}

describe('/ask image:', () => {
  test.each([
    ['PNG', 'photo.png', craftPng(1024, 1024, 300_000), 'image/png'],
    ['JPEG', 'photo.jpg', craftJpeg(4032, 3024, 500_000, 40_000), 'image/jpeg'],
    ['still GIF', 'still.gif', craftGif(300, 200), 'image/gif'],
    ['WebP', 'photo.webp', craftWebp(1920, 1080, 'VP8X'), 'image/webp'],
  ])('a %s reaches OpenAI as an image_url part: a data URL of the checked bytes, detail high', async (_name, filename, data, mime) => {
    const channelId = freshChannel();
    const i = await ask(channelId, 'What is in this picture?', { filename, data });
    const body = lastChat();
    const question = body.messages.at(-1)!;
    expect(question.role).toBe('user');
    const parts = question.content as Part[];
    expect(parts[0]).toMatchObject({ type: 'text', text: expect.stringMatching(/: What is in this picture\?$/) });
    expect(parts[1]).toEqual({ type: 'image_url', image_url: { url: `data:${mime};base64,${Buffer.from(data).toString('base64')}`, detail: 'high' } });
    expect(i.transcript()[0]).toMatch(/^You said: /);
  });

  test.each([
    ['gpt-4o', 1024, 1024], ['gpt-4o', 4000, 1000], ['gpt-4o-mini', 2048, 4096],
    ['gpt-4.1-mini', 1800, 2400], ['gpt-4.1-mini', 333, 5000], ['gpt-4.1-nano', 10_000, 10_000],
  ])('%s, %i×%i: the reservation covers the image tokens OpenAI bills, settled from its usage', async (model, width, height) => {
    const channelId = freshChannel();
    setModel(channelId, model);
    const before = ledgerRows().length;
    await ask(channelId, 'Describe it', { filename: 'p.png', data: craftPng(width, height, 4000) });
    const rows = ledgerRows().slice(before);
    expect(rows).toHaveLength(1);
    const [row] = rows;
    const billedImage = imagePartTokens(model, imageParts(lastChat())[0] as unknown as Record<string, unknown>);
    expect(row!.model).toBe(model);
    expect(row!.input).toBeGreaterThan(billedImage); // usage's prompt_tokens carries the image tokens
    expect(row!.reserved).toBeGreaterThanOrEqual(row!.charged);
    expect(row!.charged).toBeGreaterThan(0);
  });

  test.each([
    ['en-US', 'en'], ['zh-TW', 'zh-TW'],
  ] as const)('a file that is not an image is refused before anything is sent, the download stopped early (%s)', async (locale, language) => {
    const channelId = freshChannel();
    const data = craftPdf(19_000_000);
    const i = await ask(channelId, 'Read this', { filename: 'scan.png', data }, locale);
    expect(h.openai.chat.requests).toHaveLength(0);
    expect(i.transcript()).toEqual([t(language, 'vision', 'notImage', { filename: 'scan.png' })]);
    const url = downloads().at(-1)!;
    // What the fake wrote before the bot hung up: the first piece plus what the sockets' buffers took (~4 MB here).
    expect(served(`http://x${url.path}`)).toBeLessThan(data.length / 2);
  });

  test('an animated GIF is refused: OpenAI takes only still ones', async () => {
    const i = await ask(freshChannel(), 'Funny?', { filename: 'cat.gif', data: craftGif(100, 100, 3) });
    expect(h.openai.chat.requests).toHaveLength(0);
    expect(i.transcript()).toEqual([t('en', 'vision', 'animated', { filename: 'cat.gif' })]);
    // Only the asker sees why: the public "thinking…" reply is replaced by an ephemeral one.
    expect(i.original()).toBeUndefined();
    expect((i.followUps.at(-1)?.flags ?? 0) & 64).toBe(64);
  });

  test('an image Discord says is over 20 MB is refused without a download', async () => {
    const before = downloads().length;
    const i = await ask(freshChannel(), 'Look', { filename: 'huge.png', data: craftPng(100, 100, 1000), size: MAX_IMAGE_BYTES + 1 });
    expect(downloads().length).toBe(before);
    expect(h.openai.chat.requests).toHaveLength(0);
    expect(i.transcript()).toEqual([t('en', 'vision', 'tooLarge', { filename: 'huge.png', limit: 20, total: 36 })]);
  });

  test('a member who can spend nothing now is refused before any image is downloaded', async () => {
    const user = { id: '530000000000000001', username: 'broke' };
    new BudgetStore(h.bot.ctx.db).setLimit(DEFAULT_GUILD_ID, { scope: 'user', targetId: user.id, period: 'day', amountMicros: 0, updatedBy: 'admin', updatedAt: Date.now() });
    const before = downloads().length;
    const i = h.command('ask', { prompt: 'Look', image: { filename: 'big.png', data: craftPng(2000, 2000, 5_000_000) } }, { channelId: TEST_CHANNEL_IDS[1]!, user });
    await h.settled(i);
    expect(downloads().length).toBe(before);
    expect(h.openai.chat.requests).toHaveLength(0);
    expect(i.followUps.at(-1)?.content).toMatch(/set to \$0/);
    expect(h.bot.ctx.db.prepare('SELECT COUNT(*) FROM ledger WHERE user_id = ?').pluck().get(user.id)).toBe(0);
  });

  test('an image larger than its declared size is cut off at the limit, not read to the end', async () => {
    const data = craftPng(4000, 4000, MAX_IMAGE_BYTES + 4_000_000);
    const i = await ask(freshChannel(), 'Look', { filename: 'liar.png', data, size: 1000 });
    expect(h.openai.chat.requests).toHaveLength(0);
    expect(i.transcript()).toEqual([t('en', 'vision', 'tooLarge', { filename: 'liar.png', limit: 20, total: 36 })]);
    const url = downloads().at(-1)!;
    expect(served(`http://x${url.path}`)).toBeLessThan(data.length);
  });

  const stripChannel = TEST_CHANNEL_IDS[5]!;
  test.each([
    ['gpt-4.1-nano', 30, 100_000], ['gpt-4.1-mini', 100_000, 20], ['gpt-4.1-nano', 1, 60_000],
  ])('%s, a %i×%i strip (a side under one patch once scaled): the reservation still covers what OpenAI bills for it', async (model, width, height) => {
    setModel(stripChannel, model);
    // The member asks for a long description: the model writes its whole allowance, so only the prompt's count is left to cover the image.
    h.openai.chat.setDefault((req) => ({ text: 'A long strip.', finishReason: 'length', usage: { completion_tokens: (req as { max_completion_tokens?: number; max_tokens?: number }).max_completion_tokens ?? req.max_tokens ?? 0 } }));
    // Private: no history, so each case sends its own image only.
    await h.settled(h.command('ask', { prompt: 'Describe every detail', private: true, image: { filename: 'strip.png', data: craftPng(width, height, 4000) } }, { channelId: stripChannel }));
    const billedImage = imagePartTokens(model, imageParts(lastChat())[0] as unknown as Record<string, unknown>);
    expect(billedImage).toBeGreaterThan(1000);
    expect(h.acknowledgeOverruns()).toEqual([]);
  });
});

describe('history keeps images by reference', () => {
  test('the turn stores the URL, type, size and pixel size, never the bytes; a follow-up sends the image again', async () => {
    const channelId = freshChannel();
    const data = craftPng(800, 600, 50_000);
    const first = await ask(channelId, 'What colour is the car?', { filename: 'car.png', data });
    const stored = h.bot.ctx.db.prepare(`SELECT i.url, i.content_type AS contentType, i.size, i.width, i.height, t.content
      FROM turn_images i JOIN turns t ON t.id = i.turn_id WHERE t.channel_id = ?`).all(channelId) as Record<string, unknown>[];
    expect(stored).toEqual([{ url: expect.stringMatching(/\/attachments\/.*\/car\.png\?ex=[0-9a-f]+&is=[0-9a-f]+&hm=[0-9a-f]+&$/), contentType: 'image/png', size: 50_000, width: 800, height: 600, content: 'What colour is the car?' }]);
    const base64 = Buffer.from(data).toString('base64').slice(0, 40);
    const anywhere = h.bot.ctx.db.prepare(`SELECT COUNT(*) FROM turns WHERE content LIKE ?`).pluck().get(`%${base64}%`);
    expect(anywhere).toBe(0);
    expect(first.transcript()).toHaveLength(1);

    await ask(channelId, 'And the wheels?');
    const body = lastChat();
    const earlier = body.messages.find((m) => Array.isArray(m.content) && m.content.some((p) => p.text?.includes('What colour is the car?')))!;
    expect(earlier.content).toContainEqual({ type: 'image_url', image_url: { url: `data:image/png;base64,${Buffer.from(data).toString('base64')}`, detail: 'high' } });
    expect(body.messages.at(-1)!.content).toMatch(/And the wheels\?$/);
  });

  test('images hold their room among the files in memory until the answer is over; an earlier one with no room at once is not re-sent', async () => {
    // Its own channel (no other test here asks in it): the fresh ones are all taken.
    const channelId = TEST_CHANNEL_IDS[10]!;
    const gate = h.bot.ctx.services.downloads;
    const data = craftPng(800, 600, 40_000);
    const heldWhileAnswering: number[] = [];
    h.openai.chat.setDefault((req) => {
      heldWhileAnswering.push(gate.inFlight);
      return { text: `You said: ${JSON.stringify(req.messages.at(-1)).length}` };
    });
    await ask(channelId, 'What is this?', { filename: 'thing.png', data });
    // The question's image, whose data URL is in the request, holds its room until the answer is over.
    expect(heldWhileAnswering).toEqual([data.length]);
    expect(gate.inFlight).toBe(0);
    // The whole budget taken elsewhere: the follow-up neither waits nor fetches the earlier image, and marks it not shown.
    const other = (await gate.take(gate.budgetBytes, 0))!;
    try {
      const fetched = downloads().length;
      await ask(channelId, 'And now?');
      expect(downloads().length).toBe(fetched);
      const body = lastChat();
      expect(imageParts(body)).toHaveLength(0);
      expect(body.messages.some((m) => typeof m.content === 'string' && m.content.endsWith(`: What is this? ${IMAGE_NOT_RESENT_MARKER}`))).toBe(true);
      expect(heldWhileAnswering.at(-1)).toBe(gate.budgetBytes);
    } finally {
      other.release();
    }
    expect(gate.inFlight).toBe(0);
  });

  test('an earlier image whose URL expired is dropped with a marker, not fetched, and the text stays', async () => {
    const channelId = freshChannel();
    // Signed for 30 s: inside the bot's margin, so it counts as expired from the next question on.
    await ask(channelId, 'Is this a cat?', { filename: 'cat.png', data: craftPng(256, 256, 2000), expiresInSecs: 30 });
    const fetched = downloads().length;
    await ask(channelId, 'What breed?');
    expect(downloads().length).toBe(fetched);
    const body = lastChat();
    expect(imageParts(body)).toHaveLength(0);
    expect(body.messages.some((m) => typeof m.content === 'string' && m.content.endsWith(`: Is this a cat? ${IMAGE_GONE_MARKER}`))).toBe(true);
  });
});

describe('models that cannot see', () => {
  test.each([
    ['en-US', 'en'], ['zh-TW', 'zh-TW'],
  ] as const)('a channel on gpt-3.5-turbo with no VISION_MODEL gets a plain reply, nothing is sent or charged (%s)', async (locale, language) => {
    const channelId = freshChannel();
    setModel(channelId, 'gpt-3.5-turbo');
    const before = ledgerRows().length;
    const i = await ask(channelId, 'What is this?', { filename: 'x.png', data: craftPng(10, 10) }, locale);
    expect(i.transcript()).toEqual([t(language, 'vision', 'noVision', { model: 'gpt-3.5-turbo' })]);
    expect(h.openai.chat.requests).toHaveLength(0);
    expect(ledgerRows().length).toBe(before);
  });
});

describe('VISION_MODEL', () => {
  let hv: BotHarness;
  beforeAll(async () => { hv = await warmedUp(await BotHarness.start({ env: { VISION_MODEL: 'gpt-4.1-mini' } })); }, 60_000);
  afterAll(async () => { await hv?.close(); });

  test('answers a question with an image when the channel model cannot see; text-only questions stay on the channel model', async () => {
    const channelId = TEST_CHANNEL_IDS[0]!;
    hv.bot.ctx.services.settings.updateChannel({ guildId: DEFAULT_GUILD_ID, channelId, parentId: null }, { model: 'gpt-3.5-turbo' }, '100000000000000001');
    const withImage = hv.command('ask', { prompt: 'What is this?', image: { filename: 'x.png', data: craftPng(640, 480, 3000) } }, { channelId });
    await hv.settled(withImage);
    expect((hv.openai.chat.lastRequest as unknown as ChatBody).model).toBe('gpt-4.1-mini');
    const textOnly = hv.command('ask', { prompt: 'And in words?' }, { channelId });
    await hv.settled(textOnly);
    const body = hv.openai.chat.lastRequest as unknown as ChatBody;
    // gpt-3.5-turbo would refuse image parts: the earlier image stays out, marked, and the answer comes.
    expect(body.model).toBe('gpt-3.5-turbo');
    expect(imageParts(body)).toHaveLength(0);
    expect(textOnly.transcript()[0]).toMatch(/^You said: /);
  });

  test('a thread opened on an answer the vision model gave keeps that model in its first turn, as the channel\'s history does', async () => {
    const channelId = TEST_CHANNEL_IDS[1]!;
    hv.bot.ctx.services.settings.updateChannel({ guildId: DEFAULT_GUILD_ID, channelId, parentId: null }, { model: 'gpt-3.5-turbo' }, '100000000000000001');
    const asked = hv.command('ask', { prompt: 'What is this?', image: { filename: 'x.png', data: craftPng(640, 480, 3000) }, thread: true }, { channelId });
    await hv.settled(asked);
    const threadId = asked.original()!.id; // Discord gives the thread its starter message's id
    const models = (where: string) => hv.bot.ctx.db.prepare(`SELECT model FROM turns WHERE channel_id = ? AND role = 'assistant'`).pluck().all(where);
    expect(models(channelId)).toEqual(['gpt-4.1-mini']);
    expect(models(threadId)).toEqual(['gpt-4.1-mini']);
  });
});

describe('mentions and DMs', () => {
  test('an image attached to a mention goes to the model with the question', async () => {
    const channelId = freshChannel();
    const data = craftJpeg(1200, 900, 20_000);
    h.discord.sendMessage({ channelId, content: `<@${h.discord.botUser.id}> what is this?`, attachments: [{ filename: 'a.jpg', data, contentType: 'image/jpeg' }] });
    await h.repliedIn([channelId]);
    const parts = imageParts(lastChat());
    expect(parts).toEqual([{ type: 'image_url', image_url: { url: `data:image/jpeg;base64,${Buffer.from(data).toString('base64')}`, detail: 'high' } }]);
  });

  test('a DM with only an image is a question too; other files are left alone', async () => {
    h.discord.sendMessage({ dm: true, content: '', attachments: [{ filename: 'b.png', data: craftPng(64, 64, 500) }, { filename: 'notes.txt', data: new TextEncoder().encode('hello'), contentType: 'text/plain' }] });
    const deadline = Date.now() + 10_000;
    while (h.openai.chat.requests.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    await h.settled();
    expect(imageParts(lastChat())).toHaveLength(1);
  });
});

describe('a compatible server that reports no usage', () => {
  test('is charged the image\'s count by its published rule (here also its reservation)', async () => {
    const channelId = freshChannel();
    setModel(channelId, 'gpt-4o');
    h.openai.compat = { noUsage: true };
    try {
      const before = ledgerRows().length;
      await ask(channelId, 'Describe', { filename: 'c.png', data: craftPng(2048, 4096, 3000) });
      const [row] = ledgerRows().slice(before);
      // gpt-4o bills 1,105 tokens for a 2048×4096 image at high detail: the estimate charged holds at least that.
      expect(row!.input).toBeGreaterThanOrEqual(1105);
      expect(row!.charged).toBeLessThanOrEqual(row!.reserved);
    } finally {
      h.openai.compat = {};
    }
  });
});

/**
 * A model the bot knows sees only from gpt-tokenizer's data has no published image rule. Priced cheaply (here by
 * PRICING_FILE, at gpt-4o-mini's price), it may count an image as gpt-4o-mini does: 48,169 tokens for 768×2048,
 * where the fallback rule counts 3,779.
 */
describe('a model whose image rule is unpublished, at a low input price', () => {
  const MODEL = 'gpt-5.3-chat-latest';
  let hp: BotHarness;
  beforeAll(async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'bot-pricing-')), 'prices.json');
    writeFileSync(file, JSON.stringify({ chat: { [MODEL]: { input: 0.15, cachedInput: 0.075, output: 0.6 } } }));
    hp = await warmedUp(await BotHarness.start({ env: { PRICING_FILE: file } }));
    hp.openai.addModel(MODEL);
  }, 60_000);
  afterAll(async () => { await hp?.close(); });
  beforeEach(() => { hp.openai.reset(); hp.openai.addModel(MODEL); });

  const image = () => ({ filename: 'tall.png', data: craftPng(768, 2048, 4000) });
  /** The fake bills the image as gpt-4o-mini would (what such a model may really do), with usage. */
  const billsLikeMini = (req: ChatCompletionCreateParams) => {
    const parts = imageParts(req as unknown as ChatBody) as unknown as Record<string, unknown>[];
    const extra = parts.reduce((sum, part) => sum + imagePartTokens('gpt-4o-mini', part) - imagePartTokens(MODEL, part), 0);
    return { text: 'A tall picture.', usage: { prompt_tokens: countPromptTokens(req) + extra, completion_tokens: 5 } };
  };
  const rowsOf = (userId: string) => hp.bot.ctx.db.prepare(`SELECT state, reserved_micros AS reserved, charged_micros AS charged, input_tokens AS input FROM ledger WHERE user_id = ? ORDER BY id`)
    .all(userId) as { state: string; reserved: number; charged: number; input: number }[];
  const askAs = async (user: { id: string; username: string }, channelId: string) => {
    hp.bot.ctx.services.settings.updateChannel({ guildId: DEFAULT_GUILD_ID, channelId, parentId: null }, { model: MODEL }, '100000000000000001');
    const i = hp.command('ask', { prompt: 'Describe', image: image() }, { channelId, user });
    await hp.settled(i);
    return i;
  };

  test('a member with $0.005 left can\'t pass the limit with one image: the reservation covers gpt-4o-mini\'s dollars, so it is refused', async () => {
    const user = { id: '530000000000000002', username: 'nearly' };
    // Counted by the fallback rule alone, the call reserves ~$0.0031 (image, text, 4,096 output tokens) and fits;
    // billed as gpt-4o-mini bills, the image alone costs $0.0072.
    new BudgetStore(hp.bot.ctx.db).setLimit(DEFAULT_GUILD_ID, { scope: 'user', targetId: user.id, period: 'day', amountMicros: 5000, updatedBy: 'admin', updatedAt: Date.now() });
    hp.openai.chat.setDefault(billsLikeMini);
    await askAs(user, TEST_CHANNEL_IDS[2]!);
    const spent = rowsOf(user.id).reduce((sum, row) => sum + row.charged, 0);
    expect(spent).toBeLessThanOrEqual(5000);
    expect(hp.openai.chat.requests).toHaveLength(0);
  });

  test('with room to spend, OpenAI\'s usage is settled as billed, within the reservation', async () => {
    const user = { id: '530000000000000003', username: 'roomy' };
    hp.openai.chat.setDefault(billsLikeMini);
    await askAs(user, TEST_CHANNEL_IDS[3]!);
    const [row] = rowsOf(user.id);
    expect(row).toMatchObject({ state: 'settled', input: expect.any(Number) });
    expect(row!.input).toBeGreaterThan(2833 + 8 * 5667);
    expect(row!.charged).toBe(hp.bot.ctx.services.pricing.chatCost(MODEL, { promptTokens: row!.input, completionTokens: 5, cachedTokens: 0 }));
    expect(row!.reserved).toBeGreaterThanOrEqual(row!.charged);
  });

  test('a server that sends no usage is charged the fallback rule\'s count, not the reservation\'s bound', async () => {
    const user = { id: '530000000000000004', username: 'local' };
    hp.openai.compat = { noUsage: true };
    await askAs(user, TEST_CHANNEL_IDS[4]!);
    const [row] = rowsOf(user.id);
    expect(row!.state).toBe('settled');
    // 3,779 tokens for the image (1,536 patches × 2.46) plus the question's text and framing.
    expect(row!.input).toBeGreaterThanOrEqual(3779);
    expect(row!.input).toBeLessThan(3779 + 200);
    // The reservation held gpt-4o-mini's 48,169 image tokens at $0.15 per 1M ($0.0072).
    expect(row!.reserved).toBeGreaterThan(7225);
    expect(row!.charged).toBeLessThan(row!.reserved / 2);
  });
});
