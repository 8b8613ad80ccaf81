import { ConfigError, loadConfig, type Config } from './config.ts';
import type { Logger } from './logger.ts';

/** The settings, or every problem with them on stderr and exit 1 (shared by src/index.ts and each shard process). */
export function loadConfigOrExit(env?: NodeJS.ProcessEnv): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}

/** A start-up that failed: its reason without a stack, the log written out before the process ends. */
export function logStartFailure(logger: Logger, error: unknown): void {
  logger.fatal(error instanceof Error ? error.message : String(error));
  logger.flush();
}

/** Stops, then exits 0; exits 1 once a failing stop is logged as `failed`. */
export function stopThenExit(stop: () => Promise<void>, logger: Logger, failed: string): void {
  void stop().then(() => process.exit(0), (error: unknown) => {
    logger.error({ err: error }, failed);
    process.exit(1);
  });
}
