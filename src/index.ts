import { config as loadDotenv } from 'dotenv';
import { createLogger } from './logger.ts';
import { loadConfigOrExit, logStartFailure, stopThenExit } from './processExit.ts';
import { runShardsUntilSignal } from './sharding/host.ts';
import { usesShardingManager } from './sharding/shardRole.ts';
import { reportCrashesMapped } from './stackTrace.ts';

/** Start-up: config -> logger -> database and services -> Discord client -> login; graceful stop on signals. */
async function main(): Promise<void> {
  // Without start.mjs in front (the Docker image runs this file), a crash still names TypeScript lines.
  reportCrashesMapped();
  loadDotenv({ quiet: true });
  const config = loadConfigOrExit();
  const logger = createLogger(config);
  // A stray rejection somewhere must not take every conversation down with it: log it and carry on.
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));
  // SHARDS / SHARD_IDS: this process only supervises one process per shard (src/sharding/).
  if (usesShardingManager(config)) return runShardsUntilSignal(config, logger);
  // A stop asked for during start-up (docker stop right after docker start) is kept and honoured once started,
  // instead of being ignored until the container engine kills the process.
  let stopAsked: NodeJS.Signals | undefined;
  const askedEarly = (signal: NodeJS.Signals) => { stopAsked = signal; };
  process.once('SIGINT', askedEarly);
  process.once('SIGTERM', askedEarly);
  const failedToStart = (log: () => void) => {
    log();
    process.exitCode = 1;
    process.off('SIGINT', askedEarly);
    process.off('SIGTERM', askedEarly);
  };
  let startBot;
  try {
    // Loaded here, not at the top: a sharding manager never runs the bot itself (about 85 MB less).
    ({ startBot } = await import('./app.ts'));
  } catch (error) {
    // A broken install or build (a file missing beside the code): its stack says which. A supervisor must see a failure, not a clean exit.
    return failedToStart(() => { logger.fatal({ err: error }, "the bot's code failed to load"); logger.flush(); });
  }
  let bot;
  try {
    bot = await startBot(config, logger);
  } catch (error) {
    return failedToStart(() => logStartFailure(logger, error));
  }
  // Time since the process started (loading the compiled code included): what an operator waits for.
  const cpu = process.cpuUsage();
  logger.info({ startupMs: Math.round(performance.now()), cpuMs: Math.round((cpu.user + cpu.system) / 1000) }, 'ready: answering commands and mentions');
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'received stop signal');
    stopThenExit(() => bot.stop(), logger, 'error while stopping');
  };
  process.off('SIGINT', askedEarly);
  process.off('SIGTERM', askedEarly);
  if (stopAsked) return onSignal(stopAsked);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}

// Whatever else ends start-up by a rejection is a failure too (logged by the handler above, or Node's own report).
main().catch((error: unknown) => {
  process.exitCode = 1;
  throw error;
});
