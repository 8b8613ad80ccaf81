import { ChannelType } from 'discord.js';

/** Channels whose posts are threads with a starter message: forums and media channels (both take forum answers). */
export const FORUM_TYPES = [ChannelType.GuildForum, ChannelType.GuildMedia] as const;

export const isForumType = (type: ChannelType): boolean => (FORUM_TYPES as readonly ChannelType[]).includes(type);
