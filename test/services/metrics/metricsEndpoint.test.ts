import { readFileSync } from 'node:fs';
import { GatewayIntentBits } from 'discord.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BudgetStore } from '../../../src/db/budgetLimits.ts';
import { BotHarness, channelPool } from '../../support/botHarness.ts';
import { DEFAULT_GUILD_ID } from '../../support/fakeDiscord.ts';
import { freePort, health, parseSamples, scrape, valueOf, type Sample } from '../../support/metricsScrape.ts';

let h: BotHarness;
let url: string;
beforeAll(async () => {
  h = await BotHarness.start({
    env: { METRICS_PORT: String(await freePort()), VOICE_TRANSCRIPTION: 'true' }, discord: { privilegedIntents: GatewayIntentBits.MessageContent },
  });
  url = h.bot.metricsUrl!;
});
afterAll(async () => { await h?.close(); });


const freshChannel = channelPool();
/** How much each listed sample grew while `action` ran. */
async function growth(action: () => Promise<void>, ...picks: [string, Record<string, string>?][]): Promise<number[]> {
  const before = await scrape(url);
  await action();
  const after = await scrape(url);
  return picks.map(([name, labels]) => valueOf(after, name, labels) - valueOf(before, name, labels));
}
const ask = async (prompt: string, spec: Parameters<BotHarness['command']>[2] = {}) => h.settled(h.command('ask', { prompt }, { channelId: freshChannel(), ...spec }));

