/**
 * Shards: the real `npm start` (src/index.ts) with SHARDS=2 against the loopback fakes, at several
 * server counts per shard. Prints each shard process's start -> READY and RSS, then asks per second
 * through one shard process and through both. (Ledger operations per second: `npm run bench ledger`.)
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { TEST_DISCORD_TOKEN, TEST_OPENAI_KEY } from '../test/support/botHarness.ts';
import { FakeDiscord, type FakeInteraction } from '../test/support/fakeDiscord.ts';
import { FakeOpenAI } from '../test/support/fakeOpenAI.ts';
import { ShardedBot } from '../test/support/shardedBot.ts';
import { tempDatabasePath } from '../test/support/tempDb.ts';

const SHARDS = 2;
/** Discord holds at most 2,500 servers on one shard and recommends about 1,000. */
const GUILDS_PER_SHARD = [100, 1000, 2500];
const ASKS = 300;
const START_TIMEOUT_MS = 300_000;

/** Server ids spread over the shards the way Discord routes them: (id >> 22) % SHARDS. */
function guildsFor(perShard: number) {
  return Array.from({ length: perShard * SHARDS }, (_, n) => {
    const id = String(((1n << 40n) + BigInt(n)) << 22n);
    return { id, shard: n % SHARDS, channelId: String(BigInt(id) + 1n), name: `server ${n}` };
  });
}

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Number(line?.replace(/\D+/g, '') ?? 0) / 1024;
}

/** Sends `count` asks round-robin over `guilds` as fast as the fake takes them; returns answered asks per second. */
async function askRate(discord: FakeDiscord, guilds: ReturnType<typeof guildsFor>, count: number): Promise<{ perSecond: number; answered: number }> {
  const started = performance.now();
  const asks: FakeInteraction[] = [];
  for (let n = 0; n < count; n += 1) {
    const guild = guilds[n % guilds.length]!;
    asks.push(discord.sendInteraction({ guildId: guild.id, channelId: guild.channelId, commandName: 'ask', options: { prompt: `question ${n}` }, user: { id: String(500000000000000000n + BigInt(n)) } }));
  }
  const done = await Promise.allSettled(asks.map((ask) => ask.waitFor((i) => i.transcript().some((t) => t.startsWith('You said:')), 120_000, 'the answer')));
  const seconds = (performance.now() - started) / 1000;
  const answered = done.filter((d) => d.status === 'fulfilled').length;
  return { perSecond: answered / seconds, answered };
}

async function oneSize(perShard: number, measureAsks: boolean): Promise<void> {
  const guilds = guildsFor(perShard);
  const discord = await FakeDiscord.start({
    token: TEST_DISCORD_TOKEN,
    guilds: guilds.map((g) => ({ id: g.id, name: g.name, channels: [{ id: g.channelId, name: 'general' }] })),
    recommendedShards: SHARDS,
  });
  const openai = await FakeOpenAI.start({ apiKey: TEST_OPENAI_KEY });
  const bot = ShardedBot.start(discord, openai, tempDatabasePath(), { SHARDS: String(SHARDS), LOG_LEVEL: 'info' });
  try {
    await bot.waitForLog((line) => line.msg === 'every shard of this host is ready', START_TIMEOUT_MS, 'every shard ready');
    await sleep(2_000); // let start-up garbage settle before reading RSS
    console.log(`\n${SHARDS} shard processes x ${perShard.toLocaleString()} servers each (SHARDS=${SHARDS}, one manager process)`);
    for (let shard = 0; shard < SHARDS; shard += 1) {
      const spawned = bot.lines('starting shard process').find((l) => l.shard === shard);
      const ready = bot.lines('logged in to Discord').find((l) => l.shard === shard);
      const pid = Number(bot.lines('shard ready').find((l) => l.shard === shard)?.pid);
      const startMs = Number(ready?.time) - Number(spawned?.time);
      console.log(`  shard ${shard}: process start -> READY with ${Number(ready?.guilds).toLocaleString()} servers ${(startMs / 1000).toFixed(1)} s; RSS ${rssMb(pid).toFixed(0)} MB`);
    }
    console.log(`  manager process RSS ${rssMb(bot.child.pid!).toFixed(0)} MB`);
    if (measureAsks) {
      const ofShard0 = guilds.filter((g) => g.shard === 0).slice(0, 100);
      const one = await askRate(discord, ofShard0, ASKS);
      console.log(`  /ask through one shard process: ${one.perSecond.toFixed(0)} answered/s (${one.answered}/${ASKS}, fake model answers at once, 100 channels)`);
      const both = await askRate(discord, guilds.slice(0, 200), ASKS);
      console.log(`  /ask through both shard processes: ${both.perSecond.toFixed(0)} answered/s (${both.answered}/${ASKS}; the fakes share the same 2 cores)`);
    }
  } finally {
    await bot.stop(60_000).catch(() => bot.kill());
    bot.kill();
    await discord.close();
    await openai.close();
  }
}

export async function benchShards(): Promise<void> {
  console.log('\nshards (each size starts the bot afresh; shard 1 starts 5.5 s after shard 0, as Discord\'s IDENTIFY limit asks)');
  for (const [n, perShard] of GUILDS_PER_SHARD.entries()) await oneSize(perShard, n === 0);
}
