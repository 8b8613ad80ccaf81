import Database from 'better-sqlite3';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadCommands } from '../../src/commands/index.ts';
import { openDatabase } from '../../src/db/connection.ts';
import { BudgetStore } from '../../src/db/budgetLimits.ts';
import { FineTuneStore } from '../../src/db/fineTunes.ts';
import { LedgerStore } from '../../src/db/ledger.ts';
import { migrate } from '../../src/db/migrate.ts';
import { Ledger } from '../../src/services/budget/ledger.ts';
import { TEST_DISCORD_TOKEN, TEST_OPENAI_KEY } from '../support/botHarness.ts';
import { FakeDiscord, type FakeInteraction } from '../support/fakeDiscord.ts';
import { FakeOpenAI } from '../support/fakeOpenAI.ts';
import { freePort, handled, scrape, valueOf } from '../support/metricsScrape.ts';
import { ShardedBot } from '../support/shardedBot.ts';
import { BUILD_TIMEOUT_MS, freshBuild } from '../support/freshBuild.ts';
import { tempDatabasePath } from '../support/tempDb.ts';

// Every process here runs the compiled bot (see ShardedBot).
beforeAll(async () => { await freshBuild(); }, BUILD_TIMEOUT_MS);

/** Two servers whose ids Discord routes to shard 0 and shard 1 of 2: (id >> 22) % 2. */
const GUILD_IDS = [0n, 1n].map((shard) => String(((1n << 40n) + shard) << 22n));
const CHANNEL_IDS = ['210000000000009001', '210000000000009002'];
const GUILDS = GUILD_IDS.map((id, n) => ({ id, name: `shard-${n} server`, channels: [{ id: CHANNEL_IDS[n]!, name: 'general' }] }));
const ASKER = { id: '400000000000009001', username: 'asker' };
const ADMIN_ID = '400000000000009003';
const SPENDER = { id: '400000000000009002', username: 'spender' };
/** One manager plus two shards, one after the other (without SHARD_SPAWN_DELAY_MS between them: see ShardedBot). */
const START_MS = 60_000;

/**
 * gpt-4o-mini ($0.15 in / $0.60 out per 1M tokens) with 16,000 output tokens: an ask reserves a little
 * over $0.0096, so $0.032 holds three of them and not four.
 */
const LIMIT_ENV = { MAX_OUTPUT_TOKENS: '16000', MEMBER_LIMIT_USD: '0.032' };
const LIMIT_MICROS = 32_000;

/**
 * A fine-tuning job in a server of shard 1, followed since before the bot started and finished meanwhile:
 * whoever polls fetches it at once and posts the finish notice in its channel.
 */
