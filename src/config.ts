import { BlockList, isIP } from 'node:net';
import * as z from 'zod';
import { parseReasoningModels, type ReasoningOverrides } from './services/reasoning/models.ts';
import { isModelAllowed, parseAllowedModels, type AllowedModels } from './services/allowedModels.ts';
import { PERIODS, type Period } from './services/budget/periods.ts';
import { parseUsd } from './services/pricing/index.ts';
import { DEFAULT_URL_IMAGE_TIMEOUT_MS } from './services/images/urlImages.ts';
import { DEFAULT_DOWNLOAD_BUDGET_BYTES, DEFAULT_DOWNLOAD_WAIT_MS } from './services/discord/downloadGate.ts';
import { REDACTED, secretScrubber } from './secretScrub.ts';

/**
 * The operator's defaults keep a fresh install's bill small: the whole bot $5 a day, one person $1 a
 * day across every server and DM, one server $2 a day. Raise them in .env (or set "unlimited").
 */
export const DEFAULT_BOT_LIMIT_USD = '5.00';
export const DEFAULT_MEMBER_LIMIT_USD = '1.00';
export const DEFAULT_SERVER_LIMIT_USD = '2.00';
/** Docker kills a container 10 s after SIGTERM: the grace, the restart notices (1.5 s) and closing fit inside. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 7000;
/**
 * Conversation turns are kept 90 days unless HISTORY_RETENTION_DAYS says otherwise: an answer reads at most
 * the newest 200 turns of a channel, so older ones mostly hold people's words for no use.
 */
export const DEFAULT_HISTORY_RETENTION_DAYS = 90;
/**
 * Earlier turns sent with one question, in tokens (HISTORY_MAX_TOKENS): a few dozen exchanges, at most 4 cents of history
 * on gpt-4o or gpt-5.4 ($2.50 per 1M) and $1.20 on the dearest chat model of the price table (gpt-4.5-preview, $75 per 1M).
 */
export const DEFAULT_HISTORY_MAX_TOKENS = 16_000;
/** Past any model's context window (gpt-5.4: 1,050,000): a larger HISTORY_MAX_TOKENS is a typo, and "unlimited" says it plainly. */
const MAX_HISTORY_MAX_TOKENS = 10_000_000;

/** A setting problem found at start-up; the message lists every problem, never a secret value. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`The bot cannot start: ${problems.length} setting problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}\nSee .env.example for what each setting means.`);
    this.name = 'ConfigError';
  }
}

const emptyAsUndefined = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);
const optionalString = z.preprocess(emptyAsUndefined, z.string().trim().optional());
/**
 * A user name and password in a URL are never sent: Node's fetch (the openai SDK, the ledger link) refuses such a URL with
 * an error that quotes it whole, and discord.js drops them. Refused here, in words that don't repeat them.
 */
const NO_CREDENTIALS = 'must not hold a user name or password (user:password@): they are never sent, and would be written into error messages';
const withoutCredentials = (url: string) => !/^[a-z][a-z\d+.-]*:\/\/[^/?#]*@/i.test(url);
const httpUrl = z.preprocess(
  emptyAsUndefined,
  z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. http://127.0.0.1:11434/v1' })
    .refine(withoutCredentials, NO_CREDENTIALS)
    .transform((url) => url.replace(/\/+$/, ''))
    .optional(),
);
/**
 * A key or token goes into an HTTP header: a control character, or one past Latin-1 (a curly quote or a zero-width space
 * pasted with it), fails every call, and fetch's error for it quotes the whole header, key included.
 */
const headerSafe = (value: string) => [...value].every((c) => {
  const code = c.codePointAt(0)!;
  return /\s/.test(c) || (code >= 0x20 && code !== 0x7f && code <= 0xff); // whitespace has its own problem: 'must not contain spaces'
});
const HEADER_UNSAFE = 'has a character an HTTP header cannot carry (a control character, or one pasted with it such as a curly quote or a zero-width space): copy it again';
const BYTES_PER_MB = 1024 * 1024;
/** 64 GiB, past any host's memory: a larger DOWNLOAD_MEMORY_MB is a typo (bytes written as MB), refused rather than obeyed. */
const MAX_DOWNLOAD_MEMORY_MB = 65_536;
const positiveInt = (fallback: number, max: number) =>
  z.preprocess(emptyAsUndefined, z.coerce.number({ error: 'must be a whole number' }).int('must be a whole number').min(1, 'must be at least 1').max(max, `must be at most ${max}`).default(fallback));
const snowflake = z.preprocess(emptyAsUndefined, z.string().regex(/^\d{17,20}$/, 'must be a Discord server ID (17-20 digits)').optional());
const flag = (fallback: boolean) =>
  z.preprocess(emptyAsUndefined, z.enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], { error: 'must be true or false' }).optional())
    .transform((value) => (value === undefined ? fallback : ['true', '1', 'yes', 'on'].includes(value)));

