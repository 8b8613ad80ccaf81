import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { startShards } from './manager.ts';

/** `npm start` with SHARDS or SHARD_IDS: supervises this host's shard processes until a stop signal. */
export async function runShardsUntilSignal(config: Config, logger: Logger): Promise<void> {
  let shards;
  try {
    shards = await startShards(config, logger);
  } catch (error) {
    logger.fatal(error instanceof Error ? error.message : String(error));
    logger.flush();
    process.exitCode = 1;
    return;
  }
  logger.info({ shards: shards.ids, of: shards.count }, 'every shard of this host is ready');
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'received stop signal: stopping every shard');
    void shards.stop().then(() => process.exit(0), (error: unknown) => {
      logger.error({ err: error }, 'error while stopping the shards');
      process.exit(1);
    });
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}
