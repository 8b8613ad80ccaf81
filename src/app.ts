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
import { botLimitNotifier } from './services/operator/notices.ts';
import { leadsTheBot, UNSHARDED, type ShardAssignment } from './sharding/shardRole.ts';

export { explainLoginError } from './discordClient.ts';

export interface RunningBot {
  client: Client;
  ctx: BotContext;
  /** Resolves when the start-up check of the AI service is done (it never delays answering). */
  aiServiceChecked: Promise<'ok' | 'failed'>;
  /** Takes no new work, lets in-flight answers finish within SHUTDOWN_GRACE_MS, closes everything. */
  stop(): Promise<void>;
}

/** Start-up after config and logger: database and services, commands, Discord login; returns how to stop. */
export async function startBot(config: Config, logger: Logger, options: { now?: () => number; shard?: ShardAssignment } = {}): Promise<RunningBot> {
  const shard = options.shard ?? UNSHARDED;
  // Once-per-bot duties belong to the process holding shard 0 (see leadsTheBot).
  const leads = leadsTheBot(shard);
  if (!leads) logger.info({ shards: shard.ids, of: shard.count }, 'commands and fine-tuning jobs are handled by the process holding shard 0');
  const ctx = await buildContext(leads ? config : { ...config, registerCommands: false }, logger, options.now);
  const stopCheckpoints = startWalCheckpoints(ctx.db);
  const commands = await loadCommands();
  const aiServiceChecked = checkAiService(ctx.services.openai, { chat: config.defaultModel }, logger);
  let client: Client;
  try {
    client = await connectToDiscord(ctx, commands, shard);
  } catch (error) {
    stopCheckpoints();
    ctx.services.ledger.stop();
    ctx.db.close();
    throw new Error(explainLoginError(error), { cause: error });
  }
  ctx.services.ledger.onBotLimitNotice = botLimitNotifier(client, ctx.services.owner, logger);
  // Fine-tuning jobs run for hours at OpenAI: followed from here, with notices posted by this client.
  const stopFineTunePolling = leads ? ctx.services.fineTunes.tracker.startPolling(channelNotifier(client)) : async () => undefined;

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      logger.info({ inFlight: ctx.services.lifecycle.inFlight }, 'stopping: taking no new work');
      await stopFineTunePolling();
      const finished = await ctx.services.lifecycle.drain(config.shutdownGraceMs);
      if (!finished) logger.warn({ inFlight: ctx.services.lifecycle.inFlight }, 'stopped waiting for answers still in progress');
      await client.destroy();
      stopCheckpoints();
      ctx.services.ledger.stop();
      ctx.db.close();
      logger.info('stopped');
    })();
    return stopping;
  };
  return { client, ctx, aiServiceChecked, stop };
}