/** A dollar amount, or "unlimited" (null). */
const usdOrUnlimited = (fallback: string) => z.preprocess(emptyAsUndefined, z.string().trim().default(fallback)).transform((text, context) => {
  if (text.toLowerCase() === 'unlimited') return null;
  const parsed = parseUsd(text);
  if (!parsed.ok) context.addIssue({ code: 'custom', message: `must be a dollar amount like 0.50, or "unlimited": ${parsed.message}` });
  return parsed.ok ? parsed.micros : null;
});
/** A number of tokens from 0, or "unlimited" (null). */
const tokensOrUnlimited = (fallback: number, max: number) => z.preprocess(emptyAsUndefined, z.string().trim().default(String(fallback))).transform((text, context) => {
  if (text.toLowerCase() === 'unlimited') return null;
  const tokens = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(tokens <= max)) context.addIssue({ code: 'custom', message: `must be a whole number of tokens from 0 to ${max}, or "unlimited"` });
  return tokens <= max ? tokens : null;
});
const period = z.preprocess(emptyAsUndefined, z.enum(PERIODS, { error: 'must be day, week or month' }).default('day'));
const snowflakeList = z.preprocess(emptyAsUndefined, z.string().optional()).transform((text, context) => {
  if (text === undefined) return null;
  const ids = text.split(/[\s,]+/).filter((id) => id !== '');
  const bad = ids.filter((id) => !/^\d{17,20}$/.test(id));
  if (bad.length > 0) context.addIssue({ code: 'custom', message: `must be Discord server IDs (17-20 digits) separated by commas; not IDs: ${bad.slice(0, 3).join(', ')}` });
  return ids;
});
/** Far above any bot's need (Discord recommends one shard per 1,000 servers); keeps a typo from spawning thousands of processes. */
export const MAX_SHARDS = 1000;
const SHARDS_PROBLEM = `must be auto or a whole number from 1 to ${MAX_SHARDS}`;
/** Discord shard ids: "0-3,8" -> [0, 1, 2, 3, 8]; null when unset. */
const shardIdList = z.preprocess(emptyAsUndefined, z.string().optional()).transform((text, context) => {
  if (text === undefined) return null;
  const ids = new Set<number>();
  for (const part of text.split(/[\s,]+/).filter((p) => p !== '')) {
    const range = /^(\d+)(?:-(\d+))?$/.exec(part);
    const [from, to] = range ? [Number(range[1]), Number(range[2] ?? range[1])] : [NaN, NaN];
    if (!range || to < from || to - from > MAX_SHARDS) {
      context.addIssue({ code: 'custom', message: `must be shard numbers or ranges like 0-3,8; not understood: ${part}` });
      return null;
    }
    for (let id = from; id <= to; id += 1) ids.add(id);
  }
  return ids.size > 0 ? [...ids].sort((a, b) => a - b) : null;
});
/** The hosts' shared secret for the ledger coordinator: long enough that guessing it over the network is hopeless. */
export const MIN_LEDGER_SECRET_LENGTH = 32;
const port = z.preprocess(emptyAsUndefined, z.coerce.number({ error: 'must be a port number' }).int('must be a port number').min(1, 'must be 1-65535').max(65_535, 'must be 1-65535').optional());
const limit = (amountMicros: number | null, period: Period) => (amountMicros === null ? null : { amountMicros, period });

