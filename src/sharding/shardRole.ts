import type { Config } from '../config.ts';

/** Which Discord shards one bot process holds, out of how many in all. */
export interface ShardAssignment {
  ids: number[];
  count: number;
  /** The lowest shard this host runs (SHARD_IDS); unset when one host runs every shard (then 0). */
  hostFirst?: number;
}

/** Set by the sharding manager for its shard processes: the lowest shard id of this host. */
export const HOST_FIRST_SHARD_ENV = 'BOT_HOST_FIRST_SHARD';

/** A bot that is not sharded: one process, shard 0 of 1. */
export const UNSHARDED: ShardAssignment = { ids: [0], count: 1 };

/**
 * Work done once for the whole bot, not once per shard: registering the slash commands (one list per
 * application) and following fine-tuning jobs (one poller, one notice per finished job). The process
 * holding shard 0 does it; with SHARD_IDS, that is the host whose range includes 0. (The bot-limit
 * notices need no leader: the ledger claims each one in the database, so it goes out once anyway.)
 */
export function leadsTheBot(shard: ShardAssignment): boolean {
  return shard.ids.includes(0);
}

/**
 * Work each host does for its own database: following the fine-tuning jobs started in its servers (they
 * are stored in this host's SQLite file, so no other host can see them). The process holding the host's
 * lowest shard does it; on a single host that is shard 0, the same process that leads the bot.
 */
export function followsHostJobs(shard: ShardAssignment): boolean {
  return shard.ids.includes(shard.hostFirst ?? 0);
}

/** True when this host runs discord.js's ShardingManager instead of the bot itself. */
export function usesShardingManager(config: Config): boolean {
  return config.shards.ids !== null || config.shards.count !== 1;
}

/**
 * discord.js starts each shard process with SHARDING_MANAGER, SHARDS (its shard id) and SHARD_COUNT in the
 * environment; this reads them back, or returns undefined outside a sharding manager.
 */
export function shardFromEnvironment(env: NodeJS.ProcessEnv): ShardAssignment | undefined {
  if (!env.SHARDING_MANAGER) return undefined;
  const id = Number(env.SHARDS);
  const count = Number(env.SHARD_COUNT);
  if (!Number.isInteger(id) || !Number.isInteger(count) || id < 0 || id >= count) {
    throw new Error(`started by a sharding manager with an impossible shard ${String(env.SHARDS)} of ${String(env.SHARD_COUNT)}`);
  }
  const hostFirst = env[HOST_FIRST_SHARD_ENV] === undefined ? NaN : Number(env[HOST_FIRST_SHARD_ENV]);
  return { ids: [id], count, ...(Number.isInteger(hostFirst) && hostFirst >= 0 && hostFirst < count ? { hostFirst } : {}) };
}

/**
 * The environment a shard process reads its settings from: the operator's SHARDS, SHARD_IDS and
 * SHARD_COUNT were the manager's business (discord.js reuses two of those names for the shard's own id).
 */
export function settingsEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { SHARDS: _shards, SHARD_IDS: _ids, SHARD_COUNT: _count, ...rest } = env;
  return rest;
}
