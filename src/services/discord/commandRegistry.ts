import { createHash } from 'node:crypto';
import type { Client } from 'discord.js';
import type { Command } from '../../commands/types.ts';
import type { MetaStore } from '../../db/meta.ts';
import type { Logger } from '../../logger.ts';

const HASH_KEY = 'commands.registered-hash';

/**
 * Registers the commands (to one guild when given: instant; else globally), skipping the call
 * when the same set was registered to the same place at the last start.
 */
export async function registerCommands(
  client: Client<true>, commands: Iterable<Command>, options: { guildId: string | undefined; meta: MetaStore; logger: Logger },
): Promise<'registered' | 'unchanged'> {
  const body = [...commands].map((c) => c.data);
  const target = options.guildId ? `guild:${options.guildId}` : 'global';
  const hash = createHash('sha256').update(JSON.stringify({ application: client.application.id, target, body })).digest('hex');
  if (options.meta.get(HASH_KEY) === hash) {
    options.logger.info({ target, count: body.length }, 'slash commands unchanged since the last start; not registering');
    return 'unchanged';
  }
  if (options.guildId) await client.application.commands.set(body, options.guildId);
  else await client.application.commands.set(body);
  options.meta.set(HASH_KEY, hash);
  options.logger.info({ target, count: body.length }, options.guildId ? 'slash commands registered to the dev server' : 'slash commands registered globally (Discord may take up to an hour to show changes)');
  return 'registered';
}