/** Every setting on its own; `schema` adds the checks that read several together. */
const settings = z.object({
  DISCORD_TOKEN: z.preprocess(emptyAsUndefined, z.string({ error: 'is required (the bot token from the Discord developer portal)' }).regex(/^\S+$/, 'must not contain spaces').refine(headerSafe, HEADER_UNSAFE)),
  OPENAI_API_KEY: z.preprocess(emptyAsUndefined, z.string({ error: 'is required (an API key from platform.openai.com, or any value your compatible server accepts)' }).regex(/^\S+$/, 'must not contain spaces').refine(headerSafe, HEADER_UNSAFE)),
  OPENAI_BASE_URL: httpUrl,
  DISCORD_API_URL: httpUrl,
  DATABASE_PATH: z.preprocess(emptyAsUndefined, z.string().default('data/bot.sqlite')),
  LOG_LEVEL: z.preprocess(emptyAsUndefined, z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { error: 'must be one of fatal, error, warn, info, debug, trace, silent' }).default('info')),
  LOG_FORMAT: z.preprocess(emptyAsUndefined, z.enum(['auto', 'json', 'pretty'], { error: 'must be auto, json or pretty' }).default('auto')),
  DEFAULT_MODEL: z.preprocess(emptyAsUndefined, z.string().trim().default('gpt-4.1-mini')),
  DEV_GUILD_ID: snowflake,
  SYSTEM_PROMPT: optionalString,
  MAX_OUTPUT_TOKENS: positiveInt(1024, 128_000),
  UNKNOWN_MODEL_CONTEXT_WINDOW: positiveInt(8192, 10_000_000),
  OPENAI_TIMEOUT_MS: positiveInt(60_000, 600_000),
  OPENAI_MAX_RETRIES: z.preprocess(emptyAsUndefined, z.coerce.number({ error: 'must be a whole number' }).int().min(0).max(10, 'must be at most 10').default(2)),
  SHUTDOWN_GRACE_MS: positiveInt(DEFAULT_SHUTDOWN_GRACE_MS, 600_000),
  REGISTER_COMMANDS: flag(true),
  PRICING_FILE: optionalString,
  UNPRICED_MODELS: z.preprocess(emptyAsUndefined, z.enum(['refuse', 'fallback'], { error: 'must be refuse or fallback' }).optional()),
  DEFAULT_BUDGET_USD: usdOrUnlimited('0.50'),
  DEFAULT_BUDGET_PERIOD: period,
  BOT_LIMIT_USD: usdOrUnlimited(DEFAULT_BOT_LIMIT_USD),
  BOT_LIMIT_PERIOD: period,
  MEMBER_LIMIT_USD: usdOrUnlimited(DEFAULT_MEMBER_LIMIT_USD),
  MEMBER_LIMIT_PERIOD: period,
  SERVER_LIMIT_USD: usdOrUnlimited(DEFAULT_SERVER_LIMIT_USD),
  SERVER_LIMIT_PERIOD: period,
  ALLOWED_GUILD_IDS: snowflakeList,
  DM_ACCESS: flag(true),
  IMAGE_MODEL: z.preprocess(emptyAsUndefined, z.string().trim().default('gpt-image-1')),
  IMAGE_TIMEOUT_MS: positiveInt(180_000, 600_000),
  IMAGE_URL_TIMEOUT_MS: positiveInt(DEFAULT_URL_IMAGE_TIMEOUT_MS, 120_000),
  VISION_MODEL: optionalString,
  TRANSCRIBE_MODEL: z.preprocess(emptyAsUndefined, z.string().trim().default('whisper-1')),
  VOICE_TRANSCRIPTION: flag(false),
  DOWNLOAD_MEMORY_MB: positiveInt(DEFAULT_DOWNLOAD_BUDGET_BYTES / BYTES_PER_MB, MAX_DOWNLOAD_MEMORY_MB),
  DOWNLOAD_WAIT_MS: positiveInt(DEFAULT_DOWNLOAD_WAIT_MS, 600_000),
  MODERATION_MODEL: z.preprocess(emptyAsUndefined, z.string().trim().default('omni-moderation-latest')),
  THREAD_CONVERSATIONS: flag(false),
  HISTORY_RETENTION_DAYS: positiveInt(DEFAULT_HISTORY_RETENTION_DAYS, 3650),
  HISTORY_MAX_TOKENS: tokensOrUnlimited(DEFAULT_HISTORY_MAX_TOKENS, MAX_HISTORY_MAX_TOKENS),
  METRICS_PORT: z.preprocess(emptyAsUndefined, z.coerce.number({ error: 'must be a port number' }).int('must be a port number').min(1, 'must be 1-65535').max(65_535, 'must be 1-65535').optional()),
  METRICS_HOST: z.preprocess(emptyAsUndefined, z.string().trim().regex(/^[^\s/]+$/, 'must be an address to listen on, e.g. 127.0.0.1 or 0.0.0.0').default('127.0.0.1')),
  SHARDS: z.preprocess(emptyAsUndefined, z.union([z.literal('auto'), z.coerce.number().int(SHARDS_PROBLEM).min(1, SHARDS_PROBLEM).max(MAX_SHARDS, SHARDS_PROBLEM)], { error: SHARDS_PROBLEM }).default(1)),
  SHARD_IDS: shardIdList,
  REASONING_MODELS: z.preprocess(emptyAsUndefined, z.string().optional()).transform((text, context) => {
    const parsed = parseReasoningModels(text);
    if (parsed.ok) return parsed.overrides;
    for (const message of parsed.problems) context.addIssue({ code: 'custom', message });
    return new Map<string, string | null>();
  }),
  REASONING_MAX_OUTPUT_TOKENS: positiveInt(8192, 128_000),
  ALLOWED_MODELS: z.preprocess(emptyAsUndefined, z.string().optional()).transform((text, context): AllowedModels => {
    const parsed = parseAllowedModels(text);
    if (parsed.ok) return parsed.allowed;
    for (const message of parsed.problems) context.addIssue({ code: 'custom', message });
    return null;
  }),
  SHARD_COUNT: z.preprocess(emptyAsUndefined, z.coerce.number({ error: 'must be a whole number' }).int('must be a whole number').min(1, 'must be at least 1').max(MAX_SHARDS, `must be at most ${MAX_SHARDS}`).optional()),
  LEDGER_URL: z.preprocess(emptyAsUndefined, z.url({ protocol: /^https?$/, error: "must be the coordinator's http(s) address, e.g. http://10.0.0.1:9470" })
    .refine(withoutCredentials, NO_CREDENTIALS).transform((url) => url.replace(/\/+$/, '')).optional()),
  LEDGER_SECRET: z.preprocess(emptyAsUndefined, z.string().min(MIN_LEDGER_SECRET_LENGTH, `must be at least ${MIN_LEDGER_SECRET_LENGTH} characters (e.g. the output of: openssl rand -hex 32)`)
    .regex(/^\S+$/, 'must not contain spaces').optional()),
  LEDGER_PORT: port,
  LEDGER_HOST: z.preprocess(emptyAsUndefined, z.string().trim().regex(/^[^\s/]+$/, 'must be an address to listen on, e.g. 127.0.0.1 or 0.0.0.0').default('127.0.0.1')),
});

