/**
 * Entry of one shard process, started by the sharding manager (src/sharding/manager.ts): the same bot
 * as src/index.ts, holding only the shard discord.js assigned it, on the SQLite file every shard shares.
 */
import { config as loadDotenv } from 'dotenv';
import { startBot, type RunningBot } from '../app.ts';
import { createLogger } from '../logger.ts';
import { loadConfigOrExit, logStartFailure, stopThenExit } from '../processExit.ts';
import { settingsEnvironment, shardFromEnvironment } from './shardRole.ts';
import { reportCrashesMapped } from '../stackTrace.ts';

async function main(): Promise<void> {
  // Started as dist/shard.js by the manager, not through start.mjs: a crash names TypeScript lines here too.
  reportCrashesMapped();
  loadDotenv({ quiet: true });
  const shard = shardFromEnvironment(process.env);
  if (!shard) {
    process.stderr.write('src/sharding/shard is started by the sharding manager (SHARDS in .env), not on its own: run npm start.\n');
    process.exit(1);
  }
  const config = loadConfigOrExit(settingsEnvironment(process.env));
  const logger = createLogger(config).child({ shard: shard.ids[0] });
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));
  let bot: RunningBot;
  try {
    bot = await startBot(config, logger, { shard, underManager: true });
  } catch (error) {
    logStartFailure(logger, error);
    process.exit(1);
  }
  const stop = (reason: string) => {
    logger.info({ reason }, 'shard stopping');
    stopThenExit(() => bot.stop(), logger, 'error while stopping');
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  // The manager is gone (crashed or killed): a shard without it would run on unsupervised.
  process.once('disconnect', () => stop('sharding manager gone'));
}

void main();
