import { PermissionFlagsBits, type Client, type GuildTextBasedChannel } from 'discord.js';
import { NO_MENTIONS } from '../discord/sinks.ts';

/** What posting a note needs: seeing the channel and writing in it (threads have their own send permission). */
export function noteChannelProblem(client: Client, channelId: string): 'missing' | 'not_text' | 'no_permission' | undefined {
  const channel = client.channels.cache.get(channelId);
  if (!channel) return 'missing';
  if (!channel.isTextBased() || channel.isDMBased() || !channel.isSendable()) return 'not_text';
  const granted = (channel as GuildTextBasedChannel).permissionsFor(client.user!);
  const send = channel.isThread() ? PermissionFlagsBits.SendMessagesInThreads : PermissionFlagsBits.SendMessages;
  // Not cached (should not happen for the bot's own member): let Discord decide.
  if (granted && !granted.has(PermissionFlagsBits.ViewChannel | send)) return 'no_permission';
  return undefined;
}

/** Posts one note; mentions render as names but never ping anyone. */
export async function postNote(client: Client, channelId: string, content: string): Promise<void> {
  const channel = client.channels.cache.get(channelId);
  if (!channel?.isSendable()) throw new Error('the moderation log channel is not a text channel the bot can post in');
  await channel.send({ content, allowedMentions: NO_MENTIONS });
}
