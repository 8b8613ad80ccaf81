import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TEST_DISCORD_TOKEN } from '../test/support/botHarness.ts';
import { ROOT } from './botProcess.ts';
import { Fakes } from './fakes.ts';
import { ms, percentile } from './stats.ts';

const CONCURRENT = 100;
const CHUNKS = Array.from({ length: 40 }, (_, n) => `word${n} `);
const channelIds = Array.from({ length: CONCURRENT }, (_, n) => `22000000000000${String(n).padStart(4, '0')}`);
const READY_TIMEOUT_MS = 30_000;
/** As the load benchmark: the burst comes when start-up is over. */
const SETTLE_MS = 3_000;
const BURSTS = ['first burst after start (cold)', 'second burst (warm)', 'third burst (warm)'];

/**
 * The floor under `npm run bench load`'s defer figures: the same 100 concurrent /ask on the same fakes, acknowledged by
 * bench/floorAcker.mjs, a Node process that does nothing but read the gateway and send each acknowledgement. What it
 * takes on this machine is what no Node.js bot can go below; the bot's own figures are printed by the load benchmark.
 */
export async function benchDeferFloor(): Promise<void> {
  const fakes = await Fakes.start({ channelIds, chunks: CHUNKS, chunkDelayMs: 25 });
  await fakes.call('keepAsk');
  const child = spawn(process.execPath, [join(ROOT, 'bench', 'floorAcker.mjs')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', DISCORD_TOKEN: TEST_DISCORD_TOKEN, DISCORD_API_URL: fakes.discordUrl, FULL_TEXT: CHUNKS.join('').trim() },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the floor acker did not get ready')), READY_TIMEOUT_MS);
      child.stdout!.on('data', (d: Buffer) => { if (d.toString().includes('READY')) { clearTimeout(timer); resolve(); } });
    });
    await sleep(SETTLE_MS);
    console.log(`\nfloor: ${CONCURRENT} concurrent /ask acknowledged by a bare gateway reader + HTTP client (bench/floorAcker.mjs), same fakes`);
    for (const burst of BURSTS) {
      const a = await fakes.call<{ defer: number[]; deferCpuMs: number }>('asks', { botPid: child.pid });
      console.log(`  ${burst}: defer p50 ${ms(percentile(a.defer, 50))}, p99 ${ms(percentile(a.defer, 99))}; main-thread CPU ${ms(a.deferCpuMs)}   (the bot's goal: p99 <= 50 ms)`);
    }
  } finally {
    child.kill();
    await fakes.close();
  }
}
