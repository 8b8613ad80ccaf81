import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { LedgerStats } from '../../db/ledgerStats.ts';
import type { SettledCall } from '../budget/ledger.ts';
import type { CoordinatorCall, CoordinatorOutcome } from '../budget/shared/client.ts';
import { coordinatorMetrics, type CoordinatorWatch } from './coordinator.ts';
import { DATABASE_GAUGES, databaseGauge, readGauge } from './database.ts';
import type { DiscordRestClient } from './discordRest.ts';
import type { DownloadGate } from '../discord/downloadGate.ts';
import { NO_GATEWAY, type GatewaySource } from './gateway.ts';
import type { OpenAIEndpoint } from './openaiFetch.ts';
import { trackOutcome, type Outcome } from './outcome.ts';
import { collectStoppableDefaultMetrics } from './processMetrics.ts';

/** Seconds until OpenAI answers: chat starts streaming in well under a second; images at high quality take minutes. */
const OPENAI_SECONDS_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600];

export interface MetricsSources {
  ledger: LedgerStats;
  /** Answers and transcriptions in progress. */
  inFlight: () => number;
}

const statusClass = (status: number) => `${Math.floor(status / 100)}xx`;
/** A compatible server may send odd usage figures; a counter only takes positive amounts. */
const amount = (value: number | undefined) => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0);

/**
 * Every metric of one running bot, in its own registry (several bots can run in one process, as the
 * tests do). Labels are bounded: command names are the registered commands, models the ones priced or
 * fine-tuned; never a user, channel or server id.
 */
export class BotMetrics {
  readonly registry = new Registry();
  /** The gateway's shards, for health and the shard gauges; set once the client exists. */
  gateway: GatewaySource = NO_GATEWAY;
  /** Stops the process metrics' background sampling (see collectProcessMetrics); undefined until they are on. */
  private stopProcessMetrics: (() => void) | undefined;

  private readonly interactions = this.counter('bot_interactions_total', 'Slash and context-menu commands handled, by command and outcome.', ['command', 'outcome']);
  private readonly messages = this.counter('bot_messages_total', 'Messages handled (mentions and DMs answered, voice messages transcribed), by kind and outcome.', ['kind', 'outcome']);
  private readonly openaiSeconds = new Histogram({
    name: 'bot_openai_request_duration_seconds', help: 'Seconds from sending an OpenAI request until its answer started (headers), each retry on its own.',
    labelNames: ['endpoint'], buckets: OPENAI_SECONDS_BUCKETS, registers: [this.registry],
  });
  private readonly openaiRequests = this.counter('bot_openai_requests_total', 'OpenAI HTTP requests (each retry counts), by endpoint and status class (2xx, 4xx, 5xx, network, aborted).', ['endpoint', 'status']);
  private readonly openaiLimited = this.counter('bot_openai_rate_limited_total', 'OpenAI 429 answers, by endpoint and reason (rate_limit: wait and retry; insufficient_quota: billing).', ['endpoint', 'reason']);
  private readonly tokens = this.counter('bot_openai_tokens_total', 'Tokens charged, by model, command and kind (input, output).', ['model', 'command', 'kind']);
  private readonly spend = this.counter('bot_spend_microdollars_total', 'Money charged in micro-dollars (1 USD = 1,000,000), by model and command, including interrupted calls charged as reserved; less bot_spend_returned_microdollars_total.', ['model', 'command']);
  private readonly returned = this.counter('bot_spend_returned_microdollars_total', "Micro-dollars charged to interrupted calls as reserved that their own late settlement or release took back: subtract from bot_spend_microdollars_total.", ['model', 'command']);
  private readonly overruns = this.counter('bot_ledger_overruns_total', 'Settlements above their reservation (a reservation that was not a true upper bound), by model and command.', ['model', 'command']);
  private readonly refusals = this.counter('bot_spending_refusals_total', 'Calls refused by a spending limit, by the limit that refused (personal, role, server, server-ceiling, member-total, bot-total, ...).', ['limit']);
  private readonly discordResponses = this.counter('bot_discord_rest_responses_total', 'Discord REST responses, by client (bot token or interaction webhooks) and HTTP status code.', ['client', 'code']);
  private readonly discordLimited = this.counter('bot_discord_rate_limited_total', 'Discord 429 answers, by client and scope (user, global, shared).', ['client', 'scope']);
  private readonly discordWaits = this.counter('bot_discord_rate_limit_waits_total', 'Requests discord.js held back for a rate limit it already knew, by client and whether it was the global one.', ['client', 'global']);

