import { Writable } from 'node:stream';
import type { APIMessage } from 'discord.js';
import { startBot, type RunningBot } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import type { ShardAssignment } from '../../src/sharding/shardRole.ts';
import {
  FakeDiscord, DEFAULT_CHANNEL_ID, DEFAULT_GUILD_ID, DEFAULT_THREAD_ID, type FakeDiscordOptions, type FakeGuildSpec, type FakeInteraction, type FakeInteractionSpec,
  type KeptCommands,
} from './fakeDiscord.ts';
import { FakeOpenAI, type FakeOpenAIOptions } from './fakeOpenAI.ts';
import { tempDatabasePath } from './tempDb.ts';

/** Distinctive secrets, so a test can prove they never reach a log line or a reply. */
export const TEST_DISCORD_TOKEN = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.fake.discord-token-value-0000';
export const TEST_OPENAI_KEY = 'sk-test-fake-openai-key-00'; // short of a real key's shape, so secret scanners stay quiet

export interface HarnessOptions {
  env?: Record<string, string>;
  discord?: FakeDiscordOptions;
  /** Options of the fake AI service, e.g. `compat` to act as a compatible server from the start-up check on. */
  openai?: Omit<FakeOpenAIOptions, 'apiKey'>;
  databasePath?: string;
  now?: () => number;
  /**
   * Every harness proves that no call cost more than it reserved (ledger_overruns stays empty), unless a
   * test sets this because it makes a service bill past the bound on purpose.
   */
  allowOverruns?: boolean;
  /**
   * Every harness also proves that the bot never sent a chat request past its model's window (the fake refused it as
   * OpenAI would, context_length_exceeded), unless a test sets this because it sends one on purpose.
   */
  allowWindowRefusals?: boolean;
  /** The shards this bot process runs, as a ShardingManager would assign them (default: every shard, unsharded). */
  shard?: ShardAssignment;
}

/**
 * Env for a file whose tests send commands in DMs: Discord offers only global commands there (the fake too), and with
 * DEV_GUILD_ID the bot registers its commands to that server alone. Global commands still run in the test server.
 */
export const GLOBAL_COMMANDS: Record<string, string> = { DEV_GUILD_ID: '' };

/** Extra text channels in the test server, so each test can keep its own history (a file with many cases takes 40+). */
export const TEST_CHANNEL_IDS = Array.from({ length: 80 }, (_, n) => `21000000000000${String(n + 1).padStart(4, '0')}`);

/**
 * Hands out TEST_CHANNEL_IDS[from], [from + 1]… one per call, so each test keeps its own history, and throws once it
 * reaches `until` (the end of the pool, or ids the file uses by number) instead of handing out undefined.
 */
export function channelPool(from = 0, until = TEST_CHANNEL_IDS.length): () => string {
  let next = from;
  return () => {
    if (next >= Math.min(until, TEST_CHANNEL_IDS.length)) {
      throw new Error(`test channels ${from}-${until - 1} are all used: raise TEST_CHANNEL_IDS's length in test/support/botHarness.ts or give this file more`);
    }
    return TEST_CHANNEL_IDS[next++]!;
  };
}
export const MOD_ROLE_ID = '600000000000000001';
export const VIP_ROLE_ID = '600000000000000002';

export const TEST_GUILD: FakeGuildSpec = {
  id: DEFAULT_GUILD_ID,
  name: 'Test Server',
  roles: [{ id: MOD_ROLE_ID, name: 'Moderators' }, { id: VIP_ROLE_ID, name: 'VIP' }],
  channels: [{ id: DEFAULT_CHANNEL_ID, name: 'general' }, ...TEST_CHANNEL_IDS.map((id, n) => ({ id, name: `test-${n + 1}` }))],
  threads: [{ id: DEFAULT_THREAD_ID, parentId: DEFAULT_CHANNEL_ID, name: 'a thread' }],
};

/**
 * The commands each database's bot registered, as Discord keeps them: a harness reopened on the same database finds its
 * commands unchanged and skips registering (the stored hash), so its new fake Discord must already hold them.
 */
const keptCommands = new Map<string, KeptCommands>();

/** The real bot (start-up code, discord.js, openai SDK) wired to loopback fakes of Discord and OpenAI. */
export class BotHarness {
  readonly logLines: string[] = [];
  bot!: RunningBot;

  private constructor(readonly discord: FakeDiscord, readonly openai: FakeOpenAI, readonly databasePath: string, private readonly options: HarnessOptions) {}

  static async start(options: HarnessOptions = {}): Promise<BotHarness> {
    const databasePath = options.databasePath ?? tempDatabasePath();
    const discord = await FakeDiscord.start({ token: TEST_DISCORD_TOKEN, guilds: [TEST_GUILD], commands: keptCommands.get(databasePath), ...options.discord });
    let openai: FakeOpenAI | undefined;
    try {
      openai = await FakeOpenAI.start({ ...options.openai, apiKey: TEST_OPENAI_KEY });
      const harness = new BotHarness(discord, openai, databasePath, options);
      await harness.startBot();
      keptCommands.set(databasePath, discord.keptCommands());
      return harness;
    } catch (error) {
      // The caller gets no harness to close: the fakes started here are closed here, or their ports outlive the test.
      await Promise.allSettled([discord.close(), openai?.close()]);
      throw error;
    }
  }

