import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { startBot } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { TEST_DISCORD_TOKEN, TEST_OPENAI_KEY } from '../test/support/botHarness.ts';
import { DEFAULT_GUILD_ID } from '../test/support/fakeDiscord.ts';
import { tempDatabasePath } from '../test/support/tempDb.ts';
import { ms, peakRssMb, percentile, summary } from './stats.ts';

const CONCURRENT = 100;
/** The fake model streams 40 pieces 25 ms apart: one second from first byte to last. */
const CHUNKS = Array.from({ length: 40 }, (_, n) => `word${n} `);
const CHUNK_DELAY_MS = 25;
const MODEL_MS = CHUNKS.length * CHUNK_DELAY_MS;
const channelIds = Array.from({ length: CONCURRENT }, (_, n) => `22000000000000${String(n).padStart(4, '0')}`);

function call<T>(worker: Worker, cmd: string): Promise<T> {
  return new Promise((resolve, reject) => {
    worker.once('message', (reply: { ok: boolean; result: T; error?: string }) => (reply.ok ? resolve(reply.result) : reject(new Error(reply.error))));
    worker.postMessage({ cmd });
  });
}

async function askBurst(worker: Worker, round: string, loop: ReturnType<typeof monitorEventLoopDelay>): Promise<void> {
  const a = await call<{ defer: number[]; firstText: number[]; final: number[]; editsPerAnswer: number }>(worker, 'asks');
  console.log(`\n/ask x${CONCURRENT} concurrent, fake model ${MODEL_MS} ms streamed, ${round}`);
  console.log(`  ${summary('INTERACTION_CREATE -> defer callback', a.defer)}   (goal p99 < 50 ms)`);
  console.log(`  ${summary('-> first text shown', a.firstText)}`);
  console.log(`  ${summary('-> final edit', a.final)}`);
  console.log(`  bot overhead beyond the model: p50 ${ms(percentile(a.final, 50) - MODEL_MS)}, p99 ${ms(percentile(a.final, 99) - MODEL_MS)}; ${a.editsPerAnswer.toFixed(1)} edits per answer`);
  console.log(`  bot event-loop delay p99 ${ms(loop.percentile(99) / 1e6)}`);
}

/** 100 concurrent /ask (interaction webhooks) and 100 concurrent mentions (bot-token channel messages). */
export async function benchAskLoad(): Promise<void> {
  const worker = new Worker(new URL('./fakesWorker.mjs', import.meta.url), { workerData: { channelIds, chunks: CHUNKS, chunkDelayMs: CHUNK_DELAY_MS } });
  const fakes = await new Promise<{ discordUrl: string; openaiUrl: string }>((resolve) => worker.once('message', resolve));
  const config = loadConfig({
    DISCORD_TOKEN: TEST_DISCORD_TOKEN, OPENAI_API_KEY: TEST_OPENAI_KEY, DISCORD_API_URL: fakes.discordUrl, OPENAI_BASE_URL: fakes.openaiUrl,
    DATABASE_PATH: tempDatabasePath(), DEV_GUILD_ID: DEFAULT_GUILD_ID, DEFAULT_MODEL: 'gpt-4o-mini', LOG_LEVEL: 'warn', DEFAULT_BUDGET_USD: 'unlimited',
  });
  const bot = await startBot(config, createLogger(config, new Writable({ write: (_c, _e, done) => done() })));
  const loop = monitorEventLoopDelay({ resolution: 10 });
  try {
    const { warmUpMs } = await call<{ warmUpMs: number }>(worker, 'warmup');
    console.log(`\nfirst ask after start (loads code lazily): ${ms(warmUpMs)} to its final edit`);
    for (const round of ['first burst (connection pools cold: 200 new TCP connections)', 'second burst (pools warm, as in steady use)']) {
      loop.reset();
      loop.enable();
      await askBurst(worker, round, loop);
    }
    loop.reset();
    const m = await
call<{ firstReply: number[]; final: number[]; edits: number; global429s: number }>(worker, 'mentions');
    console.log(`\nmentions x${CONCURRENT} concurrent (bot token: Discord's global 50 req/s cap applies)`);
    console.log(`  ${summary('MESSAGE_CREATE -> first reply posted', m.firstReply)}`);
    console.log(`  ${summary('-> final edit', m.final)}`);
    console.log(`  bot overhead beyond the model: p50 ${ms(percentile(m.final, 50) - MODEL_MS)}, p99 ${ms(percentile(m.final, 99) - MODEL_MS)}`);
    console.log(`  channel edits ${m.edits} (${(m.edits / CONCURRENT).toFixed(1)} per answer); global 429s ${m.global429s}`);
    console.log(`  bot event-loop delay p99 ${ms(loop.percentile(99) / 1e6)}; peak RSS (bot + fakes) ${peakRssMb()}`);
  } finally {
    loop.disable();
    await bot.stop();
    await call(worker, 'close');
    await worker.terminate();
  }
}
