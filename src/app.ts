import type { Client } from 'discord.js';
import { buildContext } from './buildContext.ts';
import { loadCommands } from './commands/index.ts';
import { isOpenAIItself, type Config } from './config.ts';
import type { BotContext } from './context.ts';
import { startWalCheckpoints } from './db/checkpoint.ts';
import { connectToDiscord, explainLoginError } from './discordClient.ts';
import type { Logger } from './logger.ts';
import { channelNotifier } from './services/finetune/channelNotice.ts';
import { shardsOf } from './services/metrics/gateway.ts';
import { serveMetrics } from './services/metrics/serve.ts';
import { serveLedger } from './services/budget/shared/serve.ts';
import { chatModelIds, checkAiService } from './services/openai/startupCheck.ts';
import { botLimitNotifier } from './services/operator/notices.ts';
import { warmUp } from './warmUp.ts';
import { followsHostJobs, leadsTheBot, UNSHARDED, type ShardAssignment } from './sharding/shardRole.ts';

export { explainLoginError } from './discordClient.ts';

/**
 * After SHUTDOWN_GRACE_MS, the longest wait for the restart notices (and for the interrupted calls to
 * settle what they streamed): with the default grace, the whole stop stays inside Docker's 10 s.
 */
export const RESTART_NOTICE_WAIT_MS = 1500;

export interface RunningBot {
  client: Client;
  ctx: BotContext;
  /** Resolves when the start-up check of the AI service is done (it never delays answering). */
  aiServiceChecked: Promise<'ok' | 'failed'>;
  /** Where /healthz and /metrics are served; undefined without METRICS_PORT. */
  metricsUrl: string | undefined;
  /** Resolves when the answer path has been exercised once after READY (see warmUp.ts). */
  warmedUp: Promise<void>;
  /** Takes no new work, lets in-flight answers finish within SHUTDOWN_GRACE_MS, closes everything. */
  stop(): Promise<void>;
}

/** Start-up after config and logger: database and services, commands, Discord login; returns how to stop. */
/** `underManager`: a shard process of discord.js's ShardingManager (src/sharding/shard.ts), which serves METRICS_PORT for it. */
export async function startBot(config: Config, logger: Logger, options: { now?: () => number; shard?: ShardAssignment; underManager?: boolean } = {}): Promise<RunningBot> {
  const shard = options.shard ?? UNSHARDED;
  // Once-per-bot duties belong to the process holding shard 0 (see leadsTheBot).
  const leads = leadsTheBot(shard);
  if (!leads) logger.info({ shards: shard.ids, of: shard.count }, 'commands are registered by the process holding shard 0');
  const ctx = await buildContext(leads ? config : { ...config, registerCommands: false }, logger, options.now);
  const stopCheckpoints = startWalCheckpoints(ctx.db);
  const closeDatabase = () => {
    stopCheckpoints();
    ctx.services.ledger.stop();
    ctx.db.close();
  };
  // Served from before the login, so a health check during start-up says what is not ready yet.
  const metricsServer = await serveMetrics(ctx, options.underManager).catch((error: unknown) => {
    closeDatabase();
    throw error;
  });
  // The other hosts' reservations are answered from before the login: they may be running already.
  const ledgerServer = await serveLedger(ctx, leads).catch(async (error: unknown) => {
    await metricsServer?.close();
    closeDatabase();
    throw error;
  });
  const commands = loadCommands();
  // A compatible server's own models are what `/settings model` should suggest (the price table names OpenAI's).
  // Every server's list is how its names are spelled (`/settings model GPT-4o` is stored as the listed `gpt-4o`).
  const suggestListed = (ids: readonly string[]) => {
    ctx.services.settings.learnListedModels(ids);
    if (isOpenAIItself(config.openaiBaseUrl)) return;
    const chat = chatModelIds(ids);
    ctx.services.settings.addModelSource(() => chat);
  };
  let client: Client;
  try {
    client = await connectToDiscord(ctx, commands, shard);
  } catch (error) {
    await metricsServer?.close();
    await ledgerServer?.close();
    closeDatabase();
    throw new Error(explainLoginError(error), { cause: error });
  }
  // After READY, not beside the login: its request (the SDK, Node's fetch, a new connection) is CPU the gateway handshake
  // would wait for on the same thread (15-25 ms of start-up), and its answer only goes to the log.
  const aiServiceChecked = checkAiService(ctx.services.openai, { chat: config.defaultModel }, logger, suggestListed);
  ctx.services.metrics.gateway = shardsOf(client);
  ctx.services.ledger.onBotLimitNotice = botLimitNotifier(client, ctx.services.owner, logger);
  const warmUpStarted = performance.now();
  const warmedUp = warmUp(ctx).then(
    () => logger.info({ warmUpMs: Math.round(performance.now() - warmUpStarted) }, 'warm-up after start done'),
    (error: unknown) => logger.warn({ err: error }, 'warm-up after start failed; the first answers may be slower'),
  );
  // Fine-tuning jobs run for hours at OpenAI: followed from here, with notices posted by this client. Each host
  // follows the jobs in its own database (a job started on another host is not in this file).
  const fineTuneNotices = channelNotifier(client, (model) => ctx.services.settings.allowsModel(model));
  // A status or cancel handled here may be what finds a job finished: its notice goes out from whichever process did.
  ctx.services.fineTunes.tracker.notifyWith(fineTuneNotices);
  const stopFineTunePolling = followsHostJobs(shard) ? ctx.services.fineTunes.tracker.startPolling(fineTuneNotices) : async () => undefined;
  const stopRetention = ctx.services.retention.start();

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      logger.info({ inFlight: ctx.services.lifecycle.inFlight }, 'stopping: taking no new work');
      await stopFineTunePolling();
      await stopRetention();
      const finished = await ctx.services.lifecycle.drain(config.shutdownGraceMs);
      if (!finished) {
        logger.warn({ inFlight: ctx.services.lifecycle.inFlight }, 'stopped waiting for answers still in progress');
        const interrupted = await ctx.services.lifecycle.interruptAnswers(RESTART_NOTICE_WAIT_MS);
        logger.warn({ interrupted }, 'told members whose answers could not finish that the bot restarted');
      }
      // Scrapes and health checks (503: stopping) are answered until the answers in progress are done.
      await metricsServer?.close();
      await client.destroy();
      await ledgerServer?.close();
      await ctx.services.hosts.stop(RESTART_NOTICE_WAIT_MS);
      closeDatabase();
      logger.info('stopped');
    })();
    return stopping;
  };
  return { client, ctx, aiServiceChecked, metricsUrl: metricsServer?.url, warmedUp, stop };
}
