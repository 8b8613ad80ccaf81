import { afterEach, describe, expect, test } from 'vitest';
import Database from 'better-sqlite3';
import { RESTART_NOTICE_WAIT_MS } from '../../src/app.ts';
import { DEFAULT_SHUTDOWN_GRACE_MS, loadConfig } from '../../src/config.ts';
import { BotHarness, TEST_CHANNEL_IDS } from '../support/botHarness.ts';
import { childBotEnv, spawnBot } from '../support/spawnBot.ts';

/** Docker sends SIGKILL this long after SIGTERM unless told otherwise. */
const DOCKER_STOP_TIMEOUT_MS = 10_000;
/** What closing the gateway, the timers and the database may take after the notices, on a loaded machine. */
const CLOSE_MARGIN_MS = 1500;
const GRACE_MS = 600;

const RESTARTED_EN = 'The bot restarted before this answer could finish. Please ask again.';
const RESTARTED_ZH = '機器人在這個回答完成前重新啟動了，請再問一次。';

let harness: BotHarness | undefined;
afterEach(async () => { await harness?.close(); harness = undefined; });

function ledgerRows(path: string): { state: string; charged: number; output: number | null }[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT state, charged_micros AS charged, output_tokens AS output FROM ledger ORDER BY id').all() as never;
  } finally {
    db.close();
  }
}

