import { once } from 'node:events';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REST, Routes, ShardingManager, type Shard } from 'discord.js';
import type { Config } from '../config.ts';
import { explainLoginError } from '../discordClient.ts';
import type { Logger } from '../logger.ts';
import { serveShardedMetrics } from './metrics.ts';
import { HOST_FIRST_SHARD_ENV } from './shardRole.ts';

/**
 * Discord lets a bot IDENTIFY once per 5 s (per max_concurrency bucket, 1 for most bots): each shard
 * process starts this long after the previous one (discord.js's own default).
 */
export const SHARD_SPAWN_DELAY_MS = 5_500;
/**
 * For the tests only (their fake gateway has no login spacing): a shorter delay, in ms, from 0 to SHARD_SPAWN_DELAY_MS.
 * Not an operator setting: against Discord a shorter one gets the logins refused. Anything else is ignored.
 */
export const TEST_SPAWN_DELAY_ENV = 'BOT_TEST_SHARD_SPAWN_DELAY_MS';

/** SHARD_SPAWN_DELAY_MS, or the tests' shorter one (see TEST_SPAWN_DELAY_ENV). */
export function shardSpawnDelayMs(env: NodeJS.ProcessEnv): number {
  const raw = env[TEST_SPAWN_DELAY_ENV];
  const value = raw === undefined || raw.trim() === '' ? Number.NaN : Number(raw);
  return Number.isInteger(value) && value >= 0 && value <= SHARD_SPAWN_DELAY_MS ? value : SHARD_SPAWN_DELAY_MS;
}
/** Login plus every server's GUILD_CREATE; a shard holds at most 2,500 servers, which arrive within seconds. */
export const SHARD_READY_TIMEOUT_MS = 120_000;
/** After the shards' own grace period for answers in flight, how long a stopping shard may take to close. */
const SHARD_EXIT_MARGIN_MS = 5_000;

/** How many shards in all: the operator's number, or Discord's recommendation (GET /gateway/bot) for 'auto'. */
export async function resolveShardCount(config: Config): Promise<number> {
  if (config.shards.count !== 'auto') return config.shards.count;
  // discord.js's fetchRecommendedShardCount always asks discord.com; this honours DISCORD_API_URL (REST proxies).
  const rest = new REST(config.discordApiUrl ? { api: config.discordApiUrl } : {}).setToken(config.discordToken);
  try {
    const gateway = (await rest.get(Routes.gatewayBot())) as { shards: number };
    return Math.max(1, gateway.shards);
  } catch (error) {
    throw new Error(`SHARDS=auto could not ask Discord for its recommendation. ${explainLoginError(error)}`, { cause: error });
  }
}

/**
 * The file each shard process runs: shard.ts next to this file when running from TypeScript source
 * (tests, development; the child needs tsx too), shard.js when running compiled JavaScript. Each shard gets this
 * process's Node flags (npm start's memory settings), except a debugger's, whose port only one process can hold.
 */
export function shardEntry(moduleUrl: string = import.meta.url, nodeFlags: readonly string[] = process.execArgv): { file: string; execArgv: string[] } {
  const ext = extname(fileURLToPath(moduleUrl));
  const file = fileURLToPath(new URL(`./shard${ext}`, moduleUrl));
  const inherited = nodeFlags.filter((flag) => !/^--inspect/.test(flag));
  const tsx = ext === '.ts' && !inherited.includes('tsx') ? ['--import', 'tsx'] : [];
  return { file, execArgv: [...inherited, ...tsx] };
}

export interface RunningShards {
  count: number;
  ids: number[];
  /** Stops every shard process (each drains its answers in flight) and waits for them to exit. */
  stop(): Promise<void>;
}

async function stopShard(shard: Shard, waitMs: number): Promise<void> {
  const child = shard.process;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), waitMs);
  await exited;
  clearTimeout(timer);
}

/** Runs this host's shards, one process each, through discord.js's ShardingManager; resolves once all are ready. */
export async function startShards(config: Config, logger: Logger): Promise<RunningShards> {
  const count = await resolveShardCount(config);
  const ids = config.shards.ids ?? Array.from({ length: count }, (_, id) => id);
  const { file, execArgv } = shardEntry();
  // Inherited by every shard process: the one holding this host's lowest shard follows this host's fine-tuning jobs.
  process.env[HOST_FIRST_SHARD_ENV] = String(Math.min(...ids));
  const manager = new ShardingManager(file, { totalShards: count, shardList: ids, mode: 'process', execArgv, token: config.discordToken, respawn: false });
  manager.on('shardCreate', (shard) => {
    logger.info({ shard: shard.id, of: count }, 'starting shard process');
    shard.on('ready', () => logger.info({ shard: shard.id, pid: shard.process?.pid }, 'shard ready'));
    shard.on('death', (child) => {
      const code = 'exitCode' in child ? child.exitCode : null;
      if (!stopping) logger.error({ shard: shard.id, code, respawn: manager.respawn }, 'shard process exited');
    });
    shard.on('error', (error) => logger.error({ err: error, shard: shard.id }, 'shard process error'));
  });
  // METRICS_PORT is this host's, served here for every shard process (each would otherwise try to open it).
  const served = await serveShardedMetrics(config, manager, ids, logger);
  let stopping = false;
  const stop = async () => {
    stopping = true;
    if (served) served.metrics.stopping = true;
    manager.respawn = false;
    await Promise.all([...manager.shards.values()].map((shard) => stopShard(shard, config.shutdownGraceMs + SHARD_EXIT_MARGIN_MS)));
    await served?.server.close();
    served?.metrics.close();
  };
  const delay = shardSpawnDelayMs(process.env);
  logger.info({ shards: ids, count, host: config.shards.ids ? 'this host runs SHARD_IDS' : 'all shards' }, 'starting the sharding manager');
  if (delay !== SHARD_SPAWN_DELAY_MS) logger.warn({ delayMs: delay, env: TEST_SPAWN_DELAY_ENV }, 'shard processes start closer together than Discord allows logins: for tests only');
  try {
    // No respawning during start-up: a shard that dies there (bad token, bad setting) would only die again.
    await manager.spawn({ amount: count, delay, timeout: SHARD_READY_TIMEOUT_MS });
  } catch (error) {
    await stop();
    throw new Error(`A shard process did not start (${error instanceof Error ? error.message : String(error)}); its own log lines above say why.`, { cause: error });
  }
  // From here a shard that crashes is started again.
  manager.respawn = true;
  return { count, ids, stop };
}
