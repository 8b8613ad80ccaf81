import { GuildMember, type APIInteractionGuildMember, type User } from 'discord.js';
import type { Payer } from '../budget/ledger.ts';
import type { MessageAuthor } from './messageAuthors.ts';

/** Who pays for a call made by this user in this place (role ids decide role limits). */
export function payerOf(
  guildId: string | null, channelId: string | null, user: User, member: GuildMember | APIInteractionGuildMember | MessageAuthor | null | undefined,
): Payer {
  const roleIds = member instanceof GuildMember ? [...member.roles.cache.keys()] : (member?.roles ?? []);
  return { guildId, userId: user.id, roleIds: roleIds.filter((id) => id !== guildId), channelId };
}
