import { setTimeout as sleep } from 'node:timers/promises';
import { tempDatabasePath } from '../test/support/tempDb.ts';
import { npmStartMeasurable, startBotProcess, type StartedBy } from './botProcess.ts';
import { Fakes } from './fakes.ts';
import { cpuMs, pssMb, rssMb, treePssMb, treeRssMb } from './proc.ts';
import { mb, ms, range } from './stats.ts';

/** Starts measured per way of starting; the first start of all migrates the database and is not counted. */
const STARTS = 3;
/** Idle means: READY, the command check and the after-start warm-up are over: at least this long after READY… */
const SETTLE_MS = 3_000;
/** …and then a window in which the bot used at most one clock tick of CPU (a loaded machine stretches the warm-up past 3 s). */
const QUIET_WINDOW_MS = 500;
const QUIET_CPU_MS = 10;
const MAX_SETTLE_MS = 20_000;

async function untilIdle(pid: number): Promise<void> {
  await sleep(SETTLE_MS);
  for (let waited = SETTLE_MS; waited < MAX_SETTLE_MS; waited += QUIET_WINDOW_MS) {
    const before = cpuMs(pid);
    await sleep(QUIET_WINDOW_MS);
    if (cpuMs(pid) - before <= QUIET_CPU_MS) return;
  }
}

/** Start → READY (warm database, registration check included) and idle memory, per way of starting the bot. */
export async function benchStartup(): Promise<void> {
  const fakes = await Fakes.start({ channelIds: [], chunks: ['hi'], chunkDelayMs: 0 });
  const env = { discordUrl: fakes.discordUrl, openaiUrl: fakes.openaiUrl, databasePath: tempDatabasePath() };
  try {
    const first = await startBotProcess('start script', env);
    await first.stop();
    console.log(`\nstart-up, ${STARTS} starts each, warm database (first start of all, migrating: ${ms(first.startupMs)})`);
    // Under BENCH_NODE_FLAGS the bot runs without npm: an `npm start` row would show the start script's figures and npm adding nothing.
    if (!npmStartMeasurable) console.log('  (BENCH_NODE_FLAGS set: the bot runs without npm, so `npm start` is not measured)');
    for (const by of (npmStartMeasurable ? ['start script', 'npm start'] : ['start script']) as StartedBy[]) {
      const figures = { wall: [] as number[], own: [] as number[], cpu: [] as number[], bot: [] as number[], tree: [] as number[], botPss: [] as number[], treePss: [] as number[] };
      for (let n = 0; n < STARTS; n++) {
        const bot = await startBotProcess(by, env);
        await untilIdle(bot.botPid);
        figures.wall.push(bot.wallMs);
        figures.own.push(bot.startupMs);
        figures.cpu.push(bot.cpuMsToReady);
        figures.bot.push(rssMb(bot.botPid));
        figures.tree.push(treeRssMb(bot.child.pid!));
        figures.botPss.push(pssMb(bot.botPid));
        figures.treePss.push(treePssMb(bot.child.pid!));
        await bot.stop();
      }
      const label = by === 'npm start' ? '`npm start` (the README)' : 'its start script alone (node, no npm)';
      console.log(`  ${label}:`);
      console.log(`    start -> ready: ${range(figures.wall, ms)} (the bot's own clock: ${range(figures.own, ms)}; CPU time used: ${range(figures.cpu, ms)})   (goal <= 1 s)`);
      console.log(`    RSS idle, bot process: ${range(figures.bot, mb)}   (goal <= 100 MB)`);
      if (by === 'npm start') {
        const added = figures.tree.map((tree, n) => tree - figures.bot[n]!);
        const addedPss = figures.treePss.map((tree, n) => tree - figures.botPss[n]!);
        console.log(`    RSS idle, whole process tree: ${range(figures.tree, mb)}: npm adds ${range(added, mb)}   (goal <= 10 MB)`);
        console.log(`    the same counting the node binary's pages npm shares with the bot once (PSS): npm adds ${range(addedPss, mb)}`);
      }
    }
  } finally {
    await fakes.close();
  }
}