  env(): Record<string, string> {
    return {
      DISCORD_TOKEN: TEST_DISCORD_TOKEN,
      OPENAI_API_KEY: TEST_OPENAI_KEY,
      OPENAI_BASE_URL: this.openai.baseUrl,
      DISCORD_API_URL: this.discord.restUrl,
      DATABASE_PATH: this.databasePath,
      DEV_GUILD_ID: DEFAULT_GUILD_ID,
      DEFAULT_MODEL: 'gpt-4o-mini',
      LOG_LEVEL: 'debug',
      LOG_FORMAT: 'json',
      OPENAI_MAX_RETRIES: '2',
      DEFAULT_BUDGET_USD: 'unlimited',
      // The operator's limits are tested on their own; elsewhere they would only add lines to /usage.
      BOT_LIMIT_USD: 'unlimited',
      MEMBER_LIMIT_USD: 'unlimited',
      SERVER_LIMIT_USD: 'unlimited',
      MAX_OUTPUT_TOKENS: '4096',
      UNKNOWN_MODEL_CONTEXT_WINDOW: '5120',
      ...this.options.env,
    };
  }

  async startBot(): Promise<void> {
    const config = loadConfig(this.env());
    const sink = new Writable({ write: (chunk, _encoding, done) => { this.logLines.push(String(chunk)); done(); } });
    this.bot = await startBot(config, createLogger(config, sink), { now: this.options.now, ...(this.options.shard ? { shard: this.options.shard } : {}) });
    // The AI service's start-up check runs after READY (src/app.ts): done here, so a test's own OpenAI requests are the only ones after this.
    await this.bot.aiServiceChecked;
  }

  async restart(): Promise<void> {
    await this.bot.stop();
    await this.startBot();
  }

  /** Dispatches a slash command as a member of the default server (unless the spec says otherwise). */
  command(commandName: string, options: FakeInteractionSpec['options'] = {}, spec: Partial<FakeInteractionSpec> = {}): FakeInteraction {
    return this.discord.sendInteraction({ guildId: DEFAULT_GUILD_ID, commandName, options, ...spec });
  }

  /** Waits until the bot has nothing in flight (after the interaction was acknowledged). */
  async settled(interaction?: FakeInteraction, timeoutMs = 10_000): Promise<void> {
    if (interaction) await interaction.callback(timeoutMs);
    const deadline = performance.now() + timeoutMs;
    while (this.bot.ctx.services.lifecycle.inFlight > 0) {
      if (performance.now() > deadline) throw new Error('the bot still had work in flight');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** The bot's own messages in a channel (not interaction webhooks), oldest first. */
  botReplies(channelId: string): APIMessage[] {
    return this.discord.channelMessages(channelId).filter((m) => m.author.id === this.discord.botUser.id && !m.webhook_id);
  }

  /** Waits until the bot replied in each channel (its own messages, not interaction webhooks), then until it is idle. */
  async repliedIn(channelIds: string[], timeoutMs = 15_000): Promise<void> {
    const replied = (id: string) => this.botReplies(id).length > 0;
    const deadline = performance.now() + timeoutMs;
    while (!channelIds.every(replied)) {
      if (performance.now() > deadline) throw new Error('no reply from the bot');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await this.settled();
  }

  logs(): Record<string, unknown>[] {
    return this.logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  async close(): Promise<void> {
    keptCommands.set(this.databasePath, this.discord.keptCommands());
    const overruns = this.options.allowOverruns ? [] : this.overruns();
    await this.bot.stop().catch(() => undefined);
    await this.discord.close();
    await this.openai.close();
    if (overruns.length > 0) throw new Error(`calls cost more than they reserved (a reservation that is not a true upper bound): ${JSON.stringify(overruns)}`);
    const pastWindow = this.options.allowWindowRefusals ? [] : this.openai.chat.windowRefusals;
    if (pastWindow.length > 0) throw new Error(`the bot sent chat requests past the model's context window, which OpenAI refuses: ${JSON.stringify(pastWindow)}`);
  }

  /** For a test that makes a service bill past the reservation on purpose: returns the overruns and forgets them. */
  acknowledgeOverruns(): Record<string, unknown>[] {
    const rows = this.overruns();
    this.bot.ctx.db.exec('DELETE FROM ledger_overruns');
    return rows;
  }

  /** Settlements above their reservation, as the ledger recorded them. */
  overruns(): Record<string, unknown>[] {
    try {
      return this.bot.ctx.db.prepare('SELECT command, model, reserved_micros AS reserved, charged_micros AS charged FROM ledger_overruns').all() as Record<string, unknown>[];
    } catch {
      return []; // the database is already closed
    }
  }
}
