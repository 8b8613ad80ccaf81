import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { HEALTH_WRITE_WAIT_MS } from '../../../src/db/healthProbe.ts';
import { BotHarness, TEST_CHANNEL_IDS } from '../../support/botHarness.ts';
import { freePort, health, scrape, valueOf } from '../../support/metricsScrape.ts';

let h: BotHarness;
let url: string;
beforeAll(async () => {
  // A fake Discord that allows 3 bot-token requests a second, so a few answers at once run into its global limit.
  h = await BotHarness.start({ env: { METRICS_PORT: String(await freePort()) }, discord: { globalRateLimit: 3 } });
  url = h.bot.metricsUrl!;
});
afterAll(async () => { await h?.close(); });


describe('Discord rate limits', () => {
  test("each of Discord's 429s is counted, with its scope", async () => {
    const channels = TEST_CHANNEL_IDS.slice(0, 3);
    // The fake's limit is met only by requests less than a second apart, which a loaded machine may not send: the
    // first two replies get Discord's global 429 whatever the pace, and the limit counts any more it answers.
    const isReply = (r: { method: string; path: string }) => r.method === 'POST' && channels.some((id) => r.path === `/channels/${id}/messages`);
    h.discord.injectRestFault({ match: isReply, status: 429, global: true, retryAfter: 0.05, times: 2 });
    h.openai.chat.enqueue(...channels.map(() => ({ text: 'Answered.' })));
    for (const channelId of channels) h.discord.sendMessage({ channelId, content: `<@${h.discord.botUser.id}> hello` });
    await h.repliedIn(channels);
    const injected = h.discord.restFaultHits.filter((hit) => hit.status === 429).length;
    expect(injected).toBe(2);
    const global429s = injected + h.discord.globalRateLimitHits;
    const samples = await scrape(url);
    expect(valueOf(samples, 'bot_discord_rate_limited_total', { client: 'bot', scope: 'global' })).toBe(global429s);
    expect(valueOf(samples, 'bot_discord_rest_responses_total', { client: 'bot', code: '429' })).toBe(global429s);
  });
});

describe('/healthz and the database', () => {
  test('503 while another connection holds the write lock, without blocking the bot; 200 once it lets go', async () => {
    const other = new Database(h.databasePath);
    try {
      other.exec('BEGIN IMMEDIATE');
      const started = performance.now();
      const checking = health(url);
      // The probe waits by polling: the event loop stays free, so /metrics answers meanwhile.
      await scrape(url);
      const scrapedMs = performance.now() - started;
      const { status, body } = await checking;
      const checkedMs = performance.now() - started;
      expect(status).toBe(503);
      expect(body).toMatchObject({ status: 'unavailable', gateway: { status: 'ok' }, database: { status: 'busy' } });
      expect(checkedMs).toBeGreaterThanOrEqual(HEALTH_WRITE_WAIT_MS - 50);
      expect(scrapedMs).toBeLessThan(HEALTH_WRITE_WAIT_MS / 2);
      other.exec('ROLLBACK');
      expect(await health(url)).toMatchObject({ status: 200, body: { status: 'ok', database: { status: 'ok' } } });
    } finally {
      other.close();
    }
  });

  test('503 naming the SQLite error when the database refuses writes', async () => {
    const { db } = h.bot.ctx;
    db.pragma('query_only = 1');
    try {
      expect(await health(url)).toMatchObject({ status: 503, body: { status: 'unavailable', database: { status: 'error', code: 'SQLITE_READONLY' } } });
    } finally {
      db.pragma('query_only = 0');
    }
    expect((await health(url)).status).toBe(200);
  });

  test('a health check really writes (a meta row), so a full disk or read-only file would show', async () => {
    const read = () => h.bot.ctx.db.prepare("SELECT value FROM meta WHERE key = 'health_checked_at'").pluck().get() as string | undefined;
    await health(url);
    const first = read();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await health(url);
    expect(first).toBeDefined();
    expect(read()! > first!).toBe(true);
  });
});

describe('/healthz and the gateway', () => {
  test('503 once the gateway closed the connection for good; the shard gauges say so', async () => {
    expect((await health(url)).status).toBe(200);
    // 4004 (authentication failed) is a close discord.js does not reconnect after.
    h.discord.closeGateway(4004);
    const deadline = Date.now() + 5_000;
    let report = await health(url);
    while (report.status === 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      report = await health(url);
    }
    expect(report).toMatchObject({
      status: 503,
      body: { status: 'unavailable', gateway: { status: 'down', shards: [{ id: 0, status: 'Disconnected', ready: false }] }, database: { status: 'ok' } },
    });
    const samples = await scrape(url);
    expect(valueOf(samples, 'bot_discord_shard_ready', { shard: '0' })).toBe(0);
    expect(valueOf(samples, 'bot_discord_shard_status', { shard: '0', status: 'Disconnected' })).toBe(1);
    // Still down a while later: nothing reconnects behind the check's back.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await health(url)).status).toBe(503);
  });
});