async function seedFineTuneJob(openai: FakeOpenAI, databasePath: string): Promise<string> {
  const example = JSON.stringify({ messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' }] });
  const file = openai.files.add('train.jsonl', 'fine-tune', Buffer.from(Array(10).fill(example).join('\n')));
  const job = await new OpenAI({ apiKey: TEST_OPENAI_KEY, baseURL: openai.baseUrl }).fineTuning.jobs.create({ model: 'gpt-4o-mini', training_file: file.id });
  const db = openDatabase(databasePath);
  migrate(db);
  const payer = { guildId: GUILD_IDS[1]!, userId: ADMIN_ID, roleIds: [], channelId: CHANNEL_IDS[1]! };
  const reserved = new Ledger(new LedgerStore(db), new BudgetStore(db), null).reserve(payer, { command: 'finetune', model: 'gpt-4o-mini', worstCaseMicros: 20_000, longRunning: true });
  if (!reserved.ok) throw new Error('could not reserve the seeded job');
  new FineTuneStore(db).addJob({
    jobId: job.id, guildId: GUILD_IDS[1]!, channelId: CHANNEL_IDS[1]!, userId: ADMIN_ID, language: 'en', fileId: file.id, baseModel: 'gpt-4o-mini',
    epochs: null, reservedEpochs: 3, suffix: null, status: job.status, reservationId: reserved.reservation.id, reservedMicros: 20_000, createdAt: Date.now(),
  });
  db.close();
  openai.fineTuning.advance(job.id, 'succeeded', 'ft:gpt-4o-mini:fake-org::shards');
  return job.id;
}

const answered = (i: FakeInteraction) => i.transcript().some((text) => text.includes('You said:'));
/** The whole answer shown, not a streamed part of it: a part can pass `answered` while the next edit is still on its way. */
const says = (text: string) => (i: FakeInteraction) => i.transcript().join('') === text;

describe('two shards (SHARDS=2) against the fake gateway', () => {
  let discord: FakeDiscord;
  let openai: FakeOpenAI;
  let bot: ShardedBot;
  let databasePath: string;
  let jobId: string;
  let metricsUrl: string;

  beforeAll(async () => {
    discord = await FakeDiscord.start({ token: TEST_DISCORD_TOKEN, guilds: GUILDS });
    openai = await FakeOpenAI.start({ apiKey: TEST_OPENAI_KEY });
    databasePath = tempDatabasePath();
    jobId = await seedFineTuneJob(openai, databasePath);
    const metricsPort = await freePort();
    metricsUrl = `http://127.0.0.1:${metricsPort}`;
    bot = ShardedBot.start(discord, openai, databasePath, { SHARDS: '2', METRICS_PORT: String(metricsPort), ...LIMIT_ENV });
    await bot.waitForLog((line) => line.msg === 'every shard of this host is ready', START_MS, 'every shard ready');
  }, START_MS + 10_000);

  afterAll(async () => {
    bot?.kill();
    await discord?.close();
    await openai?.close();
  });

  test('each shard process identifies as its own [id, 2] and holds its own server', async () => {
    expect(discord.identifies.map((i) => i.shard).sort()).toEqual([[0, 2], [1, 2]]);
    // discord.js tells the manager it is ready just before the shard's own log line: they may cross.
    const ready = await Promise.all([0, 1].map((shard) => bot.waitForLog((line) => line.msg === 'logged in to Discord' && line.shard === shard, 5_000, `shard ${shard} logged in`)));
    expect(ready.map((line) => [line.shard, line.guilds]).sort()).toEqual([[0, 1], [1, 1]]);
    const pids = new Set(bot.lines('shard ready').map((line) => line.pid));
    expect(pids.size).toBe(2);
    expect(pids.has(bot.child.pid)).toBe(false);
  });

  test('an /ask in a server of shard 0 and one of shard 1 are both answered', async () => {
    const asks = GUILD_IDS.map((guildId, n) => discord.sendInteraction({ guildId, channelId: CHANNEL_IDS[n], commandName: 'ask', options: { prompt: `hello shard ${n}` }, user: ASKER }));
    await Promise.all(asks.map((ask, n) => ask.waitFor(says(`You said: asker: hello shard ${n}`), 15_000, 'the answer')));
    expect(asks.map((ask) => ask.transcript().join(''))).toEqual(['You said: asker: hello shard 0', 'You said: asker: hello shard 1']);
  });

  test('METRICS_PORT is the host\'s, served once by the manager: /healthz sees both shards, /metrics adds up both shard processes', async () => {
    expect(bot.lines('serving /healthz and /metrics for every shard process of this host')).toHaveLength(1);
    expect(bot.lines('answering /healthz and /metrics through the sharding manager, which serves METRICS_PORT').map((line) => line.shard).sort()).toEqual([0, 1]);
    const health = await fetch(`${metricsUrl}/healthz`);
    const report = await health.json() as { status: string; gateway: { shards: { id: number; ready: boolean }[] }; database: { status: string } };
    expect([health.status, report.status, report.database.status]).toEqual([200, 'ok', 'ok']);
    expect(report.gateway.shards.map((shard) => [shard.id, shard.ready])).toEqual([[0, true], [1, true]]);
    // A reservation open in the shared file: each process reads it, the host shows it once.
    const db = openDatabase(databasePath);
    const ledger = new Ledger(new LedgerStore(db), new BudgetStore(db), null);
    const held = ledger.reserve(
      { guildId: GUILD_IDS[0]!, userId: ADMIN_ID, roleIds: [], channelId: CHANNEL_IDS[0]! }, { command: 'finetune', model: 'gpt-4o-mini', worstCaseMicros: 1_000, longRunning: true },
    );
    const open = db.prepare("SELECT COUNT(*) FROM ledger WHERE state = 'reserved'").pluck().get() as number;
    const samples = await scrape(metricsUrl);
    if (held.ok) ledger.release(held.reservation);
    db.close();
    expect(open).toBeGreaterThan(0);
    expect(valueOf(samples, 'bot_ledger_reservations_open')).toBe(open);
    // One /ask answered in each process (the test above): counted in both.
    expect(valueOf(samples, 'bot_interactions_total', { command: 'ask', outcome: 'ok' })).toBe(2);
    for (const shard of ['0', '1']) {
      expect(valueOf(samples, 'bot_discord_shard_ready', { shard })).toBe(1);
      expect(valueOf(samples, 'bot_shard_process_up', { shard })).toBe(1);
    }
    expect(valueOf(samples, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    // The manager's own process metrics, beside the shard processes' sum (a lighter process than the two together).
    const managerRss = valueOf(samples, 'bot_manager_process_resident_memory_bytes');
    expect(managerRss).toBeGreaterThan(0);
    expect(managerRss).toBeLessThan(valueOf(samples, 'process_resident_memory_bytes'));
    expect(valueOf(samples, 'bot_manager_process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(samples.some((s) => s.name === 'bot_manager_nodejs_eventloop_lag_p99_seconds')).toBe(true);
    // Each metric once in the text (a name in both would be two families, which Prometheus refuses).
    const types = (await (await fetch(`${metricsUrl}/metrics`)).text()).split('\n').filter((line) => line.startsWith('# TYPE '));
    expect(new Set(types).size).toBe(types.length);
  });

  test('once-per-bot duties run once: one command registration, one fine-tune poller', async () => {
    expect(discord.registrations).toBe(1);
    expect(discord.commands().map((c) => c.name)).toContain('ask');
    // Shard 1 answered an /ask above, long after its start-up (where a poller of its own would have fetched the job at once).
    expect(openai.requestsTo(`/v1/fine_tuning/jobs/${jobId}`)).toHaveLength(1);
    // Shard 0's poller posts the notice by REST, into a channel of a server shard 1 holds.
    const notices = discord.channelMessages(CHANNEL_IDS[1]!).filter((m) => m.content.includes('ft:gpt-4o-mini:fake-org::shards'));
    expect(notices).toHaveLength(1);
    expect(bot.lines('commands are registered by the process holding shard 0').map((line) => line.shard)).toEqual([1]);
  });

  test('two shards reserving for one member at once never pass the member\'s limit', async () => {
    // Answers take 4 s, so every reservation is made before any settles (even on a loaded machine).
    openai.chat.setDefault(() => ({ text: 'You said: spent', delayMs: 4_000 }));
    const burst = Array.from({ length: 8 }, (_, n) => discord.sendInteraction({
      guildId: GUILD_IDS[n % 2], channelId: CHANNEL_IDS[n % 2], commandName: 'ask', options: { prompt: `burst ${n}` }, user: SPENDER,
    }));
    await Promise.all(burst.map((ask) => ask.waitFor((i) => i.transcript().some((t) => t.trim() !== '' && !t.includes('…')), 15_000, 'an answer or a refusal')));
    // Every ask handled to the end (the two above and these eight): no late answer can come.
    await handled([metricsUrl], 'bot_interactions_total', { command: 'ask' }, 2 + burst.length, 15_000);
    expect(burst.filter(answered)).toHaveLength(3);
    // Each shard process has its own in-memory totals: had they not shared them, each would have answered 3.
    expect(burst.filter((i) => !answered(i)).every((i) => i.transcript().join('').length > 0)).toBe(true);
    const db = new Database(databasePath, { readonly: true });
    const rows = db.prepare('SELECT state, reserved_micros AS reserved, charged_micros AS charged FROM ledger WHERE user_id = ?').all(SPENDER.id) as { state: string; reserved: number; charged: number }[];
    db.close();
    expect(rows.filter((r) => r.state === 'settled')).toHaveLength(3);
    expect(rows.reduce((sum, r) => sum + r.charged, 0)).toBeLessThanOrEqual(LIMIT_MICROS);
    expect(rows.reduce((sum, r) => sum + r.reserved, 0)).toBeLessThanOrEqual(LIMIT_MICROS);
  }, 30_000);

  test('a shard process that crashes is started again and identifies anew', async () => {
    const first = bot.lines('shard ready').find((line) => line.shard === 1)!;
    process.kill(Number(first.pid), 'SIGKILL');
    // The host's /healthz says so at once, naming the shard.
    const down = await fetch(`${metricsUrl}/healthz`);
    const report = await down.json() as { gateway: { shards: { id: number; ready: boolean }[] } };
    expect([down.status, report.gateway.shards.find((shard) => shard.id === 1)?.ready]).toEqual([503, false]);
    const again = await bot.waitForLog((line) => line.msg === 'shard ready' && line.shard === 1 && line.pid !== first.pid, 30_000, 'shard 1 ready again');
    expect((await fetch(`${metricsUrl}/healthz`)).status).toBe(200);
    expect(valueOf(await scrape(metricsUrl), 'bot_shard_process_up', { shard: '1' })).toBe(1);
    expect(bot.lines('shard process exited')).toEqual([expect.objectContaining({ shard: 1, respawn: true })]);
    expect(discord.identifies.filter((i) => i.shard?.[0] === 1)).toHaveLength(2);
    expect(Number(again.pid)).toBeGreaterThan(0);
    const ask = discord.sendInteraction({ guildId: GUILD_IDS[1], channelId: CHANNEL_IDS[1], commandName: 'ask', options: { prompt: 'after the crash' }, user: ASKER });
    await ask.waitFor(answered, 15_000, 'the answer');
    expect(ask.transcript().join('')).toMatch(/^You said: /); // the fake model's reply, shown by the new shard 1 process
  }, 50_000);

  test('stopping the manager stops every shard process', async () => {
    const pids = bot.lines('shard ready').map((line) => Number(line.pid));
    expect(await bot.stop()).toBe(0);
    expect(pids.filter((pid) => { try { process.kill(pid, 0); return true; } catch { return false; } })).toEqual([]);
    for (const shard of [0, 1]) await bot.waitForLog((line) => line.msg === 'stopped' && line.shard === shard, 5_000, `shard ${shard} stopped`);
  }, 40_000);
});

describe('one host of several (SHARD_IDS=1, SHARD_COUNT=2)', () => {
  let discord: FakeDiscord;
  let openai: FakeOpenAI;
  let bot: ShardedBot;

  beforeAll(async () => {
    discord = await FakeDiscord.start({ token: TEST_DISCORD_TOKEN, guilds: GUILDS });
    // The other host (shard 0) registers the commands globally; Discord keeps them for this one too.
    for (const command of loadCommands().values()) discord.keepCommand(command.data);
    openai = await FakeOpenAI.start({ apiKey: TEST_OPENAI_KEY });
    const databasePath = tempDatabasePath();
    await seedFineTuneJob(openai, databasePath);
    // No coordinator here: the limits that span hosts are off (a host running some shards alone refuses them, see config).
    bot = ShardedBot.start(discord, openai, databasePath, { SHARD_IDS: '1', SHARD_COUNT: '2', MEMBER_LIMIT_USD: 'unlimited', BOT_LIMIT_USD: 'unlimited' });
    await bot.waitForLog((line) => line.msg === 'every shard of this host is ready', START_MS, 'every shard ready');
  }, START_MS + 10_000);

  afterAll(async () => {
    bot?.kill();
    await discord?.close();
    await openai?.close();
  });

  test('runs only shard 1: answers its server, leaves registration to the host with shard 0, follows the fine-tuning job in its own database', async () => {
    expect(discord.identifies.map((i) => i.shard)).toEqual([[1, 2]]);
    // The other host (shard 0) registers the commands (the fake holds them as that host left them): none from here.
    expect(discord.registrations).toBe(0);
    // The job was started in this host's server, so only this host's file holds it: no other host could follow it.
    const deadline = performance.now() + 10_000;
    while (discord.channelMessages(CHANNEL_IDS[1]!).filter((m) => m.content.includes('ft:gpt-4o-mini')).length === 0 && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(openai.requests.filter((r) => r.path.startsWith('/v1/fine_tuning/jobs/')).length).toBeGreaterThanOrEqual(1);
    expect(discord.channelMessages(CHANNEL_IDS[1]!).filter((m) => m.content.includes('ft:gpt-4o-mini'))).toHaveLength(1);
    expect(() => discord.sendInteraction({ guildId: GUILD_IDS[0], channelId: CHANNEL_IDS[0], commandName: 'ask', options: { prompt: 'x' } })).toThrow(/no gateway session/);
    const ask = discord.sendInteraction({ guildId: GUILD_IDS[1], channelId: CHANNEL_IDS[1], commandName: 'ask', options: { prompt: 'only shard 1' }, user: ASKER });
    await ask.waitFor(says('You said: asker: only shard 1'), 15_000, 'the answer');
    expect(ask.transcript().join('')).toBe('You said: asker: only shard 1');
  });
});

describe('SHARDS=auto', () => {
  let discord: FakeDiscord;
  let openai: FakeOpenAI;
  let bot: ShardedBot;

  afterAll(async () => {
    bot?.kill();
    await discord?.close();
    await openai?.close();
  });

  test('runs as many shards as GET /gateway/bot recommends, asked at DISCORD_API_URL', async () => {
    discord = await FakeDiscord.start({ token: TEST_DISCORD_TOKEN, guilds: GUILDS, recommendedShards: 2 });
    openai = await FakeOpenAI.start({ apiKey: TEST_OPENAI_KEY });
    bot = ShardedBot.start(discord, openai, tempDatabasePath(), { SHARDS: 'auto' });
    await bot.waitForLog((line) => line.msg === 'every shard of this host is ready', START_MS, 'every shard ready');
    expect(discord.identifies.map((i) => i.shard).sort()).toEqual([[0, 2], [1, 2]]);
    expect(bot.lines('starting the sharding manager')[0]).toMatchObject({ count: 2, shards: [0, 1] });
  }, START_MS + 10_000);
});

describe('a host that cannot start', () => {
  test.each([
    ['a shard process fails to log in (SHARDS=2)', { SHARDS: '2' }, 'A shard process did not start'],
    ['SHARDS=auto cannot ask Discord', { SHARDS: 'auto' }, 'SHARDS=auto could not ask Discord for its recommendation. Discord rejected DISCORD_TOKEN'],
  ])('%s: the manager says why and exits 1, nothing left running', async (_name, env, message) => {
    const discord = await FakeDiscord.start({ token: 'the-right-token-value', guilds: GUILDS });
    const openai = await FakeOpenAI.start({ apiKey: TEST_OPENAI_KEY });
    const bot = ShardedBot.start(discord, openai, tempDatabasePath(), env);
    try {
      expect(await bot.exited).toBe(1);
      expect(bot.logs.some((line) => line.level === 60 && String(line.msg).startsWith(message))).toBe(true);
      // Whoever asked (the shard 0 process, or the manager for auto) was told why, once: no respawning during start-up.
      expect(bot.logs.filter((line) => String(line.msg).includes('Discord rejected DISCORD_TOKEN'))).toHaveLength(1);
      expect(discord.requests.filter((r) => r.path === '/gateway/bot')).toHaveLength(1);
      expect(JSON.stringify(bot.logs)).not.toContain(TEST_DISCORD_TOKEN);
      expect(() => process.kill(-bot.child.pid!, 0)).toThrow(); // no process of its group is left
    } finally {
      bot.kill();
      await discord.close();
      await openai.close();
    }
  });
});
