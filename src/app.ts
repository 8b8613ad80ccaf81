import type { Client } from 'discord.js';
import { buildContext } from './buildContext.ts';
import { loadCommands } from './commands/index.ts';
import type { Config } from './config.ts';
import type { BotContext } from './context.ts';
import { startWalCheckpoints } from './db/checkpoint.ts';
import { connectToDiscord, explainLoginError } from './discordClient.ts';
import type { Logger } from './logger.ts';
import { channelNotifier } from './services/finetune/channelNotice.ts';
import { checkAiService } from './services/openai/startupCheck.ts';
import { warmUp } from './warmUp.ts';

export { explainLoginError } from './discordClient.ts';

export interface RunningBot {
  client: Client;
  ctx: BotContext;
  /** Resolves when the start-up check of the AI service is done (it never delays answering). */
  aiServiceChecked: Promise<'ok' | 'failed'>;
  /** Resolves when the answer path has been exercised once after READY (see warmUp.ts). */
  warmedUp: Promise<void>;
  /** Takes no new work, lets in-flight answers finish within SHUTDOWN_GRACE_MS, closes everything. */
  stop(): Promise<void>;
}

/** Start-up after config and logger: database and services, commands, Discord login; returns how to stop. */
export async function startBot(config: Config, logger: Logger, options: { now?: () => number } = {}): Promise<RunningBot> {
  const ctx = await buildContext(config, logger, options.now);
  const stopCheckpoints = startWalCheckpoints(ctx.db);
  const commands = await loadCommands();
  const aiServiceChecked = checkAiService(ctx.services.openai, { chat: config.defaultModel }, logger);
  let client: Client;
  try {
    client = await connectToDiscord(ctx, commands);
  } catch (error) {
    stopCheckpoints();
    ctx.db.close();
    throw new Error(explainLoginError(error), { cause: error });
  }
  const warmedUp = warmUp(ctx).catch((error: unknown) => logger.warn({ err: error }, 'warm-up after start failed; the first answers may be slower'));
  // Fine-tuning jobs run for hours at OpenAI: followed from here, with notices posted by this client.
  const stopFineTunePolling = ctx.services.fineTunes.tracker.startPolling(channelNotifier(client));

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      logger.info({ inFlight: ctx.services.lifecycle.inFlight }, 'stopping: taking no new work');
      await stopFineTunePolling();
      const finished = await ctx.services.lifecycle.drain(config.shutdownGraceMs);
      if (!finished) logger.warn({ inFlight: ctx.services.lifecycle.inFlight }, 'stopped waiting for answers still in progress');
      await client.destroy();
      stopCheckpoints();
      ctx.db.close();
      logger.info('stopped');
    })();
    return stopping;
  };
  return { client, ctx, aiServiceChecked, warmedUp, stop };
}
