import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LEASE_MS } from '../../src/services/budget/ledger.ts';
import { BotHarness, TEST_CHANNEL_IDS, TEST_DISCORD_TOKEN, TEST_GUILD, TEST_OPENAI_KEY } from '../support/botHarness.ts';
import { DEFAULT_GUILD_ID, FakeDiscord, type FakeInteraction } from '../support/fakeDiscord.ts';
import { FakeOpenAI } from '../support/fakeOpenAI.ts';
import { childBotEnv, spawnBot } from '../support/spawnBot.ts';
import { tempDatabasePath } from '../support/tempDb.ts';

const BURST = 30;
const READY = '{"botProcess":"ready"}';

describe('a bot killed in the middle of a burst of questions', () => {
  let discord: FakeDiscord;
  let openai: FakeOpenAI;
  beforeAll(async () => {
    discord = await FakeDiscord.start({ token: TEST_DISCORD_TOKEN, guilds: [TEST_GUILD] });
    openai = await FakeOpenAI.start({ apiKey: TEST_OPENAI_KEY });
  });
  afterAll(async () => { await discord.close(); await openai.close(); });

  test('restarted on the same file: the database is sound, every answer a member saw whole is stored, every call in flight is charged its reservation', async () => {
    const databasePath = tempDatabasePath();
    const env = childBotEnv({ discord, openai }, {
      DATABASE_PATH: databasePath, LOG_LEVEL: 'warn',
      DEFAULT_BUDGET_USD: 'unlimited', BOT_LIMIT_USD: 'unlimited', MEMBER_LIMIT_USD: 'unlimited', SERVER_LIMIT_USD: 'unlimited',
    });
    const first = spawnBot('test/support/botProcess.ts', env);
    await first.waitForOutput(READY);

    // Answers of different lengths, so some are complete and some still streaming when the process dies.
    const prompts = new Map<FakeInteraction, string>();
    for (let n = 0; n < BURST; n++) {
      const words = Array.from({ length: 3 + (n % 10) }, (_, w) => `a${n}w${w}`);
      openai.chat.enqueue({ text: words.join(' '), chunks: words.map((w, i) => (i === 0 ? w : ` ${w}`)), chunkDelayMs: 120 });
    }
    for (let n = 0; n < BURST; n++) {
      const prompt = `question ${n}`;
      const i = discord.sendInteraction({ guildId: DEFAULT_GUILD_ID, commandName: 'ask', options: { prompt }, channelId: TEST_CHANNEL_IDS[n % TEST_CHANNEL_IDS.length] });
      prompts.set(i, prompt);
    }
    // The fake hands out answers in the order the chat requests arrive: an answer is known whole by its word count.
    const seenWhole = () => [...prompts.keys()].filter((i) => {
      const text = i.transcript()[0] ?? '';
      return /^a(\d+)w0( a\1w\d+)*$/.test(text) && text.split(' ').length === 3 + (Number(/^a(\d+)/.exec(text)![1]) % 10);
    });
    const deadline = performance.now() + 20_000;
    while (seenWhole().length < 5 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    first.child.kill('SIGKILL');
    expect(await first.exited).toBeNull();
    const acknowledged = seenWhole();
    const unfinished = [...prompts.keys()].filter((i) => !acknowledged.includes(i));
    expect(acknowledged.length).toBeGreaterThanOrEqual(5);
    expect(unfinished.length).toBeGreaterThan(0);

    const before = new Database(databasePath, { readonly: true });
    const openAtKill = before.prepare("SELECT id, user_id AS userId, reserved_micros AS reserved FROM ledger WHERE state = 'reserved' ORDER BY id").all() as { id: number; userId: string; reserved: number }[];
    const spentAtKill = before.prepare("SELECT COALESCE(SUM(micros), 0) FROM spend_buckets WHERE guild_id = '*' AND user_id = ''").pluck().get() as number;
    before.close();
    // Streams in flight at the kill held reservations: the case the restart must clean up.
    expect(openAtKill.length).toBeGreaterThan(0);

    // Restarted with its clock past the dead process's lease, as if it came back a minute later.
    const second = spawnBot('test/support/botProcess.ts', { ...env, BOT_CLOCK_SKEW_MS: String(LEASE_MS + 1000) });
    await second.waitForOutput(READY);
    second.child.kill('SIGTERM');
    const secondExit = await second.exited;
    expect(secondExit, second.output().stdout.slice(-3000) + second.output().stderr.slice(-3000)).toBe(0);
    expect(second.output().stdout).toMatch(/interrupted calls: a bot process stopped without settling them .*charged as reserved/);

    const db = new Database(databasePath, { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const stored = db.prepare("SELECT u.content AS prompt, a.content AS answer FROM turns u JOIN turns a ON a.id = u.id + 1 AND a.role = 'assistant' WHERE u.role = 'user'").all() as { prompt: string; answer: string }[];
      for (const i of acknowledged) {
        const prompt = prompts.get(i)!;
        const turn = stored.find((s) => s.prompt.endsWith(prompt));
        expect(turn, `the turn for "${prompt}" is stored`).toBeDefined();
        expect(turn!.answer).toBe(i.transcript()[0]);
      }
      expect(db.prepare("SELECT COUNT(*) FROM ledger WHERE state = 'reserved'").pluck().get()).toBe(0);
      // The calls in flight had been sent to OpenAI, which bills them: each member is charged the reservation.
      const after = db.prepare('SELECT id, user_id AS userId, state, charged_micros AS charged, orphaned FROM ledger WHERE id = ?');
      for (const open of openAtKill) expect(after.get(open.id)).toEqual({ id: open.id, userId: open.userId, state: 'settled', charged: open.reserved, orphaned: 1 });
      // The totals the limits check did not drop: what was reserved is still counted, as spent.
      expect(db.prepare("SELECT COALESCE(SUM(micros), 0) FROM spend_buckets WHERE guild_id = '*' AND user_id = ''").pluck().get()).toBe(spentAtKill);
    } finally {
      db.close();
    }
  }, 90_000);
});

test('the turn is stored before the final edit leaves, so an answer a member saw whole is never lost to a crash', async () => {
  const harness = await BotHarness.start();
  try {
    const answer = 'Stored before it was shown.';
    harness.openai.chat.enqueue({ text: answer, chunks: ['Stored ', 'before it was shown.'] });
    const turns = () => harness.bot.ctx.db.prepare('SELECT COUNT(*) FROM turns').pluck().get() as number;
    let turnsWhenShown: number | undefined;
    const shown = harness.discord.waitForRequest((r) => {
      if ((r.body as { content?: string } | undefined)?.content !== answer) return false;
      turnsWhenShown ??= turns(); // read as the request arrives, before the fake answers it
      return true;
    });
    await harness.settled(harness.command('ask', { prompt: 'Keep this' }));
    await shown;
    expect(turnsWhenShown).toBe(2);
  } finally {
    await harness.close();
  }
});