describe('/metrics', () => {
  test('is Prometheus text with process metrics, event-loop delay and the shard gauges', async () => {
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toContain('# TYPE bot_interactions_total counter');
    const samples = await scrape(url);
    const names = new Set(samples.map((s: Sample) => s.name));
    for (const name of ['process_cpu_user_seconds_total', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_heap_size_used_bytes', 'bot_ledger_reservations_open', 'bot_work_in_progress']) {
      expect(names, name).toContain(name);
    }
    expect(valueOf(samples, 'bot_discord_shard_ready', { shard: '0' })).toBe(1);
    expect(valueOf(samples, 'bot_discord_shard_status', { shard: '0', status: 'Ready' })).toBe(1);
  });

  test('an /ask counts the interaction, times chat/completions, and adds its tokens and charge by model and command', async () => {
    h.openai.chat.enqueue({ text: 'Forty-two.', usage: { prompt_tokens: 120, completion_tokens: 7 } });
    const labels = { model: 'gpt-4o-mini', command: 'ask' };
    const [asks, chatTimings, chat2xx, input, output, micros, webhookOk] = await growth(
      () => ask('What is the answer?'),
      ['bot_interactions_total', { command: 'ask', outcome: 'ok' }],
      ['bot_openai_request_duration_seconds_count', { endpoint: 'chat/completions' }],
      ['bot_openai_requests_total', { endpoint: 'chat/completions', status: '2xx' }],
      ['bot_openai_tokens_total', { ...labels, kind: 'input' }],
      ['bot_openai_tokens_total', { ...labels, kind: 'output' }],
      ['bot_spend_microdollars_total', labels],
      ['bot_discord_rest_responses_total', { client: 'webhook', code: '200' }],
    );
    expect([asks, chatTimings, chat2xx, input, output]).toEqual([1, 1, 1, 120, 7]);
    const charged = h.bot.ctx.db.prepare("SELECT charged_micros FROM ledger WHERE command = 'ask' ORDER BY id DESC LIMIT 1").pluck().get() as number;
    expect(charged).toBeGreaterThan(0);
    expect(micros).toBe(charged);
    // The answer was written with the interaction webhook's own REST client.
    expect(webhookOk).toBeGreaterThanOrEqual(1);
  });

  test('a 429 from OpenAI is counted as rate-limited, then the retry as answered', async () => {
    h.openai.chat.enqueue({ error: 'rate_limit', retryAfterMs: 10 }, { text: 'Made it.' });
    const [limited, rejected, answered, asks] = await growth(
      () => ask('Busy?'),
      ['bot_openai_rate_limited_total', { endpoint: 'chat/completions', reason: 'rate_limit' }],
      ['bot_openai_requests_total', { endpoint: 'chat/completions', status: '4xx' }],
      ['bot_openai_requests_total', { endpoint: 'chat/completions', status: '2xx' }],
      ['bot_interactions_total', { command: 'ask', outcome: 'ok' }],
    );
    expect([limited, rejected, answered, asks]).toEqual([1, 1, 1, 1]);
  });

  test('insufficient_quota is told apart from a rate limit', async () => {
    h.openai.chat.enqueue({ error: 'insufficient_quota' });
    const [quota, limited] = await growth(
      () => ask('Anyone paying?'),
      ['bot_openai_rate_limited_total', { endpoint: 'chat/completions', reason: 'insufficient_quota' }],
      ['bot_openai_rate_limited_total', { endpoint: 'chat/completions', reason: 'rate_limit' }],
    );
    expect([quota, limited]).toEqual([1, 0]);
  });

  test('a spending refusal and an unexpected error are outcomes of their own', async () => {
    const user = { id: '540000000000000077', username: 'broke' };
    new BudgetStore(h.bot.ctx.db).setLimit(DEFAULT_GUILD_ID, { scope: 'user', targetId: user.id, period: 'day', amountMicros: 0, updatedBy: 'admin', updatedAt: Date.now() });
    const ledger = h.bot.ctx.services.ask;
    const [refused, refusals] = await growth(
      () => ask('hello?', { user }),
      ['bot_interactions_total', { command: 'ask', outcome: 'refused' }],
      ['bot_spending_refusals_total', { limit: 'user' }],
    );
    expect([refused, refusals]).toEqual([1, 1]);
    const original = ledger.answer.bind(ledger);
    ledger.answer = () => {
      ledger.answer = original;
      throw new Error('simulated bug');
    };
    const [errors] = await growth(() => ask('boom'), ['bot_interactions_total', { command: 'ask', outcome: 'error' }]);
    expect(errors).toBe(1);
  });

  test('a mention is counted as a message, not an interaction', async () => {
    h.openai.chat.enqueue({ text: 'Hi!' });
    const channelId = freshChannel();
    const [mentions, interactions] = await growth(async () => {
      h.discord.sendMessage({ channelId, content: `<@${h.discord.botUser.id}> hello` });
      await h.repliedIn([channelId]);
    }, ['bot_messages_total', { kind: 'mention', outcome: 'ok' }], ['bot_interactions_total', { command: 'ask', outcome: 'ok' }]);
    expect([mentions, interactions]).toEqual([1, 0]);
  });

  test('a voice message is counted as one, with its transcription timed; over the limit it is refused before any upload', async () => {
    const voice = new Uint8Array(readFileSync(new URL('../../fixtures/audio/voice.ogg', import.meta.url)));
    const send = (channelId: string, author: { id: string; username: string }) => h.discord.sendMessage({
      channelId, author, flags: 1 << 13, attachments: [{ filename: 'voice-message.ogg', contentType: 'audio/ogg', data: voice, durationSecs: 1.5 }],
    });
    const channelId = freshChannel();
    await h.settled(h.command('settings', { state: 'on' }, { subcommand: 'voice-transcription', channelId, permissions: String(1n << 5n) }));
    h.openai.audio.enqueue({ text: 'On my way.' });
    const [transcribed, timed] = await growth(async () => {
      send(channelId, { id: '520000000000000031', username: 'speaker' });
      await h.repliedIn([channelId]);
    }, ['bot_messages_total', { kind: 'voice_message', outcome: 'ok' }], ['bot_openai_request_duration_seconds_count', { endpoint: 'audio/transcriptions' }]);
    expect([transcribed, timed]).toEqual([1, 1]);

    const broke = { id: '520000000000000032', username: 'broke' };
    new BudgetStore(h.bot.ctx.db).setLimit(DEFAULT_GUILD_ID, { scope: 'user', targetId: broke.id, period: 'day', amountMicros: 0, updatedBy: 'admin', updatedAt: Date.now() });
    const uploads = h.openai.audio.requests.length;
    const refusedSoFar = async () => valueOf(await scrape(url), 'bot_messages_total', { kind: 'voice_message', outcome: 'refused' });
    const [refused] = await growth(async () => {
      const before = await refusedSoFar();
      send(channelId, broke);
      const deadline = performance.now() + 5_000;
      while ((await refusedSoFar()) === before && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      await h.settled();
    }, ['bot_messages_total', { kind: 'voice_message', outcome: 'refused' }]);
    expect(refused).toBe(1);
    expect(h.openai.audio.requests).toHaveLength(uploads);
  });

  test('a reservation is open while an answer streams, and closed after', async () => {
    const chunks = ['Slow ', 'and ', 'steady.'];
    h.openai.chat.enqueue({ text: chunks.join(''), chunks, chunkDelayMs: 300 });
    const sent = h.openai.chat.requests.length;
    const i = h.command('ask', { prompt: 'Take your time' }, { channelId: freshChannel() });
    await i.callback();
    const deadline = Date.now() + 5_000;
    while (h.openai.chat.requests.length === sent && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    const during = await scrape(url);
    expect(valueOf(during, 'bot_ledger_reservations_open')).toBe(1);
    expect(valueOf(during, 'bot_work_in_progress')).toBe(1);
    await h.settled(i);
    const after = await scrape(url);
    expect(valueOf(after, 'bot_ledger_reservations_open')).toBe(0);
    expect(valueOf(after, 'bot_work_in_progress')).toBe(0);
  });

  test('labels never carry a user, channel or server id', async () => {
    const labelValues = (await scrape(url)).flatMap((s) => Object.values(s.labels));
    expect(labelValues).toContain('ask');
    expect(labelValues.filter((value) => /\d{17,20}/.test(value))).toEqual([]);
  });
});

describe('/healthz', () => {
  test('200 with every shard ready and the database writable', async () => {
    const { status, body } = await health(url);
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'ok', gateway: { status: 'ok', shards: [{ id: 0, status: 'Ready', ready: true }] }, database: { status: 'ok' } });
  });

  test('anything else is 404, and only GET and HEAD are answered', async () => {
    expect((await fetch(`${url}/`)).status).toBe(404);
    expect((await fetch(`${url}/healthz`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${url}/metrics`, { method: 'HEAD' })).status).toBe(200);
  });
});

describe('a bot that stops', () => {
  test('stops its process metrics\' background sampling (tests run many bots in one process)', async () => {
    const other = await BotHarness.start({ env: { METRICS_PORT: String(await freePort()) } });
    const { registry } = other.bot.ctx.services.metrics;
    await other.close();
    await registry.metrics(); // starts the event-loop delay histogram afresh: a running one records a sample every 10 ms
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(valueOf(parseSamples(await registry.metrics()), 'nodejs_eventloop_lag_max_seconds')).toBe(0);
  });
});
