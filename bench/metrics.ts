import { Writable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { startBot } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { TEST_DISCORD_TOKEN, TEST_OPENAI_KEY } from '../test/support/botHarness.ts';
import { DEFAULT_GUILD_ID } from '../test/support/fakeDiscord.ts';
import { freePort } from '../test/support/metricsScrape.ts';
import { tempDatabasePath } from '../test/support/tempDb.ts';
import { summary } from './stats.ts';

const CONCURRENT = 100;
const CHUNKS = Array.from({ length: 40 }, (_, n) => `word${n} `);
const CHUNK_DELAY_MS = 25;
/** A busy Prometheus scrapes every 15 s; this is 60 times as often, to see the cost under load. */
const SCRAPE_EVERY_MS = 250;
const channelIds = Array.from({ length: CONCURRENT }, (_, n) => `22000000000000${String(n).padStart(4, '0')}`);

function call<T>(worker: Worker, cmd: string): Promise<T> {
  return new Promise((resolve, reject) => {
    worker.once('message', (reply: { ok: boolean; result: T; error?: string }) => (reply.ok ? resolve(reply.result) : reject(new Error(reply.error))));
    worker.postMessage({ cmd });
  });
}

async function timed(url: string): Promise<{ ms: number; bytes: number; status: number }> {
  const started = performance.now();
  const response = await fetch(url);
  const body = await response.text();
  return { ms: performance.now() - started, bytes: body.length, status: response.status };
}

/** /metrics and /healthz answered while 100 answers stream, and what one scrape weighs afterwards. */
export async function benchMetrics(): Promise<void> {
  const worker = new Worker(new URL('./fakesWorker.mjs', import.meta.url), { workerData: { channelIds, chunks: CHUNKS, chunkDelayMs: CHUNK_DELAY_MS } });
  const fakes = await new Promise<{ discordUrl: string; openaiUrl: string }>((resolve) => worker.once('message', resolve));
  const config = loadConfig({
    DISCORD_TOKEN: TEST_DISCORD_TOKEN, OPENAI_API_KEY: TEST_OPENAI_KEY, DISCORD_API_URL: fakes.discordUrl, OPENAI_BASE_URL: fakes.openaiUrl,
    DATABASE_PATH: tempDatabasePath(), DEV_GUILD_ID: DEFAULT_GUILD_ID, DEFAULT_MODEL: 'gpt-4o-mini', LOG_LEVEL: 'warn', DEFAULT_BUDGET_USD: 'unlimited',
    METRICS_PORT: String(await freePort()),
  });
  const bot = await startBot(config, createLogger(config, new Writable({ write: (_c, _e, done) => done() })));
  const url = bot.metricsUrl!;
  try {
    await call(worker, 'warmup');
    const quiet = await call<{ final: number[] }>(worker, 'asks');
    const scrapes: number[] = [];
    const checks: number[] = [];
    let running = true;
    const poller = (async () => {
      while (running) {
        scrapes.push((await timed(`${url}/metrics`)).ms);
        checks.push((await timed(`${url}/healthz`)).ms);
        await new Promise((resolve) => setTimeout(resolve, SCRAPE_EVERY_MS));
      }
    })();
    const asks = await call<{ final: number[] }>(worker, 'asks');
    running = false;
    await poller;
    console.log(`\nmetrics endpoint while ${CONCURRENT} /ask stream at once (scraped every ${SCRAPE_EVERY_MS} ms)`);
    console.log(`  ${summary('GET /metrics', scrapes)} (${scrapes.length} scrapes)`);
    console.log(`  ${summary('GET /healthz (one SQLite write)', checks)}`);
    console.log(`  ${summary('/ask -> final edit meanwhile', asks.final)}`);
    console.log(`  ${summary('/ask -> final edit, same burst unscraped before', quiet.final)}`);
    const idle = await timed(`${url}/metrics`);
    const text = await (await fetch(`${url}/metrics`)).text();
    const samples = text.split('\n').filter((line) => line !== '' && !line.startsWith('#')).length;
    console.log(`  one scrape afterwards: ${idle.ms.toFixed(1)} ms, ${(idle.bytes / 1024).toFixed(1)} KiB, ${samples} samples`);
  } finally {
    await bot.stop();
    await call(worker, 'close');
    await worker.terminate();
  }
}
