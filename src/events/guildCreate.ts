import { Events, type Client } from 'discord.js';
import type { BotContext } from '../context.ts';
import { leaveIfNotAllowed } from '../services/operator/guildAccess.ts';

/** Someone added the bot to a server: with an allow-list in use, an unapproved one is left at once. */
export function registerGuildCreate(client: Client, ctx: BotContext): void {
  client.on(Events.GuildCreate, (guild) => {
    ctx.logger.info({ guildId: guild.id, guildName: guild.name, members: guild.memberCount }, 'added to a server');
    void leaveIfNotAllowed(guild, ctx.services.ledger, ctx.logger);
  });
}
