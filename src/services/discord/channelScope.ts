import type { Channel } from 'discord.js';
import type { ChannelScope } from '../settings.ts';

/** Where settings are looked up for a channel: a thread also looks at its parent channel. */
export function channelScopeOf(guildId: string | null, channelId: string, channel: Channel | null | undefined): ChannelScope {
  const parentId = channel && 'isThread' in channel && channel.isThread() ? channel.parentId : null;
  return { guildId, channelId, parentId };
}
