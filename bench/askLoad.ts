import { setTimeout as sleep } from 'node:timers/promises';
import { tempDatabasePath } from '../test/support/tempDb.ts';
import { startBotProcess, type BotProcess } from './botProcess.ts';
import { Fakes } from './fakes.ts';
import { cpuMs, peakRssMb, processTree, resetPeakRss } from './proc.ts';
import { mb, ms, percentile, summary } from './stats.ts';

const CONCURRENT = 100;
/** The fake model streams 40 pieces 25 ms apart: one second from first byte to last. */
const CHUNKS = Array.from({ length: 40 }, (_, n) => `word${n} `);
const CHUNK_DELAY_MS = 25;
const MODEL_MS = CHUNKS.length * CHUNK_DELAY_MS;
/** Idle means: READY, the command check and the after-start warm-up are over. */
const SETTLE_MS = 3_000;
/** The longest the first burst waits for the warm-up to end (a loaded machine; a build that doesn't log its end). */
const WARM_UP_WAIT_MS = 20_000;
/** Longer than undici keeps an idle connection (4 s, from the server's 5 s keep-alive): the third burst opens new ones, as the first does. */
const CONNECTIONS_GONE_MS = 6_000;
/** `BENCH_BURSTS_ONLY=1 npm run bench load`: the three /ask bursts alone (no mentions, no floor), to compare builds quickly. */
export const burstsOnly = process.env.BENCH_BURSTS_ONLY === '1';
const channelIds = Array.from({ length: CONCURRENT }, (_, n) => `22000000000000${String(n).padStart(4, '0')}`);

interface Peaks { bot: number; tree: number }

/** Peak RSS since the last reset: the bot process, and the sum of each process's peak in the start command's tree. */
function peaks(bot: BotProcess): Peaks {
  return { bot: peakRssMb(bot.botPid), tree: processTree(bot.child.pid!).reduce((sum, p) => sum + (peakRssMb(p.pid) || 0), 0) };
}

function resetPeaks(bot: BotProcess): void {
  for (const p of processTree(bot.child.pid!)) resetPeakRss(p.pid);
}

/** On the monotonic clock a CPU profile's timestamps use (µs), to find a burst in a profile taken with BENCH_NODE_FLAGS. */
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

async function askBurst(fakes: Fakes, bot: BotProcess, round: string, goal: string): Promise<void> {
  resetPeaks(bot);
  const cpuBefore = cpuMs(bot.botPid);
  const from = monotonicUs();
  const a = await fakes.call<{ defer: number[]; firstText: number[]; final: number[]; deferWindowUs: [number, number]; deferCpuMs: number; deferConnections: number; editsPerAnswer: number }>('asks', { botPid: bot.botPid });
  if (process.env.BENCH_NODE_FLAGS) {
    console.log(`(profile window of the burst below: ${from}..${monotonicUs()} µs; of its defers, first sent to last acknowledged: ${a.deferWindowUs.join('..')} µs)`);
  }
  const peak = peaks(bot);
  const cpu = cpuMs(bot.botPid) - cpuBefore;
  console.log(`\n/ask x${CONCURRENT} concurrent, fake model ${MODEL_MS} ms streamed, ${round}`);
  console.log(`  ${summary('INTERACTION_CREATE -> defer callback', a.defer)}   (goal p99 <= 50 ms${goal})`);
  console.log(`  bot main-thread CPU time from the first interaction sent to the last acknowledged: ${ms(a.deferCpuMs)} (the defer p99 can't be lower); connections it opened meanwhile: ${a.deferConnections}`);
  console.log(`  ${summary('-> first text shown', a.firstText)}`);
  console.log(`  ${summary('-> final edit', a.final)}`);
  console.log(`  bot overhead beyond the model: p50 ${ms(percentile(a.final, 50) - MODEL_MS)}, p99 ${ms(percentile(a.final, 99) - MODEL_MS)}   (before: p50 7 ms); ${a.editsPerAnswer.toFixed(1)} edits per answer   (before: 4)`);
  console.log(`  peak RSS: bot process ${mb(peak.bot)}   (goal <= 150 MB); \`npm start\` tree ${mb(peak.tree)}   (goal <= bot + 10 MB)`);
  console.log(`  bot CPU time for the burst: ${ms(cpu)} (${ms(cpu / CONCURRENT)} per answer; wall times above stretch when other programs want the CPU)`);
}

/**
 * The compiled bot in its own process, started with the README's `npm start`: 100 concurrent /ask right
 * after start (nothing warmed by a first question) and again, one mention at a time (its first Discord
 * call), then 100 concurrent mentions (bot-token channel messages).
 */
export async function benchAskLoad(): Promise<void> {
  const fakes = await Fakes.start({ channelIds, chunks: CHUNKS, chunkDelayMs: CHUNK_DELAY_MS });
  const env = { discordUrl: fakes.discordUrl, openaiUrl: fakes.openaiUrl, databasePath: tempDatabasePath(), extra: { LOG_LEVEL: 'warn' } };
  // Warm database (migrations done by an earlier start), like every start but the first.
  await (await startBotProcess('start script', { ...env, extra: {} })).stop();
  const bot = await startBotProcess('npm start', { ...env, extra: {} });
  try {
    // On a loaded machine the warm-up can outlast the settling time: the first burst would then measure it too.
    const settling = sleep(SETTLE_MS);
    if (await Promise.race([bot.warmedUp.then(() => false), settling.then(() => true)])) {
      console.log(`(the warm-up was still running ${SETTLE_MS / 1000} s after READY: the first burst waits for it)`);
    }
    await Promise.all([Promise.race([bot.warmedUp, sleep(WARM_UP_WAIT_MS)]), settling]);
    await askBurst(fakes, bot, 'first burst after start (cold: nothing asked before)', ', same as a later burst');
    await askBurst(fakes, bot, 'second burst (warm)', '');
    await sleep(CONNECTIONS_GONE_MS);
    await askBurst(fakes, bot, `third burst, ${CONNECTIONS_GONE_MS / 1000} s after the second (code warm, connections to open again as in the first)`, '');
    if (burstsOnly) return;
    const first = await fakes.call<{ firstCall: number[] }>('mentionFirstCalls');
    console.log(`\nmention, one at a time (${first.firstCall.length}): ${summary('MESSAGE_CREATE -> first Discord call (typing)', first.firstCall)}   (goal p50 <= 3 ms)`);
    resetPeaks(bot);
    const m = await fakes.call<{ firstReply: number[]; final: number[]; edits: number; global429s: number }>('mentions');
    const peak = peaks(bot);
    console.log(`\nmentions x${CONCURRENT} concurrent (bot token: Discord's global 50 req/s cap applies)`);
    console.log(`  ${summary('MESSAGE_CREATE -> first reply posted', m.firstReply)}`);
    console.log(`  ${summary('-> final edit', m.final)}`);
    console.log(`  bot overhead beyond the model: p50 ${ms(percentile(m.final, 50) - MODEL_MS)}, p99 ${ms(percentile(m.final, 99) - MODEL_MS)}   (before: ~1 s, the floor the cap sets)`);
    console.log(`  channel edits ${m.edits} (${(m.edits / CONCURRENT).toFixed(1)} per answer); global 429s ${m.global429s}`);
    console.log(`  peak RSS: bot process ${mb(peak.bot)}; \`npm start\` tree ${mb(peak.tree)}`);
  } finally {
    await bot.stop();
    await fakes.close();
  }
}
