import { GuildMember, type APIInteractionGuildMember, type User } from 'discord.js';
import type { MessageAuthor } from './messageAuthors.ts';

/** The name people see in the channel: server nickname, else global display name, else username. */
export function displayNameOf(member: GuildMember | APIInteractionGuildMember | MessageAuthor | null | undefined, user: User): string {
  if (member instanceof GuildMember) return member.displayName;
  return member?.nick ?? user.globalName ?? user.username;
}
