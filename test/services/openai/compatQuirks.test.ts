/**
 * More of what compatible servers really send, through the real bot: streams that end without [DONE], chunks
 * without ids, llama.cpp's keep-alive comments (ggml-org/llama.cpp#24013, every second since #25241), vLLM's
 * `finish_reason: "abort"`, and servers without OpenAI's files and fine-tuning routes.
 * (compatServers.test.ts holds the first set: usage, finish_reason, error events and bodies, missing routes.)
 */
import { readFileSync } from 'node:fs';
import { GatewayIntentBits, type APIMessage } from 'discord.js';
import { afterAll, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { BotHarness, TEST_CHANNEL_IDS, channelPool } from '../../support/botHarness.ts';
import { DEFAULT_GUILD_ID, type FakeInteraction } from '../../support/fakeDiscord.ts';
import type { CompatOptions, NotFoundStyle } from '../../support/fakeOpenAI.ts';

/** Short, so a prefill longer than it is quick to test (real deployments wait 60 s), yet far above a loaded machine's pauses. */
const IDLE_TIMEOUT_MS = 2000;
const MANAGE_GUILD = String(1n << 5n);

let h: BotHarness;
beforeAll(async () => { h = await BotHarness.start({ env: { OPENAI_MAX_RETRIES: '0', OPENAI_TIMEOUT_MS: String(IDLE_TIMEOUT_MS) } }); });
afterAll(async () => { await h?.close(); });
beforeEach(() => { h.openai.reset(); });

// 30 and 31 are taken by number below.
const freshChannel = channelPool(0, 30);
const turns = (channelId: string) => h.bot.ctx.db.prepare('SELECT content FROM turns WHERE channel_id = ? ORDER BY id').all(channelId).map((t) => (t as { content: string }).content);
interface LedgerRow { command: string; state: string; charged: number; reserved: number; inputTokens: number | null; outputTokens: number | null }
const ledger = (channelId: string) => h.bot.ctx.db.prepare(`SELECT command, state, charged_micros AS charged, reserved_micros AS reserved,
  input_tokens AS inputTokens, output_tokens AS outputTokens FROM ledger WHERE channel_id = ? ORDER BY id`).all(channelId) as LedgerRow[];
const shown = (i: FakeInteraction) => [...i.callbacks.map((c) => (c.data as { content?: string } | undefined)?.content ?? ''), ...i.transcript()].join('\n');

async function ask(channelId: string, prompt = 'Hello?', locale?: string) {
  const i = h.command('ask', { prompt }, { channelId, ...(locale ? { locale } : {}) });
  await h.settled(i, 15_000);
  return i;
}

async function mention(channelId: string, text: string): Promise<APIMessage> {
  h.discord.sendMessage({ channelId, content: `<@${h.discord.botUser.id}> ${text}` });
  const mine = () => h.discord.channelMessages(channelId).filter((m) => m.author.id === h.discord.botUser.id);
  const deadline = performance.now() + 5000;
  while (mine().length === 0) {
    if (performance.now() > deadline) throw new Error('no reply from the bot');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await h.settled();
  return mine()[0]!;
}

/** Keep-alive comments, no ids, no role, no usage, no [DONE]: only the finish_reason says the answer is whole. */
const BARE_STREAM: CompatOptions = { noDone: true, bareChunks: true, pingEveryMs: 5, noUsage: true, noRole: true };

describe('streams that end without [DONE], with bare chunks and keep-alive comments', () => {
  test('/ask: complete, stored, and charged the bot\'s own count (no usage came)', async () => {
    h.openai.compat = BARE_STREAM;
    const channelId = freshChannel();
    const answer = 'A whole answer, streamed in pieces with pings between them.';
    h.openai.chat.enqueue({ text: answer, chunkDelayMs: 12 });
    const i = await ask(channelId);
    expect(i.transcript()).toEqual([answer]);
    expect(turns(channelId)).toEqual(['Hello?', answer]);
    const [row] = ledger(channelId);
    const { tokens } = h.bot.ctx.services;
    expect(row).toMatchObject({ command: 'ask', state: 'settled', outputTokens: tokens.weigh(tokens.countMessage(answer), 'gpt-4o-mini') });
    expect(row!.charged).toBeGreaterThan(0);
    expect(row!.charged).toBeLessThan(row!.reserved);
  });

  test('a mention: answered in full and charged to its author', async () => {
    h.openai.compat = BARE_STREAM;
    const channelId = freshChannel();
    h.openai.chat.enqueue({ text: 'Answered without a single id or [DONE].', chunkDelayMs: 12 });
    const reply = await mention(channelId, 'are you there?');
    expect(reply.content).toBe('Answered without a single id or [DONE].');
    expect(ledger(channelId)).toMatchObject([{ command: 'mention', state: 'settled' }]);
    expect(ledger(channelId)[0]!.charged).toBeGreaterThan(0);
  });

  test('/translate: translated, no warning, charged', async () => {
    h.openai.compat = BARE_STREAM;
    const channelId = freshChannel();
    h.openai.chat.enqueue({ text: 'SOURCE: French | fr\n---\nGood evening', chunkDelayMs: 12 });
    const i = h.command('translate', { text: 'Bonsoir', to: 'English' }, { channelId });
    await h.settled(i);
    expect(shown(i)).toMatch(/Good evening/);
    expect(shown(i)).not.toMatch(/cut off|⚠️/);
    expect(ledger(channelId)).toMatchObject([{ command: 'translate', state: 'settled' }]);
    expect(ledger(channelId)[0]!.charged).toBeGreaterThan(0);
  });

  test.each([
    ['en-US', 'The AI service had an internal error. Please try again in a moment.'],
    ['ja', 'AI サービスで内部エラーが発生しました'],
  ])('/translate when llama.cpp sends an error event before any text (%s): a plain reply, nothing charged', async (locale, reply) => {
    const channelId = freshChannel();
    h.openai.chat.enqueue({ streamError: { code: 500, message: 'failed to decode the batch', type: 'server_error' } });
    const i = h.command('translate', { text: 'Bonsoir', to: 'English' }, { channelId, locale });
    await h.settled(i);
    expect(shown(i)).toContain(reply);
    expect(shown(i)).not.toMatch(/decode the batch/);
    expect(ledger(channelId)).toMatchObject([{ command: 'translate', state: 'released', charged: 0 }]);
  });

  test('a local reasoning model\'s <think> block in bare chunks: only the answer is shown and stored', async () => {
    h.openai.compat = BARE_STREAM;
    const channelId = freshChannel();
    h.openai.chat.enqueue({ reasoning: 'The member greets me.', reasoningField: 'think', text: 'Hello!' });
    const i = await ask(channelId);
    expect(i.transcript()).toEqual(['Hello!']);
    expect(turns(channelId)).toEqual(['Hello?', 'Hello!']);
  });
});

describe('a stream that ends cleanly with neither finish_reason nor [DONE]: Ollama\'s failure on a local model, a cut stream on a paid one', () => {
  /** Unpriced: charged at the UNPRICED_MODELS fallback on this private host (127.0.0.1), like a model Ollama runs for free. */
  const LOCAL = 'llama3.2';
  /** Priced from the table: on a paid server the same bytes are a stream cut after its prompt was read and billed. */
  const PAID = 'gpt-4o-mini';
  async function useModel(channelId: string, model: string): Promise<void> {
    h.openai.addModel(model);
    await h.settled(h.command('settings', { name: model }, { subcommand: 'model', channelId, permissions: MANAGE_GUILD }));
  }

  test.each([
    [LOCAL, 'en-US', '⚠️ The answer is incomplete: the AI service reported an internal error partway through.'],
    [LOCAL, 'zh-CN', '⚠️'],
    [PAID, 'en-US', '⚠️ The answer is incomplete: the AI service reported an internal error partway through.'],
  ])('%s after some text (%s): shown as incomplete, not stored, the text that came charged', async (model, locale, notice) => {
    h.openai.compat = { noDone: true, noFinishReason: true, noUsage: true };
    const channelId = freshChannel();
    await useModel(channelId, model);
    const arrived = 'The first half of an answer. ';
    h.openai.chat.enqueue({ text: arrived, chunks: [arrived] });
    const i = await ask(channelId, 'Tell me.', locale);
    expect(h.openai.chat.requests.at(-1)!.model).toBe(model);
    expect(i.transcript()[0]!.startsWith(`${arrived.trim()}\n\n`)).toBe(true);
    expect(i.transcript()[0]).toContain(notice);
    expect(turns(channelId)).toEqual([]);
    const [row] = ledger(channelId);
    const { tokens } = h.bot.ctx.services;
    expect(row).toMatchObject({ state: 'settled', outputTokens: tokens.weigh(tokens.countMessage(arrived), model) });
    expect(row!.inputTokens).toBeGreaterThan(0);
    expect(row!.charged).toBeLessThan(row!.reserved);
  });

  test('a local model before any text: the server-error reply, nothing charged (Ollama\'s runner failed; nothing was billed)', async () => {
    h.openai.compat = { noDone: true, noFinishReason: true, noUsage: true };
    const channelId = freshChannel();
    await useModel(channelId, LOCAL);
    h.openai.chat.enqueue({ text: '' });
    const i = await ask(channelId);
    expect(h.openai.chat.requests.at(-1)!.model).toBe(LOCAL);
    expect(i.transcript()).toEqual(['The AI service had an internal error. Please try again in a moment.']);
    expect(ledger(channelId)).toMatchObject([{ state: 'released', charged: 0 }]);
  });

  test('a paid model before any text: the same reply, and the prompt the service read is charged (never the whole reservation)', async () => {
    h.openai.compat = { noDone: true, noFinishReason: true, noUsage: true };
    const channelId = freshChannel();
    await useModel(channelId, PAID);
    h.openai.chat.enqueue({ text: '' });
    const i = await ask(channelId);
    expect(i.transcript()).toEqual(['The AI service had an internal error. Please try again in a moment.']);
    const [row] = ledger(channelId);
    expect(row).toMatchObject({ state: 'settled', outputTokens: 0 });
    expect(row!.inputTokens).toBeGreaterThan(0);
    expect(row!.charged).toBeGreaterThan(0);
    expect(row!.charged).toBeLessThan(row!.reserved);
  });

  test('[DONE] without a finish_reason is still a whole answer', async () => {
    h.openai.compat = { noFinishReason: true, noUsage: true };
    const channelId = freshChannel();
    h.openai.chat.enqueue({ text: 'Whole.' });
    const i = await ask(channelId);
    expect(i.transcript()).toEqual(['Whole.']);
    expect(turns(channelId)).toEqual(['Hello?', 'Whole.']);
  });
});

describe('llama.cpp pings while it reads a long prompt', () => {
  test('a first token later than OPENAI_TIMEOUT_MS, with keep-alive comments meanwhile, is waited for', async () => {
    // Pings far more often than the timeout, as llama.cpp's every second against a 60 s OPENAI_TIMEOUT_MS.
    h.openai.compat = { pingEveryMs: 50 };
    const channelId = freshChannel();
    h.openai.chat.enqueue({ text: 'Worth the wait.', delayMs: IDLE_TIMEOUT_MS * 2.5 });
    const i = await ask(channelId);
    expect(i.transcript()).toEqual(['Worth the wait.']);
    expect(ledger(channelId)).toMatchObject([{ state: 'settled' }]);
  });

  test('the same silence without pings is still a timeout', async () => {
    const channelId = freshChannel();
    h.openai.chat.enqueue({ text: 'Too late.', thinkMs: IDLE_TIMEOUT_MS * 1.5 });
    const i = await ask(channelId);
    expect(i.transcript()[0]).toMatch(/^The AI service took too long to answer/);
    expect(turns(channelId)).toEqual([]);
  });
});

describe.each([
  ['abort', 'vLLM: the server stopped the request'],
  ['error', 'OpenRouter\'s for a failure partway, its error object dropped by a proxy'],
] as const)('finish_reason "%s" (%s)', (finishReason, _server) => {
  test.each([
    ['en-US', 'Half of', '⚠️ The answer is incomplete: the AI service reported an internal error partway through.'],
    ['zh-TW', '一半', '⚠️'],
  ])('after some text (%s): shown as incomplete, not stored, the text that came charged', async (locale, text, notice) => {
    h.openai.compat = { noUsage: true };
    const channelId = freshChannel();
    h.openai.chat.enqueue({ text, finishReason });
    const i = await ask(channelId, 'Tell me everything.', locale);
    expect(i.transcript()[0]!.startsWith(`${text}\n\n`)).toBe(true);
    expect(i.transcript()[0]).toContain(notice);
    expect(turns(channelId)).toEqual([]);
    const [row] = ledger(channelId);
    expect(row).toMatchObject({ state: 'settled' });
    expect(row!.outputTokens).toBeGreaterThan(0);
    expect(row!.charged).toBeGreaterThan(0);
    expect(row!.charged).toBeLessThan(row!.reserved);
  });

  test('before any text: a plain server-error reply, the prompt it read charged (never the whole reservation)', async () => {
    h.openai.compat = { noUsage: true };
    const channelId = freshChannel();
    h.openai.chat.enqueue({ text: '', finishReason });
    const i = await ask(channelId);
    expect(i.transcript()).toEqual(['The AI service had an internal error. Please try again in a moment.']);
    const [row] = ledger(channelId);
    expect(row).toMatchObject({ state: 'settled', outputTokens: 0 });
    expect(row!.inputTokens).toBeGreaterThan(0);
    expect(row!.charged).toBeLessThan(row!.reserved);
  });
});

describe('/finetune on a server without OpenAI\'s files and fine-tuning routes', () => {
  const JSONL = Buffer.from(`${Array.from({ length: 10 }, (_, n) => JSON.stringify({ messages: [{ role: 'user', content: `q${n}` }, { role: 'assistant', content: `a${n}` }] })).join('\n')}\n`);
  test.each<[NotFoundStyle, string]>([
    ['gin', 'en-US'], ['fastapi', 'en-US'], ['lmstudio', 'en-US'], ['llamacpp', 'zh-TW'], ['method', 'en-US'],
  ])('upload (%s, %s): said so plainly, nothing charged', async (notFoundStyle, locale) => {
    h.openai.compat = { missingRoutes: ['files', 'fine_tuning'], notFoundStyle };
    const channelId = freshChannel();
    const i = h.command('finetune', { file: { filename: 'data.jsonl', contentType: 'application/jsonl', data: JSONL } }, { subcommand: 'upload', permissions: MANAGE_GUILD, channelId, locale });
    await h.settled(i);
    expect(shown(i)).toContain(locale === 'en-US' ? 'This AI service has no fine-tuning' : '這個 AI 服務不支援微調');
    expect(shown(i)).not.toMatch(/page not found|Not Found|Unexpected endpoint/);
    // Seen as missing at once: not repeated, nor looked for in a file list the server doesn't have more than once.
    expect(h.openai.requestsTo('/v1/files').filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(ledger(channelId).every((row) => row.charged === 0)).toBe(true);
  });
});

describe('the start-up check against each server\'s way of saying it has no /models', () => {
  test.each<[NotFoundStyle]>([['fastapi'], ['lmstudio'], ['llamacpp'], ['express'], ['method']])('%s', async (notFoundStyle) => {
    const other = await BotHarness.start({ openai: { compat: { missingRoutes: ['models'], notFoundStyle } } });
    try {
      expect(await other.bot.aiServiceChecked).toBe('ok');
      const warnings = other.logs().filter((l) => l.level === 40).map((l) => String(l.msg));
      expect(warnings.some((m) => m.includes('has no model list (GET /models'))).toBe(true);
      expect(warnings.some((m) => m.includes('does not list DEFAULT_MODEL'))).toBe(false);
    } finally {
      await other.close();
    }
  });
});

describe('voice messages on a server without /audio/transcriptions', () => {
  const IS_VOICE_MESSAGE = 1 << 13;
  const VOICE_OGG = new Uint8Array(readFileSync(new URL('../../fixtures/audio/voice.ogg', import.meta.url)));
  let v: BotHarness;
  beforeAll(async () => {
    v = await BotHarness.start({ env: { VOICE_TRANSCRIPTION: 'true' }, discord: { privilegedIntents: GatewayIntentBits.MessageContent } });
  });
  afterAll(async () => { await v?.close(); });
  const voice = (channelId: string) => v.discord.sendMessage({
    channelId, author: { id: '520000000000000077', username: 'speaker' }, flags: IS_VOICE_MESSAGE,
    attachments: [{ filename: 'voice-message.ogg', contentType: 'audio/ogg', data: VOICE_OGG, durationSecs: 1.5 }],
  });
  const replies = (channelId: string) => v.discord.channelMessages(channelId).filter((m) => m.author.id === v.discord.botUser.id);

  test.each<[NotFoundStyle]>([['gin'], ['lmstudio'], ['method']])('(%s) the first voice message is told why, later ones are not asked about again for a while', async (notFoundStyle) => {
    v.openai.reset();
    v.openai.compat = { missingRoutes: ['transcriptions'], notFoundStyle };
    const channelId = TEST_CHANNEL_IDS[{ gin: 30, lmstudio: 31, method: 29 }[notFoundStyle as string]!]!;
    await v.settled(v.command('settings', { state: 'on' }, { subcommand: 'voice-transcription', channelId, permissions: MANAGE_GUILD }));
    voice(channelId);
    const deadline = performance.now() + 5000;
    while (replies(channelId).length === 0 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    await v.settled();
    expect(replies(channelId).map((m) => m.content)).toEqual([expect.stringMatching(/^This AI service has no transcription endpoint/)]);
    voice(channelId);
    voice(channelId);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await v.settled();
    // One notice, one request: the route is missing, asking again for every voice message only repeats the 404.
    expect(replies(channelId)).toHaveLength(1);
    expect(v.openai.requestsTo('/v1/audio/transcriptions')).toHaveLength(1);
    const rows = v.bot.ctx.db.prepare('SELECT charged_micros AS charged FROM ledger WHERE channel_id = ?').all(channelId) as { charged: number }[];
    expect(rows.every((row) => row.charged === 0)).toBe(true);
    expect(v.bot.ctx.services.transcription.routeMissing(Date.now())).toBe(true);
    // The server gains the route: a /transcribe (never skipped) that works lifts the skip at once, and voice messages are heard again.
    v.openai.reset();
    v.openai.audio.enqueue({ text: 'route is back' }, { text: 'voice again' });
    const slash = v.command('transcribe', { audio: { filename: 'voice.ogg', contentType: 'audio/ogg', data: VOICE_OGG } }, { channelId });
    await v.settled(slash);
    expect(slash.transcript().join('\n')).toContain('route is back');
    expect(v.bot.ctx.services.transcription.routeMissing(Date.now())).toBe(false);
    const before = replies(channelId).length;
    voice(channelId);
    await vi.waitFor(() => expect(replies(channelId)).toHaveLength(before + 1), { timeout: 5000, interval: 10 });
    expect(replies(channelId).at(-1)!.content).toContain('voice again');
    await v.settled();
  });
});

describe('/settings model suggests what a compatible server lists', () => {
  const LOCAL_MODELS = ['llama3.1:8b', 'qwen3:14b', 'deepseek-r1:7b', 'nomic-embed-text:latest', 'whisper-1'];
  const suggest = async (harness: BotHarness, value: string) => {
    const i = harness.discord.sendInteraction({ kind: 'autocomplete', commandName: 'settings', guildId: DEFAULT_GUILD_ID, subcommand: 'model', focused: 'name', options: { name: value } });
    await i.callback();
    return (i.callbacks[0]!.data as { choices: { value: string }[] }).choices.map((c) => c.value);
  };

  test('its chat models come first; embedding and speech models are left out', async () => {
    const local = await BotHarness.start({ env: { DEFAULT_MODEL: 'llama3.1:8b' }, openai: { models: LOCAL_MODELS, compat: { bareChunks: true } } });
    try {
      await local.bot.aiServiceChecked;
      const all = await suggest(local, '');
      expect(all.slice(0, 4)).toEqual(['default', 'llama3.1:8b', 'qwen3:14b', 'deepseek-r1:7b']);
      expect(all).not.toContain('nomic-embed-text:latest');
      expect(all).not.toContain('whisper-1');
      expect(await suggest(local, 'qwen')).toEqual(['qwen3:14b']);
    } finally {
      await local.close();
    }
  });

  test.each<[NotFoundStyle]>([['gin'], ['lmstudio']])('without /models (%s): the suggestions the bot knows itself, no error', async (notFoundStyle) => {
    const local = await BotHarness.start({ env: { DEFAULT_MODEL: 'llama3.1:8b' }, openai: { models: LOCAL_MODELS, compat: { missingRoutes: ['models'], notFoundStyle } } });
    try {
      expect(await local.bot.aiServiceChecked).toBe('ok');
      const all = await suggest(local, '');
      expect(all.slice(0, 2)).toEqual(['default', 'llama3.1:8b']);
      expect(all).not.toContain('qwen3:14b');
      expect(all).toContain('gpt-4o-mini');
    } finally {
      await local.close();
    }
  });
});