  constructor(sources: MetricsSources) {
    const { ledger, inFlight } = sources;
    const gateway = () => this.gateway();
    // Read from the database every process shares: with SHARDS the manager reads them instead (see leaveDatabaseToManager).
    databaseGauge(this.registry, 'bot_ledger_reservations_open', () => (ledger.available ? ledger.openReservations() : undefined));
    databaseGauge(this.registry, 'bot_ledger_overruns_recorded', () => (ledger.available ? ledger.overrunsRecorded() : undefined));
    readGauge(this.registry, 'bot_work_in_progress', 'Answers, transcriptions and other handled work in progress.', inFlight);
    new Gauge({
      name: 'bot_discord_shard_ready', help: 'Whether each gateway shard is connected and ready (1) or not (0).', labelNames: ['shard'], registers: [this.registry],
      collect() {
        this.reset();
        for (const shard of gateway()) this.set({ shard: String(shard.id) }, shard.ready ? 1 : 0);
      },
    });
    new Gauge({
      name: 'bot_discord_shard_status', help: "Each shard's discord.js status (Ready, Connecting, Resuming, Disconnected, ...): 1 on its current one.", labelNames: ['shard', 'status'], registers: [this.registry],
      collect() {
        this.reset();
        for (const shard of gateway()) this.set({ shard: String(shard.id), status: shard.status }, 1);
      },
    });
    new Gauge({
      name: 'bot_discord_gateway_ping_seconds', help: "Each shard's last heartbeat round trip.", labelNames: ['shard'], registers: [this.registry],
      collect() {
        this.reset();
        for (const shard of gateway()) if (shard.pingMs !== null) this.set({ shard: String(shard.id) }, shard.pingMs / 1000);
      },
    });
  }

  private counter<L extends string>(name: string, help: string, labelNames: L[]): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  /** Process metrics (CPU, memory, event-loop delay, GC): only when the endpoint is on, since they sample in the background. */
  collectProcessMetrics(): void {
    this.stopProcessMetrics ??= collectStoppableDefaultMetrics(this.registry);
  }

  /** Ends the process metrics' background sampling when the bot stops (their last values stay). */
  stop(): void {
    this.stopProcessMetrics?.();
  }

  /**
   * On a host with LEDGER_URL: the outbox and the coordinator's reachability, read when scraped, and its calls counted
   * through the returned hook. Refusals for want of the coordinator show from 0, so an alert has a series to watch.
   */
  watchCoordinator(link: CoordinatorWatch): (call: CoordinatorCall, outcome: CoordinatorOutcome) => void {
    this.refusals.inc({ limit: 'coordinator-down' }, 0);
    return coordinatorMetrics(this.registry, link);
  }

  /**
   * On the coordinator (LEDGER_PORT): the events kept for hosts that have not applied them, and the /forget-me
   * tombstones kept for hosts that come back late, read when scraped.
   */
  watchSharedEvents(kept: () => number, tombstones: () => number): void {
    databaseGauge(this.registry, 'bot_ledger_shared_events', kept);
    databaseGauge(this.registry, 'bot_ledger_forget_tombstones', tombstones);
  }

