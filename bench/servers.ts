import { setTimeout as sleep } from 'node:timers/promises';
import { tempDatabasePath } from '../test/support/tempDb.ts';
import { startBotProcess } from './botProcess.ts';
import { Fakes, type FakesScale } from './fakes.ts';
import { peakRssMb, rssMb } from './proc.ts';
import { mb, ms } from './stats.ts';

const SCALE: FakesScale = { guilds: 1_000, channelsPerGuild: 20, membersPerGuild: 100 };
const SETTLE_MS = 3_000;
/** What a day's chatter may add: V8 keeps some heap space after a burst; a cache that holds messages or members grows by hundreds of MB. */
const GROWTH_GOAL_MB = 30;

/**
 * A widely invited bot: 1,000 servers of 20 channels delivered by the fake gateway at start, then every one
 * of their 100,000 members says something (no mention), as a busy day brings. Memory must not grow with it.
 */
export async function benchServers(): Promise<void> {
  const fakes = await Fakes.start({ channelIds: [], chunks: ['Hello!'], chunkDelayMs: 0, scale: SCALE });
  const env = { discordUrl: fakes.discordUrl, openaiUrl: fakes.openaiUrl, databasePath: tempDatabasePath() };
  try {
    await (await startBotProcess('start script', env)).stop();
    const bot = await startBotProcess('start script', env);
    try {
      await sleep(SETTLE_MS);
      const idle = rssMb(bot.botPid);
      const started = performance.now();
      const { messages } = await fakes.call<{ messages: number }>('chatter');
      await fakes.call('oneMention');
      const chatterMs = performance.now() - started;
      await sleep(SETTLE_MS);
      console.log(`\n${SCALE.guilds} servers x ${SCALE.channelsPerGuild} channels x ${SCALE.membersPerGuild} members (start -> ready ${ms(bot.wallMs)})`);
      console.log(`  RSS idle after READY: ${mb(idle)}`);
      const after = rssMb(bot.botPid);
      console.log(`  after ${messages} messages from ${SCALE.guilds * SCALE.membersPerGuild} members (${ms(chatterMs)}): ${mb(after)} (peak ${mb(peakRssMb(bot.botPid))}), grown ${mb(after - idle)}   (goal <= ${GROWTH_GOAL_MB} MB)`);
    } finally {
      await bot.stop();
    }
  } finally {
    await fakes.close();
  }
}
