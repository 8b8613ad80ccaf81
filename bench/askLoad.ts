import { monitorEventLoopDelay } from 'node:perf_hooks';
import { BotHarness, TEST_GUILD } from '../test/support/botHarness.ts';
import type { FakeInteraction } from '../test/support/fakeDiscord.ts';
import { ms, peakRssMb, percentile, summary } from './stats.ts';

const CONCURRENT = 100;
/** The fake model streams 40 pieces 25 ms apart: one second from first byte to last. */
const CHUNKS = Array.from({ length: 40 }, (_, n) => `word${n} `);
const CHUNK_DELAY_MS = 25;
const MODEL_MS = CHUNKS.length * CHUNK_DELAY_MS;

const channels = Array.from({ length: CONCURRENT }, (_, n) => ({ id: `22000000000000${String(n).padStart(4, '0')}`, name: `load-${n}` }));

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error('benchmark timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** 100 concurrent /ask (interaction webhooks) and 100 concurrent mentions (bot-token channel messages). */
export async function benchAskLoad(): Promise<void> {
  const h = await BotHarness.start({
    env: { LOG_LEVEL: 'warn', MAX_OUTPUT_TOKENS: '1024' },
    discord: { guilds: [{ ...TEST_GUILD, channels: [...TEST_GUILD.channels!, ...channels] }] },
  });
  try {
    h.openai.chat.setDefault({ text: CHUNKS.join(''), chunks: CHUNKS, chunkDelayMs: CHUNK_DELAY_MS });
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();

    const started = performance.now();
    const asks: FakeInteraction[] = channels.map((c) => h.command('ask', { prompt: 'Tell me something' }, { channelId: c.id }));
    await Promise.all(asks.map((i) => i.callback(10_000)));
    await h.settled(undefined, 60_000);
    const askWall = performance.now() - started;
    const deferMs = asks.map((i) => i.callbackAt! - i.receivedAt);
    const firstText = asks.map((i) => i.originalEdits[0]!.at - i.receivedAt);
    const finalMs = asks.map((i) => i.originalEdits.at(-1)!.at - i.receivedAt);
    const complete = asks.filter((i) => i.transcript()[0] === CHUNKS.join('').trim()).length;
    console.log(`\n/ask x${CONCURRENT} concurrent, fake model ${MODEL_MS} ms streamed (+ fake Discord on loopback)`);
    console.log(`  ${summary('INTERACTION_CREATE -> defer callback', deferMs)}   (goal p99 < 50 ms)`);
    console.log(`  ${summary('-> first text shown', firstText)}`);
    console.log(`  ${summary('-> final edit', finalMs)}`);
    console.log(`  bot overhead beyond the model: p50 ${ms(percentile(finalMs, 50) - MODEL_MS)}, p99 ${ms(percentile(finalMs, 99) - MODEL_MS)}`);
    console.log(`  edits per answer: ${(asks.reduce((n, i) => n + i.originalEdits.length, 0) / CONCURRENT).toFixed(1)}; complete answers ${complete}/${CONCURRENT}; wall ${ms(askWall)}`);
    console.log(`  event-loop delay p99 ${ms(loop.percentile(99) / 1e6)} (bot and both fakes share this process)`);

    loop.reset();
    const botId = h.discord.botUser.id;
    const sentAt = new Map<string, number>();
    for (const c of channels) {
      sentAt.set(c.id, performance.now());
      h.discord.sendMessage({ channelId: c.id, content: `<@${botId}> tell me something` });
    }
    const bots = (id: string) => h.discord.channelMessages(id).filter((m) => m.author.id === botId && !m.webhook_id);
    await waitUntil(() => channels.every((c) => bots(c.id)[0]?.content === CHUNKS.join('').trim()), 120_000);
    await h.settled(undefined, 60_000);
    const edits = h.discord.requests.filter((r) => r.method === 'PATCH' && r.path.startsWith('/channels/'));
    const firstReply = channels.map((c) => {
      const post = h.discord.requests.find((r) => r.method === 'POST' && r.path === `/channels/${c.id}/messages` && r.status === 200);
      return post!.at - sentAt.get(c.id)!;
    });
    const lastEdit = channels.map((c) => Math.max(...edits.filter((r) => r.path.startsWith(`/channels/${c.id}/`)).map((r) => r.at)) - sentAt.get(c.id)!);
    console.log(`\nmentions x${CONCURRENT} concurrent (bot token: Discord's global 50 req/s cap applies)`);
    console.log(`  ${summary('MESSAGE_CREATE -> first reply posted', firstReply)}`);
    console.log(`  ${summary('-> final edit', lastEdit)}`);
    console.log(`  bot overhead beyond the model: p50 ${ms(percentile(lastEdit, 50) - MODEL_MS)}, p99 ${ms(percentile(lastEdit, 99) - MODEL_MS)}`);
    console.log(`  channel edits ${edits.length} (${(edits.length / CONCURRENT).toFixed(1)} per answer); global 429s ${h.discord.globalRateLimitHits}`);
    console.log(`  event-loop delay p99 ${ms(loop.percentile(99) / 1e6)}; peak RSS ${peakRssMb()}`);
    loop.disable();
  } finally {
    await h.close();
  }
}