describe('stopping inside a container\'s grace', () => {
  test('the default grace, the notices and closing fit inside Docker\'s 10 s', () => {
    const config = loadConfig({ DISCORD_TOKEN: 'x', OPENAI_API_KEY: 'y' });
    expect(config.shutdownGraceMs).toBe(DEFAULT_SHUTDOWN_GRACE_MS);
    expect(config.shutdownGraceMs + RESTART_NOTICE_WAIT_MS + CLOSE_MARGIN_MS).toBeLessThanOrEqual(DOCKER_STOP_TIMEOUT_MS);
  });

  test('answers longer than the grace: each member is told in their language, what was streamed is charged, the stop keeps its bound', async () => {
    harness = await BotHarness.start({ env: { SHUTDOWN_GRACE_MS: String(GRACE_MS) } });
    const slow = (word: string) => ({ text: `${word} `.repeat(40).trimEnd(), chunks: Array.from({ length: 40 }, (_, n) => (n === 39 ? word : `${word} `)), chunkDelayMs: 100 });
    harness.openai.chat.enqueue(slow('long'));
    harness.openai.chat.enqueue(slow('長'));
    const en = harness.command('ask', { prompt: 'Tell me everything' }, { channelId: TEST_CHANNEL_IDS[0] });
    const zh = harness.command('ask', { prompt: '告訴我一切' }, { channelId: TEST_CHANNEL_IDS[1], locale: 'zh-TW' });
    await Promise.all([en, zh].map((i) => i.waitFor((x) => (x.original()?.content ?? '').length > 0, 5000, 'the first words')));

    const started = performance.now();
    await harness.bot.stop();
    const tookMs = performance.now() - started;

    expect(tookMs).toBeGreaterThanOrEqual(GRACE_MS - 50);
    expect(tookMs).toBeLessThan(GRACE_MS + RESTART_NOTICE_WAIT_MS + CLOSE_MARGIN_MS);
    const [enText] = en.transcript();
    const [zhText] = zh.transcript();
    expect(enText).toMatch(new RegExp(`^long( long)*\\n\\n${RESTARTED_EN.replace('.', '\\.')}$`));
    expect(zhText).toMatch(new RegExp(`^長( 長)*\\n\\n${RESTARTED_ZH}$`));
    expect(en.transcript()).toHaveLength(1);
    // The calls ended at their next chunk and were settled at what they streamed: not free, not the whole answer.
    const rows = ledgerRows(harness.databasePath);
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.state).toBe('settled');
      expect(row.charged).toBeGreaterThan(0);
      expect(row.output).toBeGreaterThan(0);
      expect(row.output).toBeLessThan(40);
    }
    // An interrupted answer is not stored as a finished turn.
    const history = new Database(harness.databasePath, { readonly: true });
    expect(history.prepare('SELECT COUNT(*) FROM turns').pluck().get()).toBe(0);
    history.close();
  }, 20_000);

  test('a model gone silent: the member is told, the stop keeps its bound, and the call is ended and charged what it streamed before the database closes', async () => {
    harness = await BotHarness.start({ env: { SHUTDOWN_GRACE_MS: String(GRACE_MS) } });
    harness.openai.chat.enqueue({ text: 'Half an answer and then nothing', chunks: ['Half an answer', ' and then nothing'], stallAfterEvents: 2 });
    const i = harness.command('ask', { prompt: 'Hello?' });
    await i.waitFor((x) => x.original()?.content === 'Half an answer', 5000, 'the first words');

    const started = performance.now();
    await harness.bot.stop();
    expect(performance.now() - started).toBeLessThan(GRACE_MS + RESTART_NOTICE_WAIT_MS + CLOSE_MARGIN_MS);
    expect(i.transcript()).toEqual([`Half an answer\n\n${RESTARTED_EN}`]);
    // Left open, the next start would release it unpaid, though OpenAI billed the prompt and the words streamed.
    const [row] = ledgerRows(harness.databasePath);
    expect(row).toMatchObject({ state: 'settled' });
    expect(row!.charged).toBeGreaterThan(0);
    expect(row!.output).toBeGreaterThan(0);
  }, 20_000);

  test('a reasoning model still thinking silently when the bot stops: the call is ended and charged its whole allowance, not left for the next start to release unpaid', async () => {
    harness = await BotHarness.start({ env: { SHUTDOWN_GRACE_MS: String(GRACE_MS) }, openai: { models: ['gpt-4o-mini', 'o4-mini'] } });
    harness.openai.chat.enqueue({ text: 'A late answer', thinkMs: 30_000, reasoningTokens: 5000 });
    await harness.settled(harness.command('settings', { name: 'o4-mini' }, { subcommand: 'model', permissions: String(1n << 5n) }));
    const i = harness.command('ask', { prompt: 'Think for a long time' });
    await i.waitFor(() => ledgerRows(harness!.databasePath).length === 1, 5000, 'the reservation');

    const started = performance.now();
    await harness.bot.stop();
    expect(performance.now() - started).toBeLessThan(GRACE_MS + RESTART_NOTICE_WAIT_MS + CLOSE_MARGIN_MS);
    expect(ledgerRows(harness.databasePath)).toEqual([expect.objectContaining({ state: 'settled', output: 8192 })]);
  }, 20_000);

  test('a /translate on a reasoning model still thinking when the bot stops: ended and charged its allowance, not left for the next start to release unpaid', async () => {
    harness = await BotHarness.start({ env: { SHUTDOWN_GRACE_MS: String(GRACE_MS) }, openai: { models: ['gpt-4o-mini', 'o4-mini'] } });
    harness.openai.chat.enqueue({ text: 'A late translation', thinkMs: 30_000, reasoningTokens: 5000 });
    await harness.settled(harness.command('settings', { name: 'o4-mini' }, { subcommand: 'model', permissions: String(1n << 5n) }));
    const i = harness.command('translate', { text: 'Good morning, everyone.', to: 'French' });
    await i.callback();
    // Nothing shows while a translation streams, so the interaction never changes: poll the ledger for the reservation.
    for (const deadline = performance.now() + 5000; ledgerRows(harness.databasePath).length === 0;) {
      if (performance.now() > deadline) throw new Error('no reservation for the translation');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    const started = performance.now();
    await harness.bot.stop();
    expect(performance.now() - started).toBeLessThan(GRACE_MS + RESTART_NOTICE_WAIT_MS + CLOSE_MARGIN_MS);
    const [row] = ledgerRows(harness.databasePath);
    expect(row).toMatchObject({ state: 'settled' });
    expect(row!.output).toBeGreaterThan(0);
  }, 20_000);

  test('a command that does not stream (/imagine) still unfinished after the grace: its reply says the bot restarted', async () => {
    harness = await BotHarness.start({ env: { SHUTDOWN_GRACE_MS: String(GRACE_MS) } });
    harness.openai.images.enqueue({ delayMs: 10_000 });
    const i = harness.command('imagine', { prompt: 'a lighthouse' }, { locale: 'zh-TW' });
    await i.waitFor((x) => (x.transcript()[0] ?? '').includes('gpt-image-1'), 5000, 'the progress message');
    await harness.bot.stop();
    expect(harness.openai.images.requests).toHaveLength(1);
    expect(i.transcript()).toEqual([RESTARTED_ZH]);
  }, 20_000);

  test('a question that arrives while stopping is answered at once: the bot is restarting', async () => {
    harness = await BotHarness.start({ env: { SHUTDOWN_GRACE_MS: '3000' } });
    harness.openai.chat.enqueue({ text: 'Still finishing.', chunks: ['Still ', 'finishing.'], chunkDelayMs: 400 });
    const first = harness.command('ask', { prompt: 'first' });
    await first.callback();
    const stopping = harness.bot.stop();
    const late = harness.command('ask', { prompt: 'too late' }, { channelId: TEST_CHANNEL_IDS[2], locale: 'zh-TW' });
    await late.waitFor((x) => x.transcript().length > 0, 5000, 'the reply');
    expect(late.transcript()).toEqual(['機器人正在重新啟動，請稍後再試。']);
    expect(await late.callback()).toMatchObject({ type: 4, data: { flags: 64 } });
    await stopping;
    expect(first.transcript()).toEqual(['Still finishing.']);
    expect(harness.openai.chat.requests).toHaveLength(1);
  }, 20_000);

  test('an answer that finishes inside the grace is shown whole, with no notice', async () => {
    harness = await BotHarness.start({ env: { SHUTDOWN_GRACE_MS: '3000' } });
    harness.openai.chat.enqueue({ text: 'Done in time.', chunks: ['Done ', 'in ', 'time.'], chunkDelayMs: 200 });
    const i = harness.command('ask', { prompt: 'Quick one' });
    await i.callback();
    await harness.bot.stop();
    expect(i.transcript()).toEqual(['Done in time.']);
    expect(ledgerRows(harness.databasePath).map((r) => r.state)).toEqual(['settled']);
  }, 20_000);
});

