import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { makeWav } from '../../src/services/audio/wav.ts';
import { BotHarness } from '../support/botHarness.ts';
import type { FakeInteraction } from '../support/fakeDiscord.ts';

/** A 16 kHz mono 16-bit WAV of about `bytes` bytes: two fit in a 2 MB budget, three don't. */
const wavOfBytes = (bytes: number) => makeWav({ seconds: (bytes - 44) / 2 / 16_000 });
const FILE_BYTES = 900_000;
const BUDGET_ENV = { DOWNLOAD_MEMORY_MB: '2' };
/** The fake holds the first two uploads this long before answering: the third is still in line meanwhile. */
const HOLD_MS = 2500;
const TEST_MS = 60_000;
/** Manage Server: /finetune is for admins. */
const MANAGE_GUILD = String(1n << 5n);
const BUSY_EN = 'The bot is handling many files right now. Nothing was charged; please try again in a minute.';

let userSeq = 0;
const freshUser = () => ({ id: `52000000000000${String(++userSeq).padStart(4, '0')}`, username: `listener${userSeq}` });

/** The metric lines of the download gate, as /metrics shows them. */
async function gateMetrics(h: BotHarness): Promise<Record<string, number>> {
  const { body } = await h.bot.ctx.services.metrics.exposition();
  const lines = body.split('\n').filter((line) => line.startsWith('bot_download_'));
  return Object.fromEntries(lines.map((line) => [line.slice(0, line.lastIndexOf(' ')), Number(line.slice(line.lastIndexOf(' ') + 1))]));
}

/** Three members start /transcribe with a 0.9 MB file each at once. */
function threeAtOnce(h: BotHarness): { users: ReturnType<typeof freshUser>[]; interactions: FakeInteraction[] } {
  const users = [freshUser(), freshUser(), freshUser()];
  const interactions = users.map((user, n) => h.command('transcribe', { audio: { filename: `talk${n}.wav`, contentType: 'audio/wav', data: wavOfBytes(FILE_BYTES) } }, { user }));
  return { users, interactions };
}

const chargedRows = (h: BotHarness, userId: string) =>
  h.bot.ctx.db.prepare('SELECT state, charged_micros AS charged FROM ledger WHERE user_id = ?').all(userId) as { state: string; charged: number }[];

describe('/transcribe with a small DOWNLOAD_MEMORY_MB: the third file waits for room, then runs', () => {
  let h: BotHarness;
  beforeAll(async () => { h = await BotHarness.start({ env: { ...BUDGET_ENV, DOWNLOAD_WAIT_MS: '30000' } }); });
  afterAll(async () => { await h?.close(); });

  test('two files in memory at most; every member gets their transcript; the room is all given back', async () => {
    const gate = h.bot.ctx.services.downloads;
    h.openai.audio.enqueue({ text: 'one', delayMs: HOLD_MS }, { text: 'two', delayMs: HOLD_MS }, { text: 'three' });
    const { users, interactions } = threeAtOnce(h);
    await vi.waitFor(() => expect(gate.waiting).toBe(1), { timeout: 20_000, interval: 20 });
    // Two files' room is taken (each its declared size), the third waits; the gauge says so.
    expect(gate.inFlight).toBe(2 * wavOfBytes(FILE_BYTES).length);
    expect(await gateMetrics(h)).toMatchObject({ bot_download_waiting: 1, bot_download_bytes_in_flight: gate.inFlight });
    for (const i of interactions) await h.settled(i, TEST_MS);
    expect(interactions.map((i) => i.transcript()[0]).sort()).toEqual(['one', 'three', 'two']);
    expect(h.openai.audio.requests).toHaveLength(3);
    for (const user of users) expect(chargedRows(h, user.id)).toEqual([{ state: 'settled', charged: expect.any(Number) }]);
    expect(await gateMetrics(h)).toMatchObject({
      bot_download_bytes_in_flight: 0, bot_download_waiting: 0, 'bot_download_queue_total{event="waited"}': 1, 'bot_download_queue_total{event="refused"}': 0,
    });
  }, TEST_MS);
});

