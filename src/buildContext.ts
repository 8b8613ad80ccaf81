import { isLocalServer, isOpenAIItself, isOpenAIRegional, type Config } from './config.ts';
import type { BotContext } from './context.ts';
import { BudgetStore } from './db/budgetLimits.ts';
import { openDatabase } from './db/connection.ts';
import { FineTuneStore } from './db/fineTunes.ts';
import { HistoryStore } from './db/history.ts';
import { LedgerStore } from './db/ledger.ts';
import { LedgerStats } from './db/ledgerStats.ts';
import { LedgerDaily } from './db/ledgerDaily.ts';
import { migrate } from './db/migrate.ts';
import { ModerationSettingsStore } from './db/moderationSettings.ts';
import { MetaStore } from './db/meta.ts';
import { OperatorStore } from './db/operator.ts';
import { SettingsStore } from './db/settings.ts';
import { SharedLedgerStore } from './db/sharedLedger.ts';
import type { Logger } from './logger.ts';
import { AskService } from './services/ask.ts';
import { BudgetAdmin } from './services/budget/admin.ts';
import { SpendCharts } from './services/charts/spendCharts.ts';
import { Ledger } from './services/budget/ledger.ts';
import { CoordinatorClient } from './services/budget/shared/client.ts';
import { LedgerCoordinator, tombstonesKeptMs } from './services/budget/shared/coordinator.ts';
import { applyEvent, applyResync } from './services/budget/shared/events.ts';
import { SharedHosts } from './services/budget/shared/hosts.ts';
import { CoordinatorLink } from './services/budget/shared/link.ts';
import { memberHasher } from './services/budget/shared/memberHash.ts';
import type { SharedEvent } from './services/budget/shared/protocol.ts';
import { BOT_TOKEN_EDIT_BUDGET_PER_SECOND, EditPacer, WEBHOOK_EDIT_BUDGET_PER_SECOND } from './services/discord/editPacer.ts';
import { FineTuneService } from './services/finetune/service.ts';
import { HistoryService } from './services/history.ts';
import { HistoryRetention } from './services/retention.ts';
import { ImageGenerator } from './services/images/generator.ts';
import { ImagineService } from './services/images/imagine.ts';
import { Lifecycle } from './services/lifecycle.ts';
import { BotMetrics } from './services/metrics/metrics.ts';
import { ApplicationOwner } from './services/operator/owner.ts';
import { ChatService } from './services/openai/chat.ts';
import { createOpenAIClient } from './services/openai/client.ts';
import { PaidChat } from './services/openai/paidChat.ts';
import { ResponsesOnlyModels } from './services/openai/responsesOnly.ts';
import { createPricing, loadPricingFile } from './services/pricing/index.ts';
import { SettingsService } from './services/settings.ts';
import { ReasoningModels } from './services/reasoning/models.ts';
import { ReasoningService } from './services/reasoning/service.ts';
import { ReasoningStore } from './services/reasoning/store.ts';
import { TokenCounter } from './services/tokens.ts';
import { TranscriptionService } from './services/transcription/service.ts';
import { Transcriber } from './services/transcription/transcriber.ts';
import { DownloadGate } from './services/discord/downloadGate.ts';
import { TranslateService } from './services/translate/service.ts';
import { ModerationChecker } from './services/moderation/checker.ts';
import { ModerationService } from './services/moderation/service.ts';
import { BotThreadStore } from './db/botThreads.ts';
import { ThreadService } from './services/threads/service.ts';
import { VisionService } from './services/vision/service.ts';

