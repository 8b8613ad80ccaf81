import { describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { SHARD_SPAWN_DELAY_MS, shardEntry, shardSpawnDelayMs, TEST_SPAWN_DELAY_ENV } from '../../src/sharding/manager.ts';
import { followsHostJobs, HOST_FIRST_SHARD_ENV, leadsTheBot, settingsEnvironment, shardFromEnvironment, UNSHARDED, usesShardingManager } from '../../src/sharding/shardRole.ts';

const required = { DISCORD_TOKEN: 'discord-token-value', OPENAI_API_KEY: 'sk-test-key-value' };

describe('shard roles', () => {
  test.each([
    ['unset', {}, false],
    ['SHARDS=1', { SHARDS: '1' }, false],
    ['SHARDS=2', { SHARDS: '2' }, true],
    ['SHARDS=auto', { SHARDS: 'auto' }, true],
    ['SHARD_IDS', { SHARD_IDS: '0', SHARD_COUNT: '1' }, true],
  ])('%s: sharding manager %s', (_name, env, manager) => {
    expect(usesShardingManager(loadConfig({ ...required, ...env }))).toBe(manager);
  });

  test('only the process holding shard 0 registers commands and follows fine-tuning jobs', () => {
    expect(leadsTheBot(UNSHARDED)).toBe(true);
    expect(leadsTheBot({ ids: [0], count: 4 })).toBe(true);
    expect(leadsTheBot({ ids: [3], count: 4 })).toBe(false);
  });

  test('a shard process reads its shard from what discord.js set, and its settings without the manager\'s', () => {
    const env = { SHARDING_MANAGER: 'true', SHARDS: '0', SHARD_COUNT: '4', SHARD_IDS: '0-1', ...required };
    expect(shardFromEnvironment(env)).toEqual({ ids: [0], count: 4 });
    expect(loadConfig(settingsEnvironment(env)).shards).toEqual({ count: 1, ids: null });
    expect(shardFromEnvironment(required)).toBeUndefined();
    expect(() => shardFromEnvironment({ SHARDING_MANAGER: 'true', SHARDS: '4', SHARD_COUNT: '4' })).toThrow(/impossible shard/);
  });

  test('each host follows the fine-tuning jobs in its own database, from the process holding its lowest shard', () => {
    // One host running every shard: shard 0's process, as before.
    expect(followsHostJobs(UNSHARDED)).toBe(true);
    expect(followsHostJobs(shardFromEnvironment({ SHARDING_MANAGER: 'true', SHARDS: '0', SHARD_COUNT: '4', [HOST_FIRST_SHARD_ENV]: '0' })!)).toBe(true);
    expect(followsHostJobs(shardFromEnvironment({ SHARDING_MANAGER: 'true', SHARDS: '1', SHARD_COUNT: '4', [HOST_FIRST_SHARD_ENV]: '0' })!)).toBe(false);
    // The host running SHARD_IDS=2-3: shard 2's process follows that host's jobs, though it does not lead the bot.
    const second = shardFromEnvironment({ SHARDING_MANAGER: 'true', SHARDS: '2', SHARD_COUNT: '4', [HOST_FIRST_SHARD_ENV]: '2' })!;
    expect(second).toEqual({ ids: [2], count: 4, hostFirst: 2 });
    expect(followsHostJobs(second)).toBe(true);
    expect(leadsTheBot(second)).toBe(false);
    expect(followsHostJobs(shardFromEnvironment({ SHARDING_MANAGER: 'true', SHARDS: '3', SHARD_COUNT: '4', [HOST_FIRST_SHARD_ENV]: '2' })!)).toBe(false);
  });

  test('the shard entry is found next to the manager, from TypeScript source (with tsx) or compiled JavaScript', () => {
    expect(shardEntry('file:///app/src/sharding/manager.ts', [])).toEqual({ file: '/app/src/sharding/shard.ts', execArgv: ['--import', 'tsx'] });
    expect(shardEntry('file:///app/dist/sharding/manager.js', [])).toEqual({ file: '/app/dist/sharding/shard.js', execArgv: [] });
    // npm start's memory flags reach every shard; a debugger's port can't be shared; tsx is not added twice.
    const flags = ['--expose-gc', '--max-semi-space-size=4', '--inspect=9229', '--heap-growing-percent=20'];
    expect(shardEntry('file:///app/dist/sharding/manager.js', flags).execArgv).toEqual(['--expose-gc', '--max-semi-space-size=4', '--heap-growing-percent=20']);
    expect(shardEntry('file:///app/src/sharding/manager.ts', ['--import', 'tsx']).execArgv).toEqual(['--import', 'tsx']);
  });

  test.each([
    ['unset: Discord\'s login spacing', undefined, SHARD_SPAWN_DELAY_MS],
    ['empty', '', SHARD_SPAWN_DELAY_MS],
    ['a test\'s 0', '0', 0],
    ['a shorter delay', '250', 250],
    ['longer than Discord needs: ignored', '60000', SHARD_SPAWN_DELAY_MS],
    ['negative: ignored', '-1', SHARD_SPAWN_DELAY_MS],
    ['not a whole number: ignored', '1.5', SHARD_SPAWN_DELAY_MS],
    ['not a number: ignored', 'soon', SHARD_SPAWN_DELAY_MS],
  ])('the delay between shard processes, %s', (_name, value, expected) => {
    expect(shardSpawnDelayMs(value === undefined ? {} : { [TEST_SPAWN_DELAY_ENV]: value })).toBe(expected);
  });
});
