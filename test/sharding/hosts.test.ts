import { createServer } from 'node:net';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TEST_DISCORD_TOKEN, TEST_OPENAI_KEY } from '../support/botHarness.ts';
import { FakeDiscord, type FakeInteraction } from '../support/fakeDiscord.ts';
import { FakeOpenAI } from '../support/fakeOpenAI.ts';
import { ShardedBot } from '../support/shardedBot.ts';
import { BUILD_TIMEOUT_MS, freshBuild } from '../support/freshBuild.ts';
import { handled, scrape, valueOf } from '../support/metricsScrape.ts';
import { tempDatabasePath } from '../support/tempDb.ts';

// Every process here runs the compiled bot (see ShardedBot).
beforeAll(async () => { await freshBuild(); }, BUILD_TIMEOUT_MS);

/** Two servers whose ids Discord routes to shard 0 and shard 1 of 2: (id >> 22) % 2. */
const GUILD_IDS = [0n, 1n].map((shard) => String(((1n << 40n) + shard) << 22n));
const CHANNEL_IDS = ['210000000000019001', '210000000000019002'];
const GUILDS = GUILD_IDS.map((id, n) => ({ id, name: `host-${n} server`, channels: [{ id: CHANNEL_IDS[n]!, name: 'general' }] }));
const SPENDER = { id: '400000000000019002', username: 'spender' };
const LATE = { id: '400000000000019003', username: 'late' };
const SECRET = 'test-ledger-secret-0123456789abcdef0123456789';
const START_MS = 60_000;
/** As in shards.test.ts: an ask reserves a little over $0.0096 (16,000 output tokens of gpt-4o-mini), so $0.032 holds three. */
const LIMIT_ENV = { MAX_OUTPUT_TOKENS: '16000', MEMBER_LIMIT_USD: '0.032' };
const LIMIT_MICROS = 32_000;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const answered = (i: FakeInteraction) => i.transcript().some((text) => text.includes('You said:'));
const replied = (i: FakeInteraction) => i.transcript().some((t) => t.trim() !== '' && !t.includes('…'));

