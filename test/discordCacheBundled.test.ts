import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildSync, type BuildOptions } from 'esbuild';
import { afterAll, describe, expect, test } from 'vitest';
import { bundleOptions } from '../scripts/build.mjs';

const ROOT = resolve(import.meta.dirname, '..');
/** Bundling discord.js takes a few seconds, more on a busy machine. */
const BUNDLE_TIMEOUT_MS = 60_000;

/**
 * Asks src/discordCache.ts's cache factory, bundled as scripts/build.mjs bundles the bot, what each manager gets.
 * discord.js picks a limit by the manager's class name, which a bundle may rename (GuildMessageManager2).
 */
const ENTRY = `
import { GuildMessageManager, GuildMemberManager, UserManager, ReactionManager, RoleManager, Message, GuildMember, User, MessageReaction, Role, LimitedCollection } from 'discord.js';
import { CACHE } from ${JSON.stringify(join(ROOT, 'src', 'discordCache.ts'))};
const limitOf = (manager, holds) => { const cache = CACHE(manager, holds, manager); return cache instanceof LimitedCollection ? cache.maxSize : 'unlimited'; };
console.log(JSON.stringify({
  names: [GuildMessageManager.name, GuildMemberManager.name, UserManager.name],
  messages: limitOf(GuildMessageManager, Message), members: limitOf(GuildMemberManager, GuildMember), users: limitOf(UserManager, User),
  reactions: limitOf(ReactionManager, MessageReaction), roles: limitOf(RoleManager, Role),
}));
`;

const work = mkdtempSync(join(tmpdir(), 'cache-bundle-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the compiled bot keeps the cache limits of src/discordCache.ts', () => {
  test('in the bundle, messages, members and users are limited (not cached per message) and the class names discord.js reads are kept', () => {
    writeFileSync(join(work, 'entry.ts'), ENTRY);
    const shared = mkdtempSync(join(work, 'aliases-'));
    buildSync({ ...(bundleOptions(ROOT, shared) as BuildOptions), entryPoints: { entry: join(work, 'entry.ts') }, outdir: join(work, 'dist') });
    const run = spawnSync(process.execPath, [join(work, 'dist', 'entry.js')], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({
      names: ['GuildMessageManager', 'GuildMemberManager', 'UserManager'],
      messages: 0, members: 0, users: 0, reactions: 0,
      // Roles are needed for permission checks: kept whole.
      roles: 'unlimited',
    });
  }, BUNDLE_TIMEOUT_MS);
});
