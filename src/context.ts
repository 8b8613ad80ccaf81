import type OpenAI from 'openai';
import type { Config } from './config.ts';
import type { Db } from './db/connection.ts';
import type { Logger } from './logger.ts';
import type { AskService } from './services/ask.ts';
import type { EditPacer } from './services/discord/editPacer.ts';
import type { HistoryService } from './services/history.ts';
import type { Lifecycle } from './services/lifecycle.ts';
import type { ChatService } from './services/openai/chat.ts';
import type { TokenCounter } from './services/tokens.ts';
import type { Ledger } from './services/budget/ledger.ts';
import type { BudgetAdmin } from './services/budget/admin.ts';
import type { Pricing } from './services/pricing/index.ts';
import type { SettingsService } from './services/settings.ts';
import type { TranslateService } from './services/translate/service.ts';
import type { ImagineService } from './services/images/imagine.ts';
import type { TranscriptionService } from './services/transcription/service.ts';
import type { FineTuneService } from './services/finetune/service.ts';
import type { ApplicationOwner } from './services/operator/owner.ts';
import type { HistoryRetention } from './services/retention.ts';
import type { BotMetrics } from './services/metrics/metrics.ts';
import type { ModerationService } from './services/moderation/service.ts';
import type { ThreadService } from './services/threads/service.ts';
import type { SharedHosts } from './services/budget/shared/hosts.ts';
import type { SpendCharts } from './services/charts/spendCharts.ts';
import type { DownloadGate } from './services/discord/downloadGate.ts';
import type { ReasoningService } from './services/reasoning/service.ts';
import type { ResponsesOnlyModels } from './services/openai/responsesOnly.ts';

/** Everything a command or event handler may use, built once in src/app.ts (tests build it on a temp DB). */
export interface BotContext {
  config: Config;
  logger: Logger;
  db: Db;
  services: {
    /** The one OpenAI SDK client (its retries, timeout and quota handling are set up once). */
    openai: OpenAI;
    tokens: TokenCounter;
    history: HistoryService;
    chat: ChatService;
    ask: AskService;
    pricing: Pricing;
    ledger: Ledger;
    /** Limits, exemptions, audit trail and the server time zone, as /budget and /settings change them. */
    budget: BudgetAdmin;
    settings: SettingsService;
    translate: TranslateService;
    imagine: ImagineService;
    transcription: TranscriptionService;
    /** /finetune: training files, jobs and the poller that settles them. */
    fineTunes: FineTuneService;
    lifecycle: Lifecycle;
    /** Deletes conversation turns older than HISTORY_RETENTION_DAYS, on a timer started in src/app.ts. */
    retention: HistoryRetention;
    /** Who runs the bot (Discord's application owner): /operator and the bot-limit notices. */
    owner: ApplicationOwner;
    /** Paces progress edits made with the bot token (channel replies), which share Discord's global cap. */
    botTokenPacer: EditPacer;
    /** Paces progress edits of interaction replies (webhook token). */
    webhookPacer: EditPacer;
    /** Counters for /metrics (kept whether or not METRICS_PORT serves them) and the gateway source /healthz reads. */
    metrics: BotMetrics;
    /** A server's `/settings moderation`: prompts, transcripts and answers checked with OpenAI's moderation endpoint. */
    moderation: ModerationService;
    /** Threads the bot opened (answered without a mention) and the channel settings that open them. */
    threads: ThreadService;
    /** The bot's other hosts, if any (LEDGER_URL / LEDGER_PORT): /forget-me everywhere, /operator status bot-wide. */
    hosts: SharedHosts;
    /** PNG charts of spend per day for /usage, /budget show and /operator status (drawing code loads on the first one). */
    charts: SpendCharts;
    /** The bound on members' files held in memory at once (DOWNLOAD_MEMORY_MB). */
    downloads: DownloadGate;
    /** Reasoning models and the kept thinking behind "Show reasoning". */
    reasoning: ReasoningService;
    /** Models served only through OpenAI's Responses API (known, or learned from the server): refused for chat. */
    responsesOnly: ResponsesOnlyModels;
  };
}
