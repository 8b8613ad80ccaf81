import { parentPort, workerData } from 'node:worker_threads';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { TEST_DISCORD_TOKEN, TEST_GUILD, TEST_OPENAI_KEY } from '../test/support/botHarness.ts';
import { DEFAULT_GUILD_ID, FakeDiscord, type FakeInteraction } from '../test/support/fakeDiscord.ts';
import { FakeOpenAI } from '../test/support/fakeOpenAI.ts';

/**
 * The fake Discord and OpenAI servers on their own thread (own event loop, own core), so the
 * load benchmark measures the bot's event loop, not the fakes'. Timings are taken here, on the
 * fakes' clock, exactly where real Discord would see them.
 */
const { channelIds, chunks, chunkDelayMs } = workerData as { channelIds: string[]; chunks: string[]; chunkDelayMs: number };
const fullText = chunks.join('').trim();
const guild = { ...TEST_GUILD, channels: [...TEST_GUILD.channels!, ...channelIds.map((id, n) => ({ id, name: `load-${n}` }))] };
const discord = await FakeDiscord.start({ token: TEST_DISCORD_TOKEN, guilds: [guild] });
const openai = await FakeOpenAI.start({ apiKey: TEST_OPENAI_KEY });
openai.chat.setDefault({ text: chunks.join(''), chunks, chunkDelayMs });
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error('benchmark timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** One ask first: the bot's first answer after start loads code lazily (SDK streaming, tokenizers). */
async function warmUp() {
  const i = discord.sendInteraction({ guildId: DEFAULT_GUILD_ID, commandName: 'ask', options: { prompt: 'warm up' }, channelId: channelIds[0] });
  await waitUntil(() => i.original()?.content === fullText, 10_000);
  return { warmUpMs: i.originalEdits.at(-1)!.at - i.receivedAt };
}

async function asks() {
  const list: FakeInteraction[] = channelIds.map((channelId) => discord.sendInteraction({ guildId: DEFAULT_GUILD_ID, commandName: 'ask', options: { prompt: 'Tell me something' }, channelId }));
  await waitUntil(() => list.every((i) => i.original()?.content === fullText), 60_000);
  return {
    dispatchedAbs: list.map((i) => performance.timeOrigin + i.receivedAt),
    callbackAbs: list.map((i) => performance.timeOrigin + i.callbackAt!),
    defer: list.map((i) => i.callbackAt! - i.receivedAt),
    firstText: list.map((i) => i.originalEdits[0]!.at - i.receivedAt),
    final: list.map((i) => i.originalEdits.at(-1)!.at - i.receivedAt),
    editsPerAnswer: list.reduce((n, i) => n + i.originalEdits.length, 0) / list.length,
  };
}

async function mentions() {
  const botId = discord.botUser.id;
  const before = discord.requests.length;
  const sentAt = new Map<string, number>();
  for (const channelId of channelIds) {
    sentAt.set(channelId, performance.now());
    discord.sendMessage({ channelId, content: `<@${botId}> tell me something` });
  }
  const own = (id: string) => discord.channelMessages(id).filter((m) => m.author.id === botId && !m.webhook_id);
  await waitUntil(() => channelIds.every((id) => own(id)[0]?.content === fullText), 120_000);
  const requests = discord.requests.slice(before);
  const edits = requests.filter((r) => r.method === 'PATCH' && r.path.startsWith('/channels/'));
  return {
    firstReply: channelIds.map((id) => requests.find((r) => r.method === 'POST' && r.path === `/channels/${id}/messages` && r.status === 200)!.at - sentAt.get(id)!),
    final: channelIds.map((id) => Math.max(...edits.filter((r) => r.path.startsWith(`/channels/${id}/`)).map((r) => r.at)) - sentAt.get(id)!),
    edits: edits.length,
    global429s: discord.globalRateLimitHits,
  };
}

parentPort!.on('message', (message: { cmd: string }) => {
  const run = async () => {
    if (message.cmd === 'warmup') return warmUp();
    if (message.cmd === 'asks') return asks();
    if (message.cmd === 'mentions') return mentions();
    if (message.cmd === 'close') {
      await discord.close();
      await openai.close();
      return { fakesLoopP99: loop.percentile(99) / 1e6 };
    }
    throw new Error(`unknown command ${message.cmd}`);
  };
  run().then((result) => parentPort!.postMessage({ ok: true, result }), (error: unknown) => parentPort!.postMessage({ ok: false, error: String(error) }));
});
parentPort!.postMessage({ ready: true, discordUrl: discord.restUrl, openaiUrl: openai.baseUrl });
