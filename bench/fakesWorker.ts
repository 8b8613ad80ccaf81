import { parentPort, workerData } from 'node:worker_threads';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { TEST_CHANNEL_IDS, TEST_DISCORD_TOKEN, TEST_GUILD, TEST_OPENAI_KEY } from '../test/support/botHarness.ts';
import { command as askCommand } from '../src/commands/ask.ts';
import { DEFAULT_GUILD_ID, FakeDiscord, type FakeInteraction } from '../test/support/fakeDiscord.ts';
import { FakeOpenAI } from '../test/support/fakeOpenAI.ts';
import type { FakeGuildSpec } from '../test/support/fakeDiscordState.ts';
import type { FakesOptions, FakesScale } from './fakes.ts';
import { mainThreadCpuMs } from './proc.ts';

/**
 * The fake Discord and OpenAI servers on their own thread (own event loop, own core), so the
 * load benchmark measures the bot's event loop, not the fakes'. Timings are taken here, on the
 * fakes' clock, exactly where real Discord would see them.
 */
const { channelIds, chunks, chunkDelayMs, scale } = workerData as FakesOptions;
const fullText = chunks.join('').trim();
const guild = { ...TEST_GUILD, channels: [...TEST_GUILD.channels!, ...channelIds.map((id, n) => ({ id, name: `load-${n}` }))] };
const discord = await FakeDiscord.start({ token: TEST_DISCORD_TOKEN, guilds: [guild, ...scaledGuilds(scale)] });
const openai = await FakeOpenAI.start({ apiKey: TEST_OPENAI_KEY });
openai.chat.setDefault({ text: chunks.join(''), chunks, chunkDelayMs });
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();

/** Snowflake-shaped ids, distinct per kind. */
function id(kind: number, n: number): string {
  return `${kind}${String(n).padStart(16, '0')}`;
}

/** Many servers with roles, text channels and members, like a bot that was invited widely. */
function scaledGuilds(s: FakesScale | undefined): FakeGuildSpec[] {
  if (!s) return [];
  return Array.from({ length: s.guilds }, (_, g): FakeGuildSpec => ({
    id: id(71, g),
    name: `server ${g}`,
    roles: [{ id: id(72, g), name: 'Moderators' }],
    channels: Array.from({ length: s.channelsPerGuild }, (_, c) => ({ id: id(73, g * s.channelsPerGuild + c), name: `channel-${c}` })),
    members: Array.from({ length: s.membersPerGuild }, (_, m) => ({ user: { id: id(74, g * s.membersPerGuild + m), username: `member${g}-${m}` }, roles: m % 10 === 0 ? [id(72, g)] : [] })),
  }));
}