test('the entry point on SIGTERM with an answer longer than the grace: the notice, then exit 0 inside the bound', async () => {
  harness = await BotHarness.start(); // only its fakes are used: the bot under test is src/index.ts in a process of its own
  await harness.bot.stop();
  const run = spawnBot('src/index.ts', childBotEnv(harness, { SHUTDOWN_GRACE_MS: '1000' }));
  await run.waitForOutput('slash commands registered');
  harness.openai.chat.enqueue({ text: 'tick '.repeat(60).trimEnd(), chunks: Array.from({ length: 60 }, (_, n) => (n === 59 ? 'tick' : 'tick ')), chunkDelayMs: 100 });
  const i = harness.command('ask', { prompt: 'Count slowly' }, { locale: 'zh-TW' });
  await i.waitFor((x) => (x.original()?.content ?? '').startsWith('tick'), 10_000, 'the first words');
  const started = performance.now();
  run.child.kill('SIGTERM');
  expect(await run.exited).toBe(0);
  expect(performance.now() - started).toBeLessThan(1000 + RESTART_NOTICE_WAIT_MS + CLOSE_MARGIN_MS);
  expect(i.transcript()).toEqual([expect.stringMatching(new RegExp(`^tick( tick)*\n\n${RESTARTED_ZH}$`))]);
  expect(run.output().stdout).toContain('"msg":"stopped"');
}, 40_000);
