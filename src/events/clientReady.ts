import { Events, type Client } from 'discord.js';
import type { Command } from '../commands/types.ts';
import type { BotContext } from '../context.ts';
import { MetaStore } from '../db/meta.ts';
import { registerCommands } from '../services/discord/commandRegistry.ts';
import { leaveUnapprovedGuilds } from '../services/operator/guildAccess.ts';

/** Logs who we are, registers the slash commands; resolves `ready` once commands are in place. */
export function registerClientReady(client: Client, ctx: BotContext, commands: Map<string, Command>): Promise<void> {
  return new Promise((resolve) => {
    client.once(Events.ClientReady, async (ready) => {
      ctx.logger.info({ user: ready.user.tag, guilds: ready.guilds.cache.size }, 'logged in to Discord');
      if (ctx.config.registerCommands) {
        try {
          await registerCommands(ready, commands.values(), { guildId: ctx.config.devGuildId, meta: new MetaStore(ctx.db), logger: ctx.logger });
        } catch (error) {
          ctx.logger.error({ err: error }, 'Discord refused the slash command list; commands may be missing or outdated');
        }
      }
      // Servers that added the bot while it was offline and are not approved (ALLOWED_GUILD_IDS).
      await leaveUnapprovedGuilds(ready, ctx.services.ledger, ctx.logger);
      resolve();
    });
  });
}