const schema = settings.superRefine((e, context) => {
  if (e.SHARD_IDS && e.SHARD_COUNT === undefined) context.addIssue({ code: 'custom', path: ['SHARD_IDS'], message: 'needs SHARD_COUNT (the total number of shards across every host)' });
  if (!e.SHARD_IDS && e.SHARD_COUNT !== undefined) context.addIssue({ code: 'custom', path: ['SHARD_COUNT'], message: 'is only used with SHARD_IDS (this host\'s shards); on one host set SHARDS instead' });
  const tooHigh = e.SHARD_COUNT === undefined ? [] : (e.SHARD_IDS ?? []).filter((id) => id >= e.SHARD_COUNT!);
  ledgerProblems(e).forEach(([path, message]) => context.addIssue({ code: 'custom', path: [path], message }));
  // The operator's own models must be on the operator's list: every channel falls back to DEFAULT_MODEL.
  for (const [name, model] of [['DEFAULT_MODEL', e.DEFAULT_MODEL], ['VISION_MODEL', e.VISION_MODEL]] as const) {
    if (model !== undefined && !isModelAllowed(e.ALLOWED_MODELS, model)) context.addIssue({ code: 'custom', path: [name], message: `(${model}) is not in ALLOWED_MODELS: add it to the list, or choose a model the list allows` });
  }
  if (tooHigh.length > 0) context.addIssue({ code: 'custom', path: ['SHARD_IDS'], message: `shard numbers start at 0 and must be below SHARD_COUNT (${e.SHARD_COUNT}); too high: ${tooHigh.slice(0, 3).join(', ')}` });
});