describe('/transcribe with a small DOWNLOAD_MEMORY_MB and a short DOWNLOAD_WAIT_MS: the third member is told busy', () => {
  let h: BotHarness;
  beforeAll(async () => { h = await BotHarness.start({ env: { ...BUDGET_ENV, DOWNLOAD_WAIT_MS: '300' } }); });
  afterAll(async () => { await h?.close(); });

  test('busy in plain words, nothing downloaded, reserved, sent or charged for that member; the room is all given back', async () => {
    h.openai.audio.enqueue({ text: 'one', delayMs: HOLD_MS }, { text: 'two', delayMs: HOLD_MS });
    const { users, interactions } = threeAtOnce(h);
    for (const i of interactions) await h.settled(i, TEST_MS);
    const busy = interactions.findIndex((i) => i.transcript()[0] === BUSY_EN);
    expect(busy).toBeGreaterThanOrEqual(0);
    expect(interactions.filter((_, n) => n !== busy).map((i) => i.transcript()[0]).sort()).toEqual(['one', 'two']);
    // The busy member's file was never fetched from Discord's CDN, nothing was reserved for them, nothing went to OpenAI.
    expect(h.discord.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/attachments/'))).toHaveLength(2);
    expect(chargedRows(h, users[busy]!.id)).toEqual([]);
    expect(h.openai.audio.requests).toHaveLength(2);
    expect(await gateMetrics(h)).toMatchObject({
      bot_download_bytes_in_flight: 0, bot_download_waiting: 0, 'bot_download_queue_total{event="waited"}': 1, 'bot_download_queue_total{event="refused"}': 1,
    });
  }, TEST_MS);

  test('a training file finds no room either: /finetune upload is told busy, nothing fetched or sent to OpenAI', async () => {
    const gate = h.bot.ctx.services.downloads;
    const everything = (await gate.take(gate.budgetBytes, 0))!;
    try {
      const before = h.discord.requests.filter((r) => r.path.startsWith('/attachments/')).length;
      const jsonl = Buffer.from('{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}\n'.repeat(10));
      const i = h.command('finetune', { file: { filename: 'data.jsonl', contentType: 'application/jsonl', data: jsonl } }, { subcommand: 'upload', permissions: MANAGE_GUILD });
      await h.settled(i, TEST_MS);
      expect(i.transcript().join('\n')).toBe(BUSY_EN);
      expect(h.discord.requests.filter((r) => r.path.startsWith('/attachments/')).length).toBe(before);
      expect(h.openai.requestsTo('/v1/files')).toHaveLength(0);
    } finally {
      everything.release();
    }
    expect(gate.inFlight).toBe(0);
    // Both commands are turned away by one rule: the same reply (above and in the test before) and the same log line.
    const busyLines = h.logs().filter((line) => line.msg === 'no room for the file among those in memory: told busy');
    expect(busyLines.map((line) => line.file).sort()).toEqual(['audio', 'training']);
  }, TEST_MS);

  test('a zh-TW member is told in their language', async () => {
    h.openai.audio.enqueue({ text: 'one', delayMs: HOLD_MS }, { text: 'two', delayMs: HOLD_MS });
    const files = [0, 1, 2].map((n) => h.command('transcribe', { audio: { filename: `t${n}.wav`, contentType: 'audio/wav', data: wavOfBytes(FILE_BYTES) } }, { user: freshUser(), locale: 'zh-TW' }));
    for (const i of files) await h.settled(i, TEST_MS);
    expect(files.map((i) => i.transcript()[0])).toContain('機器人現在正在處理很多檔案，這次沒有收費。請過一分鐘再試一次。');
    expect(h.bot.ctx.services.downloads.inFlight).toBe(0);
  }, TEST_MS);
});