  /**
   * In a shard process under the sharding manager: the gauges read from the host's database are left to the manager,
   * which serves METRICS_PORT and reads them once per scrape (src/sharding/databaseMetrics.ts), not once per shard.
   */
  leaveDatabaseToManager(): void {
    for (const name of Object.keys(DATABASE_GAUGES)) this.registry.removeSingleMetric(name);
  }

  /** Runs one interaction's handling and counts it with how it ended (see noteOutcome). */
  interaction(command: string, interaction: object, work: () => Promise<void>): Promise<void> {
    return trackOutcome(interaction, work, (outcome) => this.interactions.inc({ command, outcome }));
  }

  /** Runs one message's handling (a mention, a voice message) and counts it with how it ended (see noteOutcome). */
  message(kind: 'mention' | 'voice_message', message: object, work: () => Promise<void>): Promise<void> {
    return trackOutcome(message, work, (outcome) => this.messages.inc({ kind, outcome }));
  }

  openaiAnswered(endpoint: OpenAIEndpoint, status: number, seconds: number): void {
    this.openaiSeconds.observe({ endpoint }, seconds);
    this.openaiRequests.inc({ endpoint, status: statusClass(status) });
  }

  openaiFailed(endpoint: OpenAIEndpoint, how: 'network' | 'aborted'): void {
    this.openaiRequests.inc({ endpoint, status: how });
  }

  openaiRateLimited(endpoint: OpenAIEndpoint, reason: 'rate_limit' | 'insufficient_quota'): void {
    this.openaiLimited.inc({ endpoint, reason });
  }

  discordAnswered(client: DiscordRestClient, status: number): void {
    this.discordResponses.inc({ client, code: String(status) });
  }

  discordRateLimited(client: DiscordRestClient, scope: string): void {
    this.discordLimited.inc({ client, scope });
  }

  discordRateLimitWait(client: DiscordRestClient, global: boolean): void {
    this.discordWaits.inc({ client, global: String(global) });
  }

  /** Members' files held in memory (DOWNLOAD_MEMORY_MB), read when scraped, and the files that waited for room or were turned away. */
  watchDownloads(gate: DownloadGate): void {
    readGauge(this.registry, 'bot_download_bytes_in_flight', "Bytes of room taken by members' files being downloaded, checked or uploaded.", () => gate.inFlight);
    readGauge(this.registry, 'bot_download_waiting', 'Files waiting for room.', () => gate.waiting);
    const queued = this.counter('bot_download_queue_total', 'Files that had to wait for room (waited) and those turned away after the wait (refused).', ['event']);
    for (const event of ['waited', 'refused']) queued.inc({ event }, 0);
    gate.onWaited = () => queued.inc({ event: 'waited' });
    gate.onRefused = () => queued.inc({ event: 'refused' });
  }

  /**
   * The ledger's hook after a charge commits (it never throws: the money is already settled). A late settlement that
   * replaces a sweep's charge counts only the difference: a counter never goes down, so a lower figure counts what it
   * took back in bot_spend_returned_microdollars_total. Spent less returned ends at what was finally charged.
   */
  settled(call: SettledCall): void {
    const labels = { model: call.model, command: call.command };
    const input = amount(call.inputTokens);
    const output = amount(call.outputTokens);
    if (input > 0) this.tokens.inc({ ...labels, kind: 'input' }, input);
    if (output > 0) this.tokens.inc({ ...labels, kind: 'output' }, output);
    const charged = amount(call.chargedMicros);
    const replaced = amount(call.replacedMicros);
    this.spend.inc(labels, Math.max(0, charged - replaced));
    if (replaced > charged) this.returned.inc(labels, replaced - charged);
    if (call.chargedMicros > call.reservedMicros) this.overruns.inc(labels);
  }

  /** The ledger's hook when a limit refuses a call (the work that showed the refusal notes its own outcome: refused). */
  refused(limit: string): void {
    this.refusals.inc({ limit });
  }

  /** The Prometheus text exposition of every metric. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

export type { Outcome };