/** api.openai.com and its regional (data residency) endpoints, e.g. eu.api.openai.com, which bill OpenAI's prices. */
const OPENAI_API_HOST = /^([a-z0-9-]+\.)?api\.openai\.com\.?$/;

/** One of OpenAI's regional (data residency) endpoints, e.g. eu.api.openai.com, which bill some models 10 % more. */
export function isOpenAIRegional(baseUrl: string | undefined): boolean {
  return baseUrl !== undefined && isOpenAIItself(baseUrl) && new URL(baseUrl).hostname.replace(/\.$/, '') !== 'api.openai.com';
}

/** OpenAI's own API (OPENAI_BASE_URL unset, api.openai.com or a regional endpoint), as opposed to a compatible server. */
export function isOpenAIItself(baseUrl: string | undefined): boolean {
  return baseUrl === undefined || OPENAI_API_HOST.test(new URL(baseUrl).hostname);
}

/** Loopback, private, link-local and shared (CGNAT, Tailscale) ranges: a server there is on the operator's own machine or network. */
const PRIVATE_NETWORKS = new BlockList();
for (const [net, prefix] of [['127.0.0.0', 8], ['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['169.254.0.0', 16], ['100.64.0.0', 10]] as const) PRIVATE_NETWORKS.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [['::1', 128], ['fc00::', 7], ['fe80::', 10]] as const) PRIVATE_NETWORKS.addSubnet(net, prefix, 'ipv6');
/** Names that only resolve on the operator's machine or network: `localhost`, mDNS, Docker's host, a compose service (`ollama`). */
const PRIVATE_NAME = /^(localhost|[^.]+)$|\.(localhost|local|internal|lan|home\.arpa)$/;
/**
 * Gateways that forward to paid providers (LiteLLM, One API / New API), usually run next to the bot under their own
 * name: a model they serve may cost far more than the fallback's gpt-4o, so their name doesn't make them local.
 */
const PAID_GATEWAY_NAME = /(^|[._-])(litellm|one[-_]?api|new[-_]?api)([._-]|$)/;

/**
 * A model server on the operator's own machine or network (Ollama, vLLM, llama.cpp, LM Studio), whose models are
 * usually free. Any other host (OpenRouter, Together, Azure, a paid proxy) may bill a model dearer than gpt-4o.
 */
export function isPrivateHost(baseUrl: string): boolean {
  const host = new URL(baseUrl).hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '').toLowerCase();
  const version = isIP(host);
  return version === 0 ? PRIVATE_NAME.test(host) && !PAID_GATEWAY_NAME.test(host) : PRIVATE_NETWORKS.check(host, version === 4 ? 'ipv4' : 'ipv6');
}

/** OPENAI_BASE_URL points at the operator's own machine or network (unset: OpenAI's API, which is not). */
export const isLocalServer = (baseUrl: string | undefined): boolean => baseUrl !== undefined && isPrivateHost(baseUrl);

/** The ledger settings that only make sense together (README, Scaling). */
function ledgerProblems(e: {
  LEDGER_URL?: string; LEDGER_SECRET?: string; LEDGER_PORT?: number; SHARD_IDS: number[] | null; SHARD_COUNT?: number; MEMBER_LIMIT_USD: number | null; BOT_LIMIT_USD: number | null;
}): [string, string][] {
  const problems: [string, string][] = [];
  // Some of the shards here, the rest on other hosts, each with its own file: without a coordinator every host would
  // keep the limits that span servers on its own, so a member (or the bot) could spend each once per host.
  const partOfTheShards = e.SHARD_IDS !== null && e.SHARD_COUNT !== undefined && e.SHARD_IDS.filter((id) => id < e.SHARD_COUNT!).length < e.SHARD_COUNT;
  const spanningLimits = [['MEMBER_LIMIT_USD', e.MEMBER_LIMIT_USD], ['BOT_LIMIT_USD', e.BOT_LIMIT_USD]].filter(([, micros]) => micros !== null).map(([name]) => name);
  if (partOfTheShards && !e.LEDGER_URL && e.LEDGER_PORT === undefined && spanningLimits.length > 0) {
    problems.push(['SHARD_IDS', `runs only some of the SHARD_COUNT shards, and neither LEDGER_PORT nor LEDGER_URL is set: every host would keep ${spanningLimits.join(' and ')} on its own, so they could be spent once per host. Set LEDGER_PORT on the host with shard 0 and LEDGER_URL on the others (with LEDGER_SECRET), or set ${spanningLimits.join(' and ')} to unlimited (README, Scaling)`]);
  }
  // A shard process never sees SHARD_IDS (settingsEnvironment): its manager, which does, checked these already.
  const hasShard0 = e.SHARD_IDS !== null && e.SHARD_IDS.includes(0);
  const lacksShard0 = e.SHARD_IDS !== null && !e.SHARD_IDS.includes(0);
  if (e.LEDGER_URL && e.LEDGER_PORT !== undefined) problems.push(['LEDGER_URL', 'and LEDGER_PORT exclude each other: the coordinator sets LEDGER_PORT, every other host LEDGER_URL']);
  if ((e.LEDGER_URL || e.LEDGER_PORT !== undefined) && !e.LEDGER_SECRET) problems.push(['LEDGER_SECRET', 'is required with LEDGER_URL or LEDGER_PORT (the same value on every host)']);
  if (e.LEDGER_SECRET && !e.LEDGER_URL && e.LEDGER_PORT === undefined) problems.push(['LEDGER_SECRET', 'is only used with LEDGER_URL (other hosts) or LEDGER_PORT (the coordinator)']);
  if (e.LEDGER_URL && hasShard0) problems.push(['LEDGER_URL', 'is for a host that runs some shards (SHARD_IDS) but not shard 0: the host with shard 0 is the coordinator (LEDGER_PORT)']);
  if (e.LEDGER_PORT !== undefined && lacksShard0) problems.push(['LEDGER_PORT', 'belongs on the host whose SHARD_IDS include shard 0: that host is the coordinator']);
  return problems;
}

export type Config = {
  discordToken: string;
  openaiApiKey: string;
  openaiBaseUrl: string | undefined;
  discordApiUrl: string | undefined;
  databasePath: string;
  logLevel: string;
  logFormat: 'auto' | 'json' | 'pretty';
  defaultModel: string;
  devGuildId: string | undefined;
  systemPrompt: string;
  maxOutputTokens: number;
  unknownModelContextWindow: number;
  openaiTimeoutMs: number;
  openaiMaxRetries: number;
  shutdownGraceMs: number;
  registerCommands: boolean;
  pricingFile: string | undefined;
  /**
   * UNPRICED_MODELS: a chat or transcription model the price table doesn't know is refused (`refuse`) or charged at the
   * fallback price (`fallback`). Unset: charged at the fallback only on a server of the operator's own machine or network
   * (isPrivateHost: local models are usually free); refused on OpenAI's own API and any public host (a paid proxy may cost more).
   */
  unpricedModels: 'refuse' | 'fallback';
  /** Limit for members of servers that set no default, and for DMs; null = unlimited. */
  fallbackBudget: { amountMicros: number; period: Period } | null;
  /** The operator's limits (UTC periods), above anything a server admin sets; null = unlimited. */
  botLimit: { amountMicros: number; period: Period } | null;
  memberLimit: { amountMicros: number; period: Period } | null;
  serverLimit: { amountMicros: number; period: Period } | null;
  /** Servers the bot may stay in (ALLOWED_GUILD_IDS); null = any server, each under serverLimit. */
  allowedGuildIds: string[] | null;
  /** Whether the bot answers direct messages. */
  dmAccess: boolean;
  /** Model used by /imagine. */
  imageModel: string;
  /** Longest wait for one image request; a request that times out is never repeated (it may have been billed). */
  imageTimeoutMs: number;
  /** Longest download of one image a compatible server sent only as a URL (IMAGE_URL_TIMEOUT_MS). */
  imageUrlTimeoutMs: number;
  /** Model that answers questions with images when the channel's model can't see; undefined = such questions are refused. */
  visionModel: string | undefined;
  /** Model used by /transcribe, the Transcribe menu and voice messages. */
  transcribeModel: string;
  /** Read voice messages (requests the privileged Message Content intent), so channels can turn on automatic transcription. */
  voiceTranscription: boolean;
  /** Bytes of members' files (audio, images, training files) held in memory at once; more wait their turn. */
  downloadMemoryBytes: number;
  /** Longest a file waits for room before the member is told the bot is busy. */
  downloadWaitMs: number;
  /** Model for OpenAI's (free) moderation endpoint, used in servers that turned /settings moderation on. */
  moderationModel: string;
  /** Answer messages in the bot's threads and new forum posts without a mention (requests the privileged Message Content intent). */
  threadConversations: boolean;
  /** Conversation turns older than this many days are deleted by a periodic job. */
  historyRetentionDays: number;
  /** HISTORY_MAX_TOKENS: the most tokens of earlier turns sent with one question (0 = none); null = the model's window and 200 turns. */
  historyMaxTokens: number | null;
  /** Port of /healthz and /metrics; undefined = no server (the default). */
  metricsPort: number | undefined;
  /** Address that server listens on: loopback unless the operator opens it up. */
  metricsHost: string;
  /**
   * Shards to run on this host: `count` in total ('auto' = Discord's recommendation), `ids` this host's
   * share (null = all). One shard and no ids = the bot runs in this process, with no sharding manager.
   */
  shards: { count: number | 'auto'; ids: number[] | null };
  /**
   * The operator's limits across hosts (README, Scaling): `port` on the coordinator (the host with shard 0), which
   * serves the totals on `host`:`port`; `url` on every other host. `secret` authenticates them; never logged.
   */
  ledger: { url: string | undefined; port: number | undefined; host: string; secret: string | undefined };
  /** REASONING_MODELS: names to treat as reasoning models (alone, or like a known one), besides the built-in table. */
  reasoningModels: ReasoningOverrides;
  /** Output allowance of reasoning models: their hidden thinking and the answer share it. */
  reasoningMaxOutputTokens: number;
  /** ALLOWED_MODELS: the chat models servers may choose (`*` ends a prefix; case is ignored); null = any model. */
  allowedModels: AllowedModels;
};

export const DEFAULT_SYSTEM_PROMPT =
  'You are a helpful assistant in a Discord server. Several people may talk in one channel: each user message starts with the speaker\'s display name and a colon. Answer in the language the user wrote in. Use Discord Markdown; keep answers concise unless asked for detail.';

/**
 * A secret pasted into the wrong line leaves its own setting empty, so it is known by its shape there: a Discord bot
 * token (three base64url parts: the bot's id, a time, a signature) or an OpenAI key. No id, shard or model name has either.
 */
const SECRET_SHAPES = /[\w-]{20,}\.[\w-]{5,}\.[\w-]{20,}|\bsk-[\w-]{8,}/g;

/** Reads and validates the environment once; throws ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Read once: zod's compiled fast path (generated code, built on a schema's first parse) costs more than it saves here.
  const parsed = schema.safeParse(env, { jitless: true });
  if (!parsed.success) {
    // A problem quoting a value (ALLOWED_GUILD_IDS, SHARD_IDS, ALLOWED_MODELS) may quote a secret pasted into the wrong setting.
    const scrub = secretScrubber([env.DISCORD_TOKEN, env.OPENAI_API_KEY, env.LEDGER_SECRET].filter((value) => value !== undefined));
    const problems = parsed.error.issues.map((issue) => scrub(`${issue.path.join('.') || 'environment'} ${issue.message}`).replace(SECRET_SHAPES, REDACTED));
    throw new ConfigError(problems);
  }
  const e = parsed.data;
  return {
    discordToken: e.DISCORD_TOKEN,
    openaiApiKey: e.OPENAI_API_KEY,
    openaiBaseUrl: e.OPENAI_BASE_URL,
    discordApiUrl: e.DISCORD_API_URL,
    databasePath: e.DATABASE_PATH,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    defaultModel: e.DEFAULT_MODEL,
    devGuildId: e.DEV_GUILD_ID,
    systemPrompt: e.SYSTEM_PROMPT ?? DEFAULT_SYSTEM_PROMPT,
    maxOutputTokens: e.MAX_OUTPUT_TOKENS,
    unknownModelContextWindow: e.UNKNOWN_MODEL_CONTEXT_WINDOW,
    openaiTimeoutMs: e.OPENAI_TIMEOUT_MS,
    openaiMaxRetries: e.OPENAI_MAX_RETRIES,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    registerCommands: e.REGISTER_COMMANDS,
    pricingFile: e.PRICING_FILE,
    // A guessed price is only safe where models are the operator's own: a paid proxy may serve one dearer than the fallback.
    unpricedModels: e.UNPRICED_MODELS ?? (isLocalServer(e.OPENAI_BASE_URL) ? 'fallback' : 'refuse'),
    fallbackBudget: limit(e.DEFAULT_BUDGET_USD, e.DEFAULT_BUDGET_PERIOD),
    botLimit: limit(e.BOT_LIMIT_USD, e.BOT_LIMIT_PERIOD),
    memberLimit: limit(e.MEMBER_LIMIT_USD, e.MEMBER_LIMIT_PERIOD),
    serverLimit: limit(e.SERVER_LIMIT_USD, e.SERVER_LIMIT_PERIOD),
    allowedGuildIds: e.ALLOWED_GUILD_IDS,
    dmAccess: e.DM_ACCESS,
    imageModel: e.IMAGE_MODEL,
    imageTimeoutMs: e.IMAGE_TIMEOUT_MS,
    imageUrlTimeoutMs: e.IMAGE_URL_TIMEOUT_MS,
    visionModel: e.VISION_MODEL,
    transcribeModel: e.TRANSCRIBE_MODEL,
    voiceTranscription: e.VOICE_TRANSCRIPTION,
    downloadMemoryBytes: e.DOWNLOAD_MEMORY_MB * BYTES_PER_MB,
    downloadWaitMs: e.DOWNLOAD_WAIT_MS,
    moderationModel: e.MODERATION_MODEL,
    threadConversations: e.THREAD_CONVERSATIONS,
    historyRetentionDays: e.HISTORY_RETENTION_DAYS,
    historyMaxTokens: e.HISTORY_MAX_TOKENS,
    metricsPort: e.METRICS_PORT,
    metricsHost: e.METRICS_HOST,
    shards: e.SHARD_IDS ? { count: e.SHARD_COUNT!, ids: e.SHARD_IDS } : { count: e.SHARDS, ids: null },
    ledger: { url: e.LEDGER_URL, port: e.LEDGER_PORT, host: e.LEDGER_HOST, secret: e.LEDGER_SECRET },
    reasoningModels: e.REASONING_MODELS,
    reasoningMaxOutputTokens: e.REASONING_MAX_OUTPUT_TOKENS,
    allowedModels: e.ALLOWED_MODELS,
  };
}

/**
 * DATABASE_PATH alone, read exactly as loadConfig reads it: for tools such as `npm run backup`, which must
 * work without a valid DISCORD_TOKEN or OPENAI_API_KEY.
 */
export function loadDatabasePath(env: NodeJS.ProcessEnv = process.env): string {
  const parsed = settings.pick({ DATABASE_PATH: true }).safeParse(env);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.') || 'environment'} ${issue.message}`));
  return parsed.data.DATABASE_PATH;
}
