import { Options, type CacheFactory, type SweeperOptions } from 'discord.js';

/**
 * What discord.js keeps in memory. The bot needs, for permission checks and replies: servers, their
 * channels and threads with permission overwrites, roles, and its own member and user (discord.js does
 * not allow limiting those managers, except members and users, where ours are kept over the limit).
 * Everything else arrives with the event that needs it (the message, the interaction and its member),
 * so caching it would only grow with every message in every server the bot is in.
 */
const NOT_NEEDED = [
  'MessageManager', 'GuildMessageManager', 'DMMessageManager', 'ReactionManager', 'ReactionUserManager',
  'GuildEmojiManager', 'BaseGuildEmojiManager', 'ApplicationEmojiManager', 'GuildStickerManager', 'GuildSoundboardSoundManager',
  'GuildScheduledEventManager', 'StageInstanceManager', 'PresenceManager', 'VoiceStateManager', 'ThreadMemberManager',
  'GuildBanManager', 'GuildInviteManager', 'AutoModerationRuleManager', 'ApplicationCommandManager', 'GuildApplicationCommandManager',
  'EntitlementManager',
] as const;

const keepOwn = { maxSize: 0, keepOverLimit: (entry: { id: string; client: { user: { id: string } | null } }) => entry.id === entry.client.user?.id };

export const CACHE: CacheFactory = Options.cacheWithLimits({
  ...Object.fromEntries(NOT_NEEDED.map((manager) => [manager, 0])),
  GuildMemberManager: keepOwn,
  UserManager: keepOwn,
});

/** discord.js's default (archived threads leave after four hours), nothing more: nothing else is cached to sweep. */
export const SWEEPERS: SweeperOptions = Options.DefaultSweeperSettings;
