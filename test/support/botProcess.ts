/**
 * The real bot in a process of its own, for tests that kill it (SIGKILL, SIGTERM). Run with
 * `node --import tsx test/support/botProcess.ts`; settings come from the environment as in src/index.ts,
 * plus BOT_CLOCK_SKEW_MS, which moves the bot's clock forward (e.g. past a dead process's lease).
 * Prints `{"botProcess":"ready"}` once logged in; SIGTERM stops it as src/index.ts does.
 */
import { startBot } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';

const config = loadConfig(process.env);
const logger = createLogger(config);
const skewMs = Number(process.env.BOT_CLOCK_SKEW_MS ?? '0');
const starting = startBot(config, logger, { now: () => Date.now() + skewMs });
// Registered before "ready" is printed, so a SIGTERM sent on reading it is always handled.
process.once('SIGTERM', () => {
  void starting.then((bot) => bot.stop()).then(() => process.exit(0), () => process.exit(1));
});
await starting;
process.stdout.write(`${JSON.stringify({ botProcess: 'ready' })}\n`);
