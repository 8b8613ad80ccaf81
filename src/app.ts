import { Client, GatewayIntentBits, Options, Partials } from 'discord.js';
import { loadCommands } from './commands/index.ts';
import type { Config } from './config.ts';
import type { BotContext } from './context.ts';
import { openDatabase } from './db/connection.ts';
import { HistoryStore } from './db/history.ts';
import { migrate } from './db/migrate.ts';
import { startWalCheckpoints } from './db/checkpoint.ts';
import { registerClientReady } from './events/clientReady.ts';
import { registerInteractionCreate } from './events/interactionCreate.ts';
import { registerMessageCreate } from './events/messageCreate.ts';
import type { Logger } from './logger.ts';
import { AskService } from './services/ask.ts';
import { BOT_TOKEN_EDIT_BUDGET_PER_SECOND, EditPacer, WEBHOOK_EDIT_BUDGET_PER_SECOND } from './services/discord/editPacer.ts';
import { HistoryService } from './services/history.ts';
import { Lifecycle } from './services/lifecycle.ts';
import { ChatService } from './services/openai/chat.ts';
import { createOpenAIClient } from './services/openai/client.ts';
import { TokenCounter } from './services/tokens.ts';
import { BudgetStore } from './db/budgetLimits.ts';
import { LedgerStore } from './db/ledger.ts';
import { Ledger } from './services/budget/ledger.ts';
import { BudgetAdmin } from './services/budget/admin.ts';
import { createPricing, loadPricingFile } from './services/pricing/index.ts';
import { SettingsStore } from './db/settings.ts';
import { SettingsService } from './services/settings.ts';
import { TranslateService } from './services/translate/service.ts';
import { ImageGenerator } from './services/images/generator.ts';
import { ImagineService } from './services/images/imagine.ts';
import { Transcriber } from './services/transcription/transcriber.ts';
import { TranscriptionService } from './services/transcription/service.ts';
import type { Command } from './commands/types.ts';
import type { Pricing } from './services/pricing/index.ts';

/** Transcription with its own SDK client; `automatic` follows VOICE_TRANSCRIPTION until the login says otherwise. */
function createTranscription(config: Config, logger: Logger, ledger: Ledger, pricing: Pricing): TranscriptionService {
  const service = new TranscriptionService({ transcriber: new Transcriber(createOpenAIClient(config, logger)), ledger, pricing, model: config.transcribeModel });
  service.automatic = config.voiceTranscription ? 'on' : 'off';
  return service;
}

/** Messages kept per channel in discord.js's cache; the bot never needs old ones. */
const MESSAGE_CACHE_PER_CHANNEL = 50;

export interface RunningBot {
  client: Client;
  ctx: BotContext;
  /** Takes no new work, lets in-flight answers finish within SHUTDOWN_GRACE_MS, closes everything. */
  stop(): Promise<void>;
}

/** Plain words for the ways logging in can fail. */
export function explainLoginError(error: unknown): string {
  const text = error instanceof Error ? `${error.name} ${error.message}` : String(error);
  if (/TokenInvalid|invalid token|401/i.test(text)) return 'Discord rejected DISCORD_TOKEN. Copy the token again from the developer portal (Bot → Reset Token) into .env.';
  if (/disallowed intent|4014/i.test(text)) return 'Discord refused a privileged intent. Turn it on in the developer portal (Bot → Privileged Gateway Intents) or turn off the feature that needs it.';
  return `Could not connect to Discord: ${error instanceof Error ? error.message : text}`;
}

