import type { Client, Guild } from 'discord.js';
import type { Logger } from '../../logger.ts';
import type { Ledger } from '../budget/ledger.ts';

/** Leaves a server the operator has not approved (ALLOWED_GUILD_IDS or /operator allow); true when it left. */
export async function leaveIfNotAllowed(guild: Guild, ledger: Ledger, log: Logger): Promise<boolean> {
  if (ledger.isGuildAllowed(guild.id)) return false;
  try {
    await guild.leave();
    log.info({ guildId: guild.id, guildName: guild.name }, 'left a server that is not on the allow-list (ALLOWED_GUILD_IDS)');
    return true;
  } catch (error) {
    // Paid calls from it are refused by the ledger anyway; leaving is tried again at the next start.
    log.warn({ err: error, guildId: guild.id, guildName: guild.name }, 'could not leave a server that is not on the allow-list');
    return false;
  }
}

/** At start-up: leaves every server that was joined while the bot was offline and is not approved. */
export async function leaveUnapprovedGuilds(client: Client, ledger: Ledger, log: Logger): Promise<number> {
  if (!ledger.usesAllowList) return 0;
  let left = 0;
  for (const guild of client.guilds.cache.values()) if (await leaveIfNotAllowed(guild, ledger, log)) left += 1;
  return left;
}