function ledgerRows(path: string, userId: string): { state: string; reserved: number; charged: number; key: string | null }[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT state, reserved_micros AS reserved, charged_micros AS charged, shared_key AS key FROM ledger WHERE user_id = ? ORDER BY id').all(userId) as never;
  } finally {
    db.close();
  }
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('two hosts, each with its own database file: the coordinator (shard 0) and another (shard 1)', () => {
  let discord: FakeDiscord;
  let openai: FakeOpenAI;
  let hostA: ShardedBot;
  let hostB: ShardedBot;
  const pathA = tempDatabasePath();
  const pathB = tempDatabasePath();
  let port: number;
  let metricsA: string;
  let metricsB: string;
  const startA = () => ShardedBot.start(discord, openai, pathA, {
    SHARD_IDS: '0', SHARD_COUNT: '2', LEDGER_PORT: String(port), LEDGER_SECRET: SECRET, METRICS_PORT: new URL(metricsA).port, ...LIMIT_ENV,
  });
  const ready = (bot: ShardedBot) => bot.waitForLog((line) => line.msg === 'every shard of this host is ready', START_MS, 'every shard ready');

  beforeAll(async () => {
    discord = await FakeDiscord.start({ token: TEST_DISCORD_TOKEN, guilds: GUILDS });
    openai = await FakeOpenAI.start({ apiKey: TEST_OPENAI_KEY });
    port = await freePort();
    metricsA = `http://127.0.0.1:${await freePort()}`;
    hostA = startA();
    await ready(hostA);
    const metricsPort = await freePort();
    metricsB = `http://127.0.0.1:${metricsPort}`;
    hostB = ShardedBot.start(discord, openai, pathB, {
      SHARD_IDS: '1', SHARD_COUNT: '2', LEDGER_URL: `http://127.0.0.1:${port}`, LEDGER_SECRET: SECRET, METRICS_PORT: String(metricsPort), ...LIMIT_ENV,
    });
    await ready(hostB);
  }, 2 * START_MS + 10_000);

  afterAll(async () => {
    hostA?.kill();
    hostB?.kill();
    await discord?.close();
    await openai?.close();
  });

  test('one member asking at once in servers on both hosts never passes MEMBER_LIMIT_USD', async () => {
    expect(hostA.lines('coordinating the spending limits of every host (LEDGER_PORT)')).toHaveLength(1);
    // Answers take 4 s, so every reservation is made before any settles.
    openai.chat.setDefault(() => ({ text: 'You said: spent', delayMs: 4_000 }));
    const burst = Array.from({ length: 8 }, (_, n) => discord.sendInteraction({
      guildId: GUILD_IDS[n % 2], channelId: CHANNEL_IDS[n % 2], commandName: 'ask', options: { prompt: `burst ${n}` }, user: SPENDER,
    }));
    await Promise.all(burst.map((ask) => ask.waitFor(replied, 20_000, 'an answer or a refusal')));
    // Every ask handled to the end on either host: no late answer can come.
    await handled([metricsA, metricsB], 'bot_interactions_total', { command: 'ask' }, burst.length, 15_000);
    // Had each host counted the member on its own file, each would have answered 3.
    expect(burst.filter(answered)).toHaveLength(3);
    const onA = ledgerRows(pathA, SPENDER.id);
    // The coordinator's file holds both hosts' calls: its own, and a copy of each of host B's.
    expect(onA.filter((r) => r.state === 'settled')).toHaveLength(3);
    expect(onA.reduce((sum, r) => sum + r.charged, 0)).toBeLessThanOrEqual(LIMIT_MICROS);
    const onB = ledgerRows(pathB, SPENDER.id).filter((r) => r.state === 'settled');
    expect(onA.filter((r) => r.key !== null && r.state === 'settled').map((r) => r.key).sort()).toEqual(onB.map((r) => r.key).sort());
    expect(burst.filter((i) => !answered(i)).every((i) => /used \$0\.0\d+ of the bot's limit for each person/.test(i.transcript().join('')))).toBe(true);
  }, 40_000);

  test('coordinator down: host B refuses paid calls, with no OpenAI call; a settlement it could not send lands once the coordinator is back', async () => {
    openai.chat.setDefault(() => ({ text: 'You said: late', delayMs: 4_000 }));
    const inFlight = discord.sendInteraction({ guildId: GUILD_IDS[1], channelId: CHANNEL_IDS[1], commandName: 'ask', options: { prompt: 'in flight' }, user: LATE });
    await until(() => ledgerRows(pathA, LATE.id).length === 1, 15_000, 'the coordinator recorded host B\'s reservation');
    hostA.kill();
    await hostA.exited;
    await inFlight.waitFor(answered, 20_000, 'the answer in flight');
    // The call was made: host B settled it on its own file, and keeps it for the coordinator.
    await until(() => ledgerRows(pathB, LATE.id)[0]?.state === 'settled', 5_000, 'settled on host B');
    const charged = ledgerRows(pathB, LATE.id)[0]!.charged;
    expect(charged).toBeGreaterThan(0);

    const chatCalls = openai.requestsTo('/v1/chat/completions').length;
    const refused = discord.sendInteraction({ guildId: GUILD_IDS[1], channelId: CHANNEL_IDS[1], commandName: 'ask', options: { prompt: 'while down' }, user: LATE });
    await refused.waitFor(replied, 15_000, 'a refusal');
    expect(refused.transcript().join('')).toContain("The bot can't check its spending limits right now, so this request wasn't sent and nothing was spent.");
    expect(openai.requestsTo('/v1/chat/completions')).toHaveLength(chatCalls);
    // Host B's /metrics says so (wired as src/buildContext.ts builds it).
    const down = await scrape(metricsB);
    expect(valueOf(down, 'bot_ledger_coordinator_reachable')).toBe(0);
    expect(valueOf(down, 'bot_spending_refusals_total', { limit: 'coordinator-down' })).toBe(1);
    expect(valueOf(down, 'bot_ledger_outbox_entries')).toBeGreaterThanOrEqual(1);

    hostA = startA();
    await ready(hostA);
    // Host B retries (backing off, and on every lease renewal): the charge lands, once.
    await until(() => ledgerRows(pathA, LATE.id).some((r) => r.state === 'settled'), 45_000, 'the settlement landed at the coordinator');
    const landed = ledgerRows(pathA, LATE.id);
    expect(landed.filter((r) => r.state === 'settled').map((r) => r.charged)).toEqual([charged]);
    // Its outbox entry goes once the coordinator's answer is back.
    let back = await scrape(metricsB);
    for (let tries = 0; tries < 50 && valueOf(back, 'bot_ledger_outbox_entries') !== 0; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      back = await scrape(metricsB);
    }
    expect([valueOf(back, 'bot_ledger_coordinator_reachable'), valueOf(back, 'bot_ledger_outbox_entries')]).toEqual([1, 0]);
    const db = new Database(pathA, { readonly: true });
    const total = db.prepare("SELECT SUM(micros) FROM spend_buckets WHERE guild_id = '*' AND user_id = ?").pluck().get(LATE.id);
    db.close();
    expect(total).toBe(charged);
  }, 150_000);

  test('the shared secret is in no log line of either host', () => {
    for (const host of [hostA, hostB]) {
      expect(host.logs.length).toBeGreaterThan(0);
      expect(JSON.stringify(host.logs) + host.stderr.join('\n')).not.toContain(SECRET);
    }
  });
});