export async function buildContext(config: Config, logger: Logger, now: () => number = Date.now): Promise<BotContext> {
  const pricing = createPricing({ overrides: config.pricingFile ? await loadPricingFile(config.pricingFile) : undefined });
  const db = openDatabase(config.databasePath);
  const { from, to } = migrate(db);
  if (from !== to) logger.info({ from, to, path: config.databasePath }, 'database migrated');
  const budgetStore = new BudgetStore(db);
  const ledger = new Ledger(new LedgerStore(db), budgetStore, config.fallbackBudget, now);
  const orphans = ledger.releaseOrphans();
  if (orphans > 0) logger.warn({ released: orphans }, 'released spending reservations left open by an earlier crash');
  const tokens = new TokenCounter(config.unknownModelContextWindow, (model) => pricing.contextWindow(model));
  const history = new HistoryService(new HistoryStore(db), tokens);
  const chat = new ChatService(createOpenAIClient(config, logger), {
    useMaxCompletionTokens: config.openaiBaseUrl === undefined || config.openaiBaseUrl.includes('api.openai.com'),
    idleTimeoutMs: config.openaiTimeoutMs,
  });
  return {
    config, logger, db,
    services: {
      tokens, history, chat, pricing, ledger,
      budget: new BudgetAdmin(budgetStore, ledger, now),
      settings: new SettingsService(new SettingsStore(db), config, now),
      ask: new AskService({ history, chat, ledger, pricing, tokens, maxOutputTokens: config.maxOutputTokens }),
      translate: new TranslateService({ chat, ledger, pricing, tokens, maxOutputTokens: config.maxOutputTokens }),
      imagine: new ImagineService({ generator: new ImageGenerator(createOpenAIClient(config, logger), config.openaiTimeoutMs), ledger, pricing, model: config.imageModel }),
      transcription: createTranscription(config, logger, ledger, pricing),
      lifecycle: new Lifecycle(),
      botTokenPacer: new EditPacer(BOT_TOKEN_EDIT_BUDGET_PER_SECOND),
      webhookPacer: new EditPacer(WEBHOOK_EDIT_BUDGET_PER_SECOND),
    },
  };
}

/** Without the privileged Message Content intent the bot still sees slash commands and the messages that mention it. */
const BASE_INTENTS = [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.DirectMessages];

const MESSAGE_CONTENT_REFUSED = 'Discord refused the Message Content intent (VOICE_TRANSCRIPTION=true needs it to read voice messages). '
  + 'Voice messages will NOT be transcribed automatically; everything else works. To fix it, open the developer portal → your application → '
  + 'Bot → Privileged Gateway Intents, turn on Message Content Intent and restart the bot, or set VOICE_TRANSCRIPTION=false.';

/** A client with every handler attached, logged in and ready; destroyed again if that fails. */
async function connect(ctx: BotContext, commands: Map<string, Command>, intents: GatewayIntentBits[]): Promise<Client> {
  const { config, logger } = ctx;
  const client = new Client({
    intents,
    partials: [Partials.Channel],
    allowedMentions: { parse: [] },
    makeCache: Options.cacheWithLimits({ ...Options.DefaultMakeCacheSettings, MessageManager: MESSAGE_CACHE_PER_CHANNEL }),
    ...(config.discordApiUrl ? { rest: { api: config.discordApiUrl } } : {}),
  });
  client.on('error', (error) => logger.error({ err: error }, 'discord client error'));
  client.on('warn', (message) => logger.warn(message));
  registerInteractionCreate(client, ctx, commands);
  registerMessageCreate(client, ctx);
  const ready = registerClientReady(client, ctx, commands);
  try {
    await client.login(config.discordToken);
    await ready;
    return client;
  } catch (error) {
    await client.destroy().catch(() => undefined);
    throw error;
  }
}

/** Asks for Message Content only when voice transcription is on; if Discord refuses it (4014), warns and runs without. */
async function connectWithFallback(ctx: BotContext, commands: Map<string, Command>): Promise<Client> {
  if (!ctx.config.voiceTranscription) return connect(ctx, commands, BASE_INTENTS);
  try {
    return await connect(ctx, commands, [...BASE_INTENTS, GatewayIntentBits.MessageContent]);
  } catch (error) {
    if (!/disallowed intent|4014/i.test(error instanceof Error ? error.message : String(error))) throw error;
    ctx.logger.warn(MESSAGE_CONTENT_REFUSED);
    ctx.services.transcription.automatic = 'intent-refused';
    return connect(ctx, commands, BASE_INTENTS);
  }
}

export async function startBot(config: Config, logger: Logger, options: { now?: () => number } = {}): Promise<RunningBot> {
  const ctx = await buildContext(config, logger, options.now);
  const stopCheckpoints = startWalCheckpoints(ctx.db);
  const commands = await loadCommands();
  let client: Client;
  try {
    client = await connectWithFallback(ctx, commands);
  } catch (error) {
    stopCheckpoints();
    ctx.db.close();
    throw new Error(explainLoginError(error), { cause: error });
  }

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      logger.info({ inFlight: ctx.services.lifecycle.inFlight }, 'stopping: taking no new work');
      const finished = await ctx.services.lifecycle.drain(config.shutdownGraceMs);
      if (!finished) logger.warn({ inFlight: ctx.services.lifecycle.inFlight }, 'stopped waiting for answers still in progress');
      await client.destroy();
      stopCheckpoints();
      ctx.db.close();
      logger.info('stopped');
    })();
    return stopping;
  };
  return { client, ctx, stop };
}
