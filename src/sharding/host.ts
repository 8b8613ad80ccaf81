import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { logStartFailure, stopThenExit } from '../processExit.ts';
import { startShards } from './manager.ts';

/** `npm start` with SHARDS or SHARD_IDS: supervises this host's shard processes until a stop signal. */
export async function runShardsUntilSignal(config: Config, logger: Logger): Promise<void> {
  let shards;
  try {
    shards = await startShards(config, logger);
  } catch (error) {
    logStartFailure(logger, error);
    process.exitCode = 1;
    return;
  }
  logger.info({ shards: shards.ids, of: shards.count }, 'every shard of this host is ready');
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'received stop signal: stopping every shard');
    stopThenExit(() => shards.stop(), logger, 'error while stopping the shards');
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}