/** Builds every service once, on the configured database: the one typed `ctx` handed to commands and events. */
export async function buildContext(config: Config, logger: Logger, now: () => number = Date.now): Promise<BotContext> {
  const pricing = createPricing({ overrides: config.pricingFile ? await loadPricingFile(config.pricingFile) : undefined, regionalProcessing: isOpenAIRegional(config.openaiBaseUrl) });
  if (config.unpricedModels === 'refuse' && !pricing.resolveChat(config.defaultModel).known) {
    logger.warn({ model: config.defaultModel }, 'DEFAULT_MODEL has no price: answers with it are refused until PRICING_FILE gives one (or UNPRICED_MODELS=fallback charges it like gpt-4o)');
  }
  const db = openDatabase(config.databasePath);
  const { from, to, applied } = migrate(db);
  if (applied.length > 0) logger.info({ from, to, applied, path: config.databasePath }, 'database migrated');
  const budgetStore = new BudgetStore(db);
  const ledgerStore = new LedgerStore(db);
  const sharedStore = new SharedLedgerStore(db);
  // What was done on another host (/forget-me, /operator) applied here; history and ledger are built below, before any event comes.
  const applyShared = (event: SharedEvent) => applyEvent(event, { forgetHere: (userId, through) => void history.forget(userId, through), ledger });
  const { url: ledgerUrl, secret: ledgerSecret } = config.ledger;
  // A trimmed /forget-me names its member by this keyed hash (see budget/shared/memberHash.ts).
  const hashMember = ledgerSecret ? memberHasher(ledgerSecret) : undefined;
  // Built once: every resync reads the servers with a ceiling here through it.
  const operatorStore = new OperatorStore(db);
  const linkLog = logger.child({ component: 'ledger-link' });
  const link = ledgerUrl && ledgerSecret && hashMember ? new CoordinatorLink({
    client: new CoordinatorClient(ledgerUrl, ledgerSecret, { log: linkLog }), store: sharedStore, meta: new MetaStore(db), apply: applyShared, log: linkLog, now,
    resync: (state, applied) => applyResync(state, {
      forgetTombstones: (tombstones) => void history.forgetTombstones(tombstones, hashMember),
      ceilingGuilds: () => operatorStore.ceilingGuilds(), ledger,
    }, applied),
  }) : undefined;
  const ledger = new Ledger(ledgerStore, budgetStore, config.fallbackBudget, now, {
    log: logger.child({ component: 'ledger' }), shared: link,
    operator: {
      bot: config.botLimit, member: config.memberLimit, server: config.serverLimit, allowedGuilds: config.allowedGuildIds, dmAccess: config.dmAccess,
    },
  });
  const coordinator = config.ledger.port === undefined || !hashMember ? undefined : new LedgerCoordinator({
    ledger, store: ledgerStore, shared: sharedStore, apply: applyShared, hashMember, tombstonesKeptMs: tombstonesKeptMs(config.historyRetentionDays), now,
    log: logger.child({ component: 'ledger-coordinator' }),
  });
  const tokens = new TokenCounter(config.unknownModelContextWindow, (model) => pricing.contextWindow(model));
  const history = new HistoryService(new HistoryStore(db), tokens, now, config.historyMaxTokens);
  const lifecycle = new Lifecycle();
  const metrics = new BotMetrics({ ledger: new LedgerStats(db), inFlight: () => lifecycle.inFlight });
  ledger.onSettled = (call) => metrics.settled(call);
  ledger.onRefused = (refusal) => metrics.refused(refusal.limit.source);
  link?.observeCalls(metrics.watchCoordinator(link));
  if (coordinator) metrics.watchSharedEvents(() => sharedStore.eventsKept(), () => sharedStore.tombstonesKept());
  // Charges what a process that died left reserved (and logs it): see Ledger.chargeOrphans. After the metrics' hooks, which count those charges.
  ledger.start();
  link?.start(ledger.holder);
  const openai = createOpenAIClient(config, logger, metrics);
  const reasoning = new ReasoningService(new ReasoningModels(config.reasoningModels), new ReasoningStore(now), config.reasoningMaxOutputTokens, {
    contextWindow: (model) => tokens.limits(model).contextWindow, maxOutputTokens: (model) => pricing.maxOutputTokens(model),
  });
  const chat = new ChatService(openai, {
    reasoning: reasoning.models,
    useMaxCompletionTokens: isOpenAIItself(config.openaiBaseUrl),
    idleTimeoutMs: config.openaiTimeoutMs,
  });
  const responsesOnly = new ResponsesOnlyModels(isOpenAIItself(config.openaiBaseUrl));
  for (const [name, model] of [['DEFAULT_MODEL', config.defaultModel], ['VISION_MODEL', config.visionModel]] as const) {
    if (model && responsesOnly.has(model)) logger.warn({ model }, `${name} is served only through OpenAI's Responses API, which the bot does not use: questions to it are refused until ${name} names a chat model`);
  }
  const paidChat = new PaidChat({ chat, ledger, pricing, tokens, reasoning: reasoning.models, responsesOnly, refuseUnpriced: config.unpricedModels === 'refuse', localServer: isLocalServer(config.openaiBaseUrl) });
  // One bound for every member's file held in memory (audio, images in questions, training files).
  const downloads = new DownloadGate(config.downloadMemoryBytes, config.downloadWaitMs);
  metrics.watchDownloads(downloads);
  const transcription = new TranscriptionService({ transcriber: new Transcriber(openai), ledger, pricing, model: config.transcribeModel, refuseUnpriced: config.unpricedModels === 'refuse', downloads });
  // Follows VOICE_TRANSCRIPTION until the login says whether Discord granted the intent.
  transcription.automatic = config.voiceTranscription ? 'on' : 'off';
  const threads = new ThreadService(new BotThreadStore(db), now);
  threads.conversations = config.threadConversations ? 'on' : 'off';
  const fineTunes = new FineTuneService({ openai, store: new FineTuneStore(db), ledger, pricing, tokens, logger, now, downloads });
  const strays = fineTunes.tracker.releaseStrays();
  if (strays > 0) logger.warn({ released: strays }, 'released fine-tuning reservations whose job was never recorded (the bot stopped while starting it)');
  const settings = new SettingsService(new SettingsStore(db), config, now);
  const imagine = new ImagineService({ generator: new ImageGenerator(openai, { timeoutMs: config.imageTimeoutMs, maxRetries: config.openaiMaxRetries }), ledger, pricing, tokens, model: config.imageModel, openaiItself: isOpenAIItself(config.openaiBaseUrl), now, downloads, urlTimeoutMs: config.imageUrlTimeoutMs });
  // The same test /imagine makes on each request (ImagineService.shutDown), told once at start-up.
  const imageShutDown = imagine.shutDown();
  if (imageShutDown) logger.warn({ model: config.imageModel, shutDown: imageShutDown }, 'IMAGE_MODEL was shut down by OpenAI: /imagine is refused until IMAGE_MODEL names a current image model priced in PRICING_FILE');
  const moderation = new ModerationService(new ModerationSettingsStore(db), new ModerationChecker(openai, config.moderationModel), now);
  // A server's fine-tuned models are suggested in /settings model.
  settings.addModelSource((guildId) => fineTunes.fineTunedModels(guildId));
  return {
    config, logger, db,
    services: {
      openai, tokens, history, chat, pricing, ledger, transcription, settings, fineTunes,
      budget: new BudgetAdmin(budgetStore, ledger, now),
      ask: new AskService({ history, settings, paidChat, maxOutputTokens: config.maxOutputTokens, lifecycle, moderation, vision: new VisionService({ visionModel: config.visionModel, inputPrice: (model) => pricing.resolveChat(model).price.input, now, downloads }), reasoning }),
      reasoning,
      responsesOnly,
      translate: new TranslateService({ paidChat, tokens, maxOutputTokens: config.maxOutputTokens, lifecycle, reasoning }),
      imagine,
      lifecycle,
      retention: new HistoryRetention(new HistoryStore(db), config.historyRetentionDays, logger.child({ component: 'retention' }), now),
      owner: new ApplicationOwner(now),
      botTokenPacer: new EditPacer(BOT_TOKEN_EDIT_BUDGET_PER_SECOND),
      webhookPacer: new EditPacer(WEBHOOK_EDIT_BUDGET_PER_SECOND),
      metrics,
      moderation,
      threads,
      hosts: new SharedHosts(ledger, db, coordinator ? { coordinator } : link ? { link } : null, logger, now),
      charts: new SpendCharts(new LedgerDaily(db), now),
      downloads,
    },
  };
}