/** Every member of the scaled servers says one thing (no mention): what a busy bot receives all day. */
async function chatter() {
  if (!scale) return { messages: 0 };
  let messages = 0;
  for (let g = 0; g < scale.guilds; g++) {
    for (let m = 0; m < scale.membersPerGuild; m++) {
      const n = g * scale.membersPerGuild + m;
      discord.sendMessage({ channelId: id(73, g * scale.channelsPerGuild + (m % scale.channelsPerGuild)), author: { id: id(74, n), username: `member${g}-${m}` }, content: `hello from ${n}` });
      messages++;
    }
    // Let the socket drain now and then, as a real gateway's pace would.
    if (g % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return { messages };
}

/** A performance.now() time of this thread on the process-wide monotonic clock a CPU profile's timestamps use (µs). */
function monotonicUs(at: number): number {
  return Math.round(Number(process.hrtime.bigint() / 1000n) - (performance.now() - at) * 1000);
}

async function waitUntil(check: () => boolean, timeoutMs: number, pollMs = 5): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error('benchmark timed out');
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** One ask first: the bot's first answer after start loads code lazily (SDK streaming, tokenizers). */
async function warmUp() {
  const i = discord.sendInteraction({ guildId: DEFAULT_GUILD_ID, commandName: 'ask', options: { prompt: 'warm up' }, channelId: channelIds[0] });
  await waitUntil(() => i.original()?.content === fullText, 10_000);
  return { warmUpMs: i.originalEdits.at(-1)!.at - i.receivedAt };
}

/** `botPid`: the bot's process, whose main thread's CPU time from the first interaction sent to the last acknowledged is measured (when given). */
async function asks(botPid: number | undefined) {
  const cpuBefore = botPid === undefined ? 0 : mainThreadCpuMs(botPid);
  const connectionsBefore = discord.connections;
  const list: FakeInteraction[] = channelIds.map((channelId) => discord.sendInteraction({ guildId: DEFAULT_GUILD_ID, commandName: 'ask', options: { prompt: 'Tell me something' }, channelId }));
  await waitUntil(() => list.every((i) => i.callbackAt !== undefined), 60_000, 1);
  const deferCpuMs = botPid === undefined ? undefined : mainThreadCpuMs(botPid) - cpuBefore;
  const deferConnections = discord.connections - connectionsBefore;
  await waitUntil(() => list.every((i) => i.original()?.content === fullText), 60_000);
  return {
    dispatchedAbs: list.map((i) => performance.timeOrigin + i.receivedAt),
    callbackAbs: list.map((i) => performance.timeOrigin + i.callbackAt!),
    defer: list.map((i) => i.callbackAt! - i.receivedAt),
    deferCpuMs,
    deferConnections,
    firstText: list.map((i) => i.originalEdits[0]!.at - i.receivedAt),
    final: list.map((i) => i.originalEdits.at(-1)!.at - i.receivedAt),
    // First dispatch and last acknowledgement on the monotonic clock of a CPU profile (µs), to profile the defers alone.
    deferWindowUs: [monotonicUs(Math.min(...list.map((i) => i.receivedAt))), monotonicUs(Math.max(...list.map((i) => i.callbackAt!)))],
    editsPerAnswer: list.reduce((n, i) => n + i.originalEdits.length, 0) / list.length,
  };
}

/**
 * Mentions one at a time to an idle bot: MESSAGE_CREATE sent -> the bot's first Discord call for it
 * (the typing indicator), on the fakes' clock.
 */
async function mentionFirstCalls() {
  const botId = discord.botUser.id;
  const delays: number[] = [];
  for (const channelId of TEST_CHANNEL_IDS.slice(0, 30)) {
    const before = discord.requests.length;
    const sentAt = performance.now();
    discord.sendMessage({ channelId, content: `<@${botId}> one at a time` });
    const own = () => discord.channelMessages(channelId).filter((m) => m.author.id === botId && !m.webhook_id);
    await waitUntil(() => own()[0]?.content === fullText, 10_000);
    const first = discord.requests.slice(before).find((r) => r.path.startsWith(`/channels/${channelId}/`));
    delays.push(first!.at - sentAt);
  }
  return { firstCall: delays };
}

/** One mention, answered: everything the gateway sent before it has been handled. */
async function oneMention() {
  const channelId = TEST_CHANNEL_IDS.at(-1)!;
  const before = discord.requests.length;
  discord.sendMessage({ channelId, content: `<@${discord.botUser.id}> are you there?` });
  await waitUntil(() => discord.requests.slice(before).some((r) => r.method === 'POST' && r.path === `/channels/${channelId}/messages`), 300_000);
  return {};
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

parentPort!.on('message', (message: { cmd: string; botPid?: number }) => {
  const run = async () => {
    if (message.cmd === 'warmup') return warmUp();
    if (message.cmd === 'asks') return asks(message.botPid);
    if (message.cmd === 'mentions') return mentions();
    if (message.cmd === 'mentionFirstCalls') return mentionFirstCalls();
    if (message.cmd === 'chatter') return chatter();
    if (message.cmd === 'oneMention') return oneMention();
    // A process that registers nothing (the floor acker) finds /ask registered, as Discord keeps it from the bot's earlier runs.
    if (message.cmd === 'keepAsk') return void discord.keepCommand(askCommand.data);
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
