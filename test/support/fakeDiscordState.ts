/**
 * Shared state of the fake Discord server: users, guilds, channels, messages, commands,
 * interactions and recorded requests, plus the builders that turn that state into real
 * Discord API v10 payloads. Used by fakeDiscordRest.ts, fakeDiscordGateway.ts and the public
 * entry fakeDiscord.ts.
 */
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  ChannelType,
  GatewayDispatchEvents,
  GatewayIntentBits,
  MessageFlags,
  MessageType,
  OverwriteType,
  PermissionFlagsBits,
  type GuildMemberFlags,
  type RoleFlags,
  type UserFlags,
  type APIApplicationCommand,
  type APIAttachment,
  type APIChannel,
  type APIEmbed,
  type APIGuildMember,
  type APIMessage,
  type APIOverwrite,
  type APIRole,
  type APIUser,
  type GatewayGuildCreateDispatchData,
} from 'discord-api-types/v10';
import type { FakeInteraction } from './fakeDiscordInteraction.ts';

// ---------------------------------------------------------------------------------------------
// Public option / spec types
// ---------------------------------------------------------------------------------------------

export interface FakeUserSpec {
  id: string;
  username?: string;
  global_name?: string | null;
  avatar?: string | null;
  bot?: boolean;
}

export interface FakeRoleSpec {
  id: string;
  name?: string;
  /** Permission bitfield (decimal string or bigint). */
  permissions?: string | bigint;
  position?: number;
  color?: number;
  hoist?: boolean;
  mentionable?: boolean;
  managed?: boolean;
}

export interface FakeOverwriteSpec {
  id: string;
  /** 0 = role, 1 = member */
  type: OverwriteType;
  allow?: string | bigint;
  deny?: string | bigint;
}

export interface FakeChannelSpec {
  id: string;
  name?: string;
  /** default ChannelType.GuildText */
  type?: ChannelType;
  parentId?: string | null;
  topic?: string | null;
  nsfw?: boolean;
  position?: number;
  permissionOverwrites?: FakeOverwriteSpec[];
  rateLimitPerUser?: number;
}

export interface FakeThreadSpec {
  id: string;
  parentId: string;
  name?: string;
  /** default ChannelType.PublicThread */
  type?: ChannelType.PublicThread | ChannelType.PrivateThread | ChannelType.AnnouncementThread;
  ownerId?: string;
  archived?: boolean;
  locked?: boolean;
}

export interface FakeMemberSpec {
  user: FakeUserSpec;
  roles?: string[];
  nick?: string | null;
  joinedAt?: string;
}

export interface FakeGuildSpec {
  id: string;
  name?: string;
  /** default: a separate "owner" user 400000000000000000 that is added as a member */
  ownerId?: string;
  /** permissions of the @everyone role (id == guild id); default DEFAULT_EVERYONE_PERMISSIONS */
  everyonePermissions?: string | bigint;
  roles?: FakeRoleSpec[];
  channels?: FakeChannelSpec[];
  threads?: FakeThreadSpec[];
  members?: FakeMemberSpec[];
  /** role ids given to the bot's own member */
  botRoles?: string[];
  botNick?: string | null;
  preferredLocale?: string;
  features?: string[];
}

export interface FakeDiscordOptions {
  /** bot token (without "Bot " prefix); default 'fake-bot-token' */
  token?: string;
  /** default '300000000000000001' */
  applicationId?: string;
  /** default { id: applicationId, username: 'FakeBot', global_name: null } */
  botUser?: Partial<FakeUserSpec>;
  /** default: one guild (see DEFAULT_GUILD_ID, DEFAULT_CHANNEL_ID, DEFAULT_THREAD_ID) */
  guilds?: FakeGuildSpec[];
  /** privileged intents the application is allowed to use (bitfield); default 0 */
  privilegedIntents?: number;
  /** interaction callback deadline; default 3000 */
  ackDeadlineMs?: number;
  /** interaction token lifetime; default 900000 (15 min) */
  tokenLifetimeMs?: number;
  /** bot-token requests per rolling second before a global 429; default 50 */
  globalRateLimit?: number;
  /** HELLO heartbeat_interval; default 41250 */
  heartbeatIntervalMs?: number;
  /** simulated round-trip latency per REST request (half before processing, half before answering); default 0 */
  restLatencyMs?: number;
  /** the user used by sendInteraction/sendMessage when none is given; default tester 400000000000000001 */
  defaultUser?: FakeUserSpec;
  /** clock (ms) for deadlines / token expiry; default performance.now(). See also FakeDiscord.advanceClock. */
  now?: () => number;
  /** the application's owner (GET /applications/@me): a user id (default 400000000000000000), or a team */
  applicationOwner?: { userId: string } | { team: { id: string; ownerUserId: string; memberIds: string[] } };
  /** servers one gateway session may hold before IDENTIFY is closed with 4011 Sharding required; default 2500 (Discord's) */
  maxGuildsPerShard?: number;
  /** `shards` in GET /gateway/bot; default one per GUILDS_PER_RECOMMENDED_SHARD servers, at least 1 */
  recommendedShards?: number;
  /**
   * Application commands Discord already holds (an earlier run registered them, and Discord keeps them, ids included):
   * global ones, and per guild id. A bot that finds its commands unchanged skips registering, yet they are there.
   */
  commands?: KeptCommands;
}

export interface KeptCommands {
  global?: APIApplicationCommand[];
  guilds?: Record<string, APIApplicationCommand[]>;
}

/** Discord recommends about one shard per 1,000 servers (what discord.js's fetchRecommendedShardCount assumes). */
export const GUILDS_PER_RECOMMENDED_SHARD = 1000;

export interface UploadedFile {
  field: string;
  filename: string;
  contentType: string;
  data: Buffer;
}

export interface MultipartBody {
  payload_json: unknown;
  files: UploadedFile[];
  /** other non-file form fields, if any */
  fields?: Record<string, string>;
}

export interface RecordedRequest {
  method: string;
  /** path without the /api/v10 prefix, e.g. /channels/123/messages */
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** parsed JSON, MultipartBody for multipart/form-data, undefined when there is no body */
  body: unknown;
  /** performance.now() when the request arrived */
  at: number;
  /** matched route template, e.g. /channels/:channel/messages (undefined for unknown routes) */
  route?: string;
  /** response status once answered */
  status?: number;
  /** response body once answered (parsed JSON) */
  response?: unknown;
  /** response headers once answered (rate-limit headers etc.) */
  responseHeaders?: Record<string, string>;
}

// ---------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------

export const DEFAULT_TOKEN = 'fake-bot-token';
export const DEFAULT_APPLICATION_ID = '300000000000000001';
export const DEFAULT_GUILD_ID = '100000000000000001';
export const DEFAULT_CHANNEL_ID = '200000000000000001';
export const DEFAULT_THREAD_ID = '200000000000000002';
export const DEFAULT_OWNER_ID = '400000000000000000';
export const DEFAULT_USER_ID = '400000000000000001';
export const DISCORD_EPOCH = 1420070400000n;
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
export const PRIVILEGED_INTENTS =
  GatewayIntentBits.GuildMembers | GatewayIntentBits.GuildPresences | GatewayIntentBits.MessageContent;
export const ALL_INTENTS = Object.values(GatewayIntentBits)
  .filter((v): v is number => typeof v === 'number')
  .reduce((a, b) => a | b, 0);

const P = PermissionFlagsBits;
export const ALL_PERMISSIONS = Object.values(PermissionFlagsBits).reduce((a, b) => a | b, 0n);
export const DEFAULT_EVERYONE_PERMISSIONS =
  P.ViewChannel |
  P.CreateInstantInvite |
  P.ChangeNickname |
  P.SendMessages |
  P.SendMessagesInThreads |
  P.CreatePublicThreads |
  P.CreatePrivateThreads |
  P.EmbedLinks |
  P.AttachFiles |
  P.AddReactions |
  P.UseExternalEmojis |
  P.UseExternalStickers |
  P.ReadMessageHistory |
  P.UseApplicationCommands |
  P.Connect |
  P.Speak |
  P.Stream |
  P.UseVAD |
  P.RequestToSpeak |
  P.UseEmbeddedActivities |
  P.SendVoiceMessages |
  P.SendPolls |
  P.UseExternalApps;
export const DM_PERMISSIONS =
  P.ViewChannel |
  P.SendMessages |
  P.SendTTSMessages |
  P.EmbedLinks |
  P.AttachFiles |
  P.ReadMessageHistory |
  P.MentionEveryone |
  P.AddReactions |
  P.UseExternalEmojis |
  P.UseExternalStickers |
  P.UseApplicationCommands |
  P.SendVoiceMessages |
  P.SendPolls |
  P.UseExternalApps;

const THREAD_TYPES = new Set<ChannelType>([
  ChannelType.PublicThread,
  ChannelType.PrivateThread,
  ChannelType.AnnouncementThread,
]);
const TEXT_TYPES = new Set<ChannelType>([
  ChannelType.GuildText,
  ChannelType.GuildAnnouncement,
  ChannelType.GuildVoice,
  ChannelType.GuildStageVoice,
  ChannelType.DM,
  ChannelType.GroupDM,
  ...THREAD_TYPES,
]);

export function isThreadType(type: ChannelType): boolean {
  return THREAD_TYPES.has(type);
}
export function isTextType(type: ChannelType): boolean {
  return TEXT_TYPES.has(type);
}

/** Discord style ISO timestamp: 2024-01-01T00:00:00.000000+00:00 */
export function discordTimestamp(ms = Date.now()): string {
  return new Date(ms).toISOString().replace('Z', '000+00:00');
}

export function toPermString(v: string | bigint | undefined, fallback: bigint): string {
  if (v === undefined) return fallback.toString();
  return typeof v === 'bigint' ? v.toString() : BigInt(v).toString();
}

export class SnowflakeGenerator {
  private last = 0n;
  next(): string {
    const candidate = ((BigInt(Date.now()) - DISCORD_EPOCH) << 22n) | (1n << 17n) | (1n << 12n);
    this.last = candidate > this.last ? candidate : this.last + 1n;
    return this.last.toString();
  }
}

// ---------------------------------------------------------------------------------------------
// Internal state records
// ---------------------------------------------------------------------------------------------

export interface MemberState {
  user: APIUser;
  roles: string[];
  nick: string | null;
  joinedAt: string;
}

export interface GuildState {
  id: string;
  name: string;
  ownerId: string;
  roles: APIRole[];
  channelIds: string[];
  members: Map<string, MemberState>;
  preferredLocale: string;
  features: string[];
  joinedAt: string;
}

export interface ChannelState {
  id: string;
  type: ChannelType;
  name: string | null;
  guildId: string | null;
  parentId: string | null;
  position: number;
  topic: string | null;
  nsfw: boolean;
  overwrites: APIOverwrite[];
  rateLimitPerUser: number;
  lastMessageId: string | null;
  /** DM channels */
  recipients?: APIUser[];
  /** thread channels */
  thread?: {
    ownerId: string;
    archived: boolean;
    locked: boolean;
    autoArchiveDuration: number;
    createdAt: string;
    messageCount: number;
  };
}

export interface AllowedMentions {
  parse?: string[];
  users?: string[];
  roles?: string[];
  replied_user?: boolean;
}

export interface MessageInput {
  channel: ChannelState;
  author: APIUser;
  content?: string;
  embeds?: APIEmbed[];
  components?: unknown[];
  attachments?: APIAttachment[];
  flags?: number;
  tts?: boolean;
  nonce?: string | number;
  poll?: unknown;
  stickerIds?: string[];
  type?: MessageType;
  referenced?: APIMessage;
  allowedMentions?: AllowedMentions;
  webhookId?: string;
  applicationId?: string;
  extra?: Partial<APIMessage>;
  id?: string;
}

/** What a connected gateway session looks like to dispatch builders. */
export interface SessionView {
  intents: number;
  shard: [number, number];
  /** the session's current connection; undefined while it is disconnected (resumable) */
  conn?: unknown;
}

export type DispatchBuilder = (session: SessionView) => unknown;
export type Dispatcher = (t: string, build: DispatchBuilder) => number;

type Waiter<T> = { test: (v: T) => boolean; resolve: (v: T) => void };

// ---------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------

export class FakeState {
  readonly token: string;
  readonly applicationId: string;
  readonly botUser: APIUser;
  readonly defaultUser: APIUser;
  readonly privilegedIntents: number;
  readonly ackDeadlineMs: number;
  readonly tokenLifetimeMs: number;
  readonly globalRateLimit: number;
  readonly heartbeatIntervalMs: number;
  readonly restLatencyMs: number;
  readonly maxGuildsPerShard: number;
  readonly fixedShardRecommendation: number | undefined;
  private readonly clock: () => number;
  clockOffset = 0;

  readonly ids = new SnowflakeGenerator();
  readonly users = new Map<string, APIUser>();
  readonly guilds = new Map<string, GuildState>();
  readonly applicationOwner: NonNullable<FakeDiscordOptions['applicationOwner']>;
  readonly channels = new Map<string, ChannelState>();
  readonly messages = new Map<string, APIMessage[]>();
  readonly dmChannelByUser = new Map<string, string>();
  /** users who turned off DMs from server members: the bot's messages to them fail with 403 50007 */
  readonly closedDms = new Set<string>();
  readonly interactions = new Map<string, FakeInteraction>();
  readonly interactionsByToken = new Map<string, FakeInteraction>();
  globalCommands: APIApplicationCommand[] = [];
  readonly guildCommands = new Map<string, APIApplicationCommand[]>();
  registrations = 0;
  globalRateLimitHits = 0;
  readonly requests: RecordedRequest[] = [];
  private requestWaiters: Waiter<RecordedRequest>[] = [];
  dispatcher: Dispatcher | undefined;
  /** nonce -> message id, for enforce_nonce */
  readonly nonces = new Map<string, string>();
  /** Attachment bytes by URL path (/attachments/...), served over HTTP by FakeRest at `cdnUrl`. */
  readonly attachmentBytes = new Map<string, Uint8Array>();
  /** Served attachments' signed-URL expiry (ms since the epoch), signature and type, by URL path. */
  readonly attachmentMeta = new Map<string, { expiresAt: number; hm: string; contentType: string | undefined }>();
  /** Body bytes the CDN stand-in wrote for each attachment path, summed over downloads (a cut download stops early). */
  readonly attachmentBytesServed = new Map<string, number>();
  /** Set by FakeDiscord once listening, e.g. http://127.0.0.1:PORT */
  cdnUrl = '';

  constructor(options: FakeDiscordOptions = {}) {
    this.token = options.token ?? DEFAULT_TOKEN;
    this.applicationId = options.applicationId ?? DEFAULT_APPLICATION_ID;
    this.privilegedIntents = options.privilegedIntents ?? 0;
    this.ackDeadlineMs = options.ackDeadlineMs ?? 3000;
    this.tokenLifetimeMs = options.tokenLifetimeMs ?? 900_000;
    this.globalRateLimit = options.globalRateLimit ?? 50;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 41_250;
    this.restLatencyMs = options.restLatencyMs ?? 0;
    this.maxGuildsPerShard = options.maxGuildsPerShard ?? 2500;
    this.fixedShardRecommendation = options.recommendedShards;
    this.clock = options.now ?? (() => performance.now());
    this.applicationOwner = options.applicationOwner ?? { userId: DEFAULT_OWNER_ID };
    this.botUser = this.upsertUser({
      id: this.applicationId,
      username: 'FakeBot',
      global_name: null,
      ...options.botUser,
      bot: true,
    });
    this.defaultUser = this.upsertUser(options.defaultUser ?? { id: DEFAULT_USER_ID, username: 'tester', global_name: 'Tester' });
    for (const spec of options.guilds ?? [defaultGuildSpec()]) this.addGuild(spec);
    this.globalCommands = structuredClone(options.commands?.global ?? []);
    for (const [guildId, list] of Object.entries(options.commands?.guilds ?? {})) this.guildCommands.set(guildId, structuredClone(list));
  }

  now(): number {
    return this.clock() + this.clockOffset;
  }

  // ----- users ---------------------------------------------------------------------------------

  upsertUser(spec: FakeUserSpec | APIUser): APIUser {
    const existing = this.users.get(spec.id);
    const user: APIUser = {
      id: spec.id,
      username: spec.username ?? existing?.username ?? `user${spec.id.slice(-4)}`,
      discriminator: '0',
      global_name: spec.global_name !== undefined ? spec.global_name : (existing?.global_name ?? null),
      avatar: spec.avatar !== undefined ? spec.avatar : (existing?.avatar ?? null),
      public_flags: 0 as UserFlags,
      flags: 0 as UserFlags,
      banner: null,
      accent_color: null,
      avatar_decoration_data: null,
      collectibles: null,
      primary_guild: null,
    };
    const bot = spec.bot ?? existing?.bot;
    if (bot) user.bot = true;
    if (existing) {
      Object.assign(existing, user);
      return existing;
    }
    this.users.set(user.id, user);
    return user;
  }

  // ----- guilds / channels ---------------------------------------------------------------------

  /** The bot is added to a server while running: GUILD_CREATE to the sessions that handle it. */
  joinGuild(spec: FakeGuildSpec): GuildState {
    const guild = this.addGuild(spec);
    this.dispatch(GatewayDispatchEvents.GuildCreate, (session) =>
      (session.intents & GatewayIntentBits.Guilds) !== 0 && sessionHandlesGuild(session, guild.id) ? this.guildCreateJSON(guild, session.intents) : null);
    return guild;
  }

  /** The bot left (or was removed from) a server: GUILD_DELETE, and it is gone from every later READY. */
  leaveGuild(guildId: string): void {
    this.guilds.delete(guildId);
    this.dispatch(GatewayDispatchEvents.GuildDelete, (session) =>
      (session.intents & GatewayIntentBits.Guilds) !== 0 && sessionHandlesGuild(session, guildId) ? { id: guildId } : null);
  }

  addGuild(spec: FakeGuildSpec): GuildState {
    const ownerId = spec.ownerId ?? DEFAULT_OWNER_ID;
    const everyone = spec.roles?.find((r) => r.id === spec.id);
    const roles: APIRole[] = [
      roleJSON(
        { name: '@everyone', ...everyone, id: spec.id, position: 0 },
        toPermString(spec.everyonePermissions ?? everyone?.permissions, DEFAULT_EVERYONE_PERMISSIONS),
      ),
    ];
    (spec.roles ?? [])
      .filter((r) => r.id !== spec.id)
      .forEach((r, i) => roles.push(roleJSON({ position: i + 1, ...r }, toPermString(r.permissions, 0n))));
    const guild: GuildState = {
      id: spec.id,
      name: spec.name ?? 'Fake Guild',
      ownerId,
      roles,
      channelIds: [],
      members: new Map(),
      preferredLocale: spec.preferredLocale ?? 'en-US',
      features: spec.features ?? [],
      joinedAt: discordTimestamp(Date.now() - 86_400_000),
    };
    this.guilds.set(guild.id, guild);
    const addMember = (m: FakeMemberSpec) => {
      const user = this.upsertUser(m.user);
      guild.members.set(user.id, {
        user,
        roles: m.roles ?? [],
        nick: m.nick ?? null,
        joinedAt: m.joinedAt ?? discordTimestamp(Date.now() - 3_600_000),
      });
    };
    addMember({ user: this.botUser, roles: spec.botRoles ?? [], nick: spec.botNick ?? null, joinedAt: guild.joinedAt });
    if (!spec.members?.some((m) => m.user.id === ownerId)) addMember({ user: { id: ownerId, username: 'owner' } });
    for (const m of spec.members ?? []) addMember(m);
    (spec.channels ?? []).forEach((c, i) => {
      this.addChannel({
        id: c.id,
        type: c.type ?? ChannelType.GuildText,
        name: c.name ?? `channel-${i}`,
        guildId: guild.id,
        parentId: c.parentId ?? null,
        position: c.position ?? i,
        topic: c.topic ?? null,
        nsfw: c.nsfw ?? false,
        overwrites: (c.permissionOverwrites ?? []).map((o) => ({
          id: o.id,
          type: o.type,
          allow: toPermString(o.allow, 0n),
          deny: toPermString(o.deny, 0n),
        })),
        rateLimitPerUser: c.rateLimitPerUser ?? 0,
        lastMessageId: null,
      });
    });
    for (const t of spec.threads ?? []) {
      this.addThread(guild, {
        id: t.id,
        parentId: t.parentId,
        name: t.name ?? 'thread',
        type: t.type ?? ChannelType.PublicThread,
        ownerId: t.ownerId ?? this.defaultUser.id,
        archived: t.archived ?? false,
        locked: t.locked ?? false,
      });
    }
    return guild;
  }

  addChannel(ch: ChannelState): ChannelState {
    this.channels.set(ch.id, ch);
    if (!this.messages.has(ch.id)) this.messages.set(ch.id, []);
    if (ch.guildId) this.guilds.get(ch.guildId)?.channelIds.push(ch.id);
    return ch;
  }

  addThread(
    guild: GuildState,
    t: { id: string; parentId: string; name: string; type: ChannelType; ownerId: string; archived?: boolean; locked?: boolean; autoArchiveDuration?: number },
  ): ChannelState {
    return this.addChannel({
      id: t.id,
      type: t.type,
      name: t.name,
      guildId: guild.id,
      parentId: t.parentId,
      position: 0,
      topic: null,
      nsfw: false,
      overwrites: [],
      rateLimitPerUser: 0,
      lastMessageId: null,
      thread: {
        ownerId: t.ownerId,
        archived: t.archived ?? false,
        locked: t.locked ?? false,
        autoArchiveDuration: t.autoArchiveDuration ?? 1440,
        createdAt: discordTimestamp(),
        messageCount: 0,
      },
    });
  }

  /** The DM channel between the bot and a user (created on first use). */
  dmChannelFor(user: APIUser): ChannelState {
    const existing = this.dmChannelByUser.get(user.id);
    if (existing) return this.channels.get(existing)!;
    const ch = this.addChannel({
      id: this.ids.next(),
      type: ChannelType.DM,
      name: null,
      guildId: null,
      parentId: null,
      position: 0,
      topic: null,
      nsfw: false,
      overwrites: [],
      rateLimitPerUser: 0,
      lastMessageId: null,
      recipients: [user],
    });
    this.dmChannelByUser.set(user.id, ch.id);
    return ch;
  }

  /** Ensure a user is a member of a guild (auto-joins unknown users). */
  ensureMember(guild: GuildState, user: APIUser, extra?: { roles?: string[]; nick?: string | null }): MemberState {
    let m = guild.members.get(user.id);
    if (!m) {
      m = { user, roles: [], nick: null, joinedAt: discordTimestamp(Date.now() - 3_600_000) };
      guild.members.set(user.id, m);
    }
    if (extra?.roles) m.roles = extra.roles;
    if (extra?.nick !== undefined) m.nick = extra.nick;
    return m;
  }

  firstTextChannel(guild: GuildState): ChannelState | undefined {
    return guild.channelIds.map((id) => this.channels.get(id)!).find((c) => c.type === ChannelType.GuildText);
  }

  // ----- permissions ---------------------------------------------------------------------------

  basePermissions(guild: GuildState, userId: string): bigint {
    if (guild.ownerId === userId) return ALL_PERMISSIONS;
    const member = guild.members.get(userId);
    let perms = BigInt(guild.roles[0]!.permissions);
    for (const roleId of member?.roles ?? []) {
      const role = guild.roles.find((r) => r.id === roleId);
      if (role) perms |= BigInt(role.permissions);
    }
    return perms & P.Administrator ? ALL_PERMISSIONS : perms;
  }

  /** Computed permissions of a user in a channel (guild base permissions when channel omitted). */
  permissionsIn(channel: ChannelState | undefined, userId: string, guildId?: string): bigint {
    if (channel && !channel.guildId) return DM_PERMISSIONS;
    const guild = this.guilds.get(channel?.guildId ?? guildId ?? '');
    if (!guild) return 0n;
    let perms = this.basePermissions(guild, userId);
    if (!channel || perms & P.Administrator) return perms;
    const source = channel.thread && channel.parentId ? (this.channels.get(channel.parentId) ?? channel) : channel;
    const member = guild.members.get(userId);
    const apply = (o: APIOverwrite | undefined) => {
      if (!o) return;
      perms &= ~BigInt(o.deny);
      perms |= BigInt(o.allow);
    };
    apply(source.overwrites.find((o) => o.id === guild.id));
    let allow = 0n;
    let deny = 0n;
    for (const o of source.overwrites) {
      if (o.type === OverwriteType.Role && o.id !== guild.id && member?.roles.includes(o.id)) {
        allow |= BigInt(o.allow);
        deny |= BigInt(o.deny);
      }
    }
    perms &= ~deny;
    perms |= allow;
    apply(source.overwrites.find((o) => o.type === OverwriteType.Member && o.id === userId));
    if (!(perms & P.ViewChannel)) return 0n;
    if (!(perms & P.SendMessages) && !channel.thread) {
      perms &= ~(P.MentionEveryone | P.SendTTSMessages | P.AttachFiles | P.EmbedLinks);
    }
    return perms;
  }

  // ----- JSON builders -------------------------------------------------------------------------

  memberJSON(guild: GuildState, m: MemberState): APIGuildMember {
    return {
      user: m.user,
      nick: m.nick,
      avatar: null,
      banner: null,
      roles: m.roles,
      joined_at: m.joinedAt,
      premium_since: null,
      deaf: false,
      mute: false,
      flags: 0 as GuildMemberFlags,
      pending: false,
      communication_disabled_until: null,
    };
  }

  channelJSON(ch: ChannelState, opts: { withGuildId?: boolean } = {}): APIChannel {
    const withGuildId = opts.withGuildId ?? true;
    if (!ch.guildId) {
      return {
        id: ch.id,
        type: ch.type,
        last_message_id: ch.lastMessageId,
        flags: 0,
        recipients: ch.recipients ?? [],
      } as unknown as APIChannel;
    }
    const base: Record<string, unknown> = {
      id: ch.id,
      type: ch.type,
      ...(withGuildId || ch.thread ? { guild_id: ch.guildId } : {}),
      name: ch.name,
      parent_id: ch.parentId,
      last_message_id: ch.lastMessageId,
      rate_limit_per_user: ch.rateLimitPerUser,
      flags: 0,
    };
    if (ch.thread) {
      const parent = ch.parentId ? this.channels.get(ch.parentId) : undefined;
      Object.assign(base, {
        owner_id: ch.thread.ownerId,
        nsfw: parent?.nsfw ?? false,
        message_count: ch.thread.messageCount,
        member_count: 1,
        total_message_sent: ch.thread.messageCount,
        ...(parent?.type === ChannelType.GuildForum || parent?.type === ChannelType.GuildMedia ? { applied_tags: [] } : {}),
        thread_metadata: {
          archived: ch.thread.archived,
          auto_archive_duration: ch.thread.autoArchiveDuration,
          archive_timestamp: ch.thread.createdAt,
          locked: ch.thread.locked,
          create_timestamp: ch.thread.createdAt,
          ...(ch.type === ChannelType.PrivateThread ? { invitable: true } : {}),
        },
      });
      return base as unknown as APIChannel;
    }
    Object.assign(base, {
      position: ch.position,
      permission_overwrites: ch.overwrites,
      topic: ch.topic,
      nsfw: ch.nsfw,
      last_pin_timestamp: null,
      default_auto_archive_duration: 1440,
    });
    if (ch.type === ChannelType.GuildVoice || ch.type === ChannelType.GuildStageVoice) {
      Object.assign(base, { bitrate: 64000, user_limit: 0, rtc_region: null, video_quality_mode: 1 });
    }
    if (ch.type === ChannelType.GuildForum || ch.type === ChannelType.GuildMedia) {
      Object.assign(base, {
        available_tags: [], default_reaction_emoji: null, default_sort_order: null, default_thread_rate_limit_per_user: 0,
        ...(ch.type === ChannelType.GuildForum ? { default_forum_layout: 0 } : {}),
      });
    }
    return base as unknown as APIChannel;
  }

  /** A moderator archives, locks or reopens a thread: THREAD_UPDATE (the whole thread) to sessions with the Guilds intent. */
  setThreadState(ch: ChannelState, patch: { archived?: boolean; locked?: boolean }): void {
    if (!ch.thread || !ch.guildId) throw new Error(`FakeState.setThreadState: ${ch.id} is not a thread`);
    Object.assign(ch.thread, patch);
    const guildId = ch.guildId;
    this.dispatch(GatewayDispatchEvents.ThreadUpdate, (sess) =>
      sess.intents & GatewayIntentBits.Guilds && sessionHandlesGuild(sess, guildId) ? this.channelJSON(ch) : null);
  }

  /** A thread is deleted with its messages: later calls on it get 404 Unknown Channel; THREAD_DELETE as Discord sends it. */
  deleteThread(ch: ChannelState): void {
    if (!ch.thread || !ch.guildId) throw new Error(`FakeState.deleteThread: ${ch.id} is not a thread`);
    this.channels.delete(ch.id);
    this.messages.delete(ch.id);
    const guild = this.guilds.get(ch.guildId);
    if (guild) guild.channelIds = guild.channelIds.filter((id) => id !== ch.id);
    const guildId = ch.guildId;
    this.dispatch(GatewayDispatchEvents.ThreadDelete, (sess) =>
      sess.intents & GatewayIntentBits.Guilds && sessionHandlesGuild(sess, guildId) ? { id: ch.id, guild_id: guildId, parent_id: ch.parentId, type: ch.type } : null);
  }

  guildJSON(guild: GuildState): Record<string, unknown> {
    return {
      id: guild.id,
      name: guild.name,
      icon: null,
      icon_hash: null,
      splash: null,
      discovery_splash: null,
      banner: null,
      description: null,
      owner_id: guild.ownerId,
      region: 'deprecated',
      afk_channel_id: null,
      afk_timeout: 300,
      widget_enabled: false,
      widget_channel_id: null,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      roles: guild.roles,
      emojis: [],
      stickers: [],
      features: guild.features,
      mfa_level: 0,
      application_id: null,
      system_channel_id: null,
      system_channel_flags: 0,
      rules_channel_id: null,
      public_updates_channel_id: null,
      safety_alerts_channel_id: null,
      max_presences: null,
      max_members: 500000,
      max_video_channel_users: 25,
      max_stage_video_channel_users: 50,
      vanity_url_code: null,
      premium_tier: 0,
      premium_subscription_count: 0,
      premium_progress_bar_enabled: false,
      preferred_locale: guild.preferredLocale,
      nsfw_level: 0,
      nsfw: false,
      hub_type: null,
      incidents_data: null,
    };
  }

  /**
   * GUILD_CREATE payload. Like real Discord, `members` only holds the bot's own member unless the
   * session has the GuildPresences intent (then all members are included), and presences are empty.
   */
  guildCreateJSON(guild: GuildState, intents: number): GatewayGuildCreateDispatchData {
    const members = [...guild.members.values()].filter(
      (m) => m.user.id === this.botUser.id || (intents & GatewayIntentBits.GuildPresences) !== 0,
    );
    const all = guild.channelIds.map((id) => this.channels.get(id)!);
    const botCanSee = (c: ChannelState) => (this.permissionsIn(c, this.botUser.id) & P.ViewChannel) !== 0n;
    return {
      ...this.guildJSON(guild),
      joined_at: guild.joinedAt,
      large: false,
      unavailable: false,
      lazy: true,
      member_count: guild.members.size,
      voice_states: [],
      members: members.map((m) => this.memberJSON(guild, m)),
      channels: all.filter((c) => !c.thread).map((c) => this.channelJSON(c, { withGuildId: false })),
      threads: all
        .filter((c) => c.thread && !c.thread.archived && botCanSee(c))
        .map((c) => this.channelJSON(c)),
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
      embedded_activities: [],
      activity_instances: [],
      version: Date.now(),
    } as unknown as GatewayGuildCreateDispatchData;
  }

  // ----- messages ------------------------------------------------------------------------------

  makeAttachment(
    channelId: string,
    file: { filename: string; size: number; contentType?: string; description?: string; title?: string; data?: Uint8Array; durationSecs?: number; width?: number; height?: number; expiresInSecs?: number },
    ephemeral = false,
  ): APIAttachment {
    const id = this.ids.next();
    const filename = file.filename.replace(/\s+/g, '_');
    const path = `/attachments/${channelId}/${id}/${encodeURIComponent(filename)}`;
    // Attachments given bytes are served by this fake (see attachmentBytes); others keep Discord's CDN URL.
    if (file.data) this.attachmentBytes.set(path, file.data);
    // Signed CDN URLs: ?ex=<expiry>&is=<issued>&hm=<signature>& (hex Unix seconds), as Discord sends them.
    const issued = Math.floor(Date.now() / 1000);
    const expires = issued + (file.expiresInSecs ?? 24 * 3600);
    const hm = createHash('sha256').update(`${path}:${expires}`).digest('hex');
    const signed = `${path}?ex=${expires.toString(16)}&is=${issued.toString(16)}&hm=${hm}&`;
    const contentType = inferContentType(filename, file.contentType);
    if (file.data) this.attachmentMeta.set(path, { expiresAt: expires * 1000, hm, contentType });
    const att: APIAttachment = {
      id,
      filename,
      size: file.size,
      url: file.data ? `${this.cdnUrl}${signed}` : `https://cdn.discordapp.com${signed}`,
      proxy_url: file.data ? `${this.cdnUrl}${signed}` : `https://media.discordapp.net${signed}`,
      content_type: contentType,
    };
    if (file.durationSecs !== undefined) {
      att.duration_secs = file.durationSecs;
      att.waveform = Buffer.alloc(32, 128).toString('base64');
    }
    if (file.description !== undefined) att.description = file.description;
    if (file.title !== undefined) att.title = file.title;
    if (file.width !== undefined && file.height !== undefined) Object.assign(att, { width: file.width, height: file.height });
    if (ephemeral) att.ephemeral = true;
    return att;
  }

  computeMentions(
    content: string,
    channel: ChannelState,
    author: APIUser,
    allowed: AllowedMentions | undefined,
    referenced: APIMessage | undefined,
  ): Pick<APIMessage, 'mentions' | 'mention_roles' | 'mention_everyone'> {
    const guild = channel.guildId ? this.guilds.get(channel.guildId) : undefined;
    const parse = allowed ? (allowed.parse ?? []) : ['users', 'roles', 'everyone'];
    const mentions: APIUser[] = [];
    const addUser = (id: string) => {
      const u = this.users.get(id);
      if (u && !mentions.some((m) => m.id === id)) mentions.push(u);
    };
    for (const match of content.matchAll(/<@!?(\d{17,20})>/g)) {
      const id = match[1]!;
      if (parse.includes('users') || allowed?.users?.includes(id)) addUser(id);
    }
    if (referenced && (allowed ? allowed.replied_user === true : true)) addUser(referenced.author.id);
    const mention_roles: string[] = [];
    if (guild) {
      for (const match of content.matchAll(/<@&(\d{17,20})>/g)) {
        const id = match[1]!;
        const role = guild.roles.find((r) => r.id === id);
        if (role && (parse.includes('roles') || allowed?.roles?.includes(id)) && !mention_roles.includes(id)) {
          mention_roles.push(id);
        }
      }
    }
    const mention_everyone =
      /@(everyone|here)\b/.test(content) &&
      parse.includes('everyone') &&
      (this.permissionsIn(channel, author.id) & P.MentionEveryone) !== 0n;
    return { mentions, mention_roles, mention_everyone };
  }

  buildMessage(input: MessageInput): APIMessage {
    const ch = input.channel;
    const content = input.content ?? '';
    const msg: APIMessage = {
      id: input.id ?? this.ids.next(),
      channel_id: ch.id,
      author: input.author,
      content,
      timestamp: discordTimestamp(),
      edited_timestamp: null,
      tts: input.tts ?? false,
      ...this.computeMentions(content, ch, input.author, input.allowedMentions, input.referenced),
      attachments: input.attachments ?? [],
      embeds: input.embeds ?? [],
      pinned: false,
      type: input.type ?? (input.referenced ? MessageType.Reply : MessageType.Default),
      flags: input.flags ?? 0,
      components: (input.components ?? []) as APIMessage['components'],
    };
    if (input.nonce !== undefined) msg.nonce = input.nonce;
    // A webhook's message comes from a user object of the webhook's own, flagged a bot (discriminator 0000), as Discord sends it.
    if (input.webhookId) [msg.webhook_id, msg.author] = [input.webhookId, { ...input.author, discriminator: '0000', bot: true }];
    if (input.applicationId) msg.application_id = input.applicationId;
    if (input.poll) msg.poll = input.poll as APIMessage['poll'];
    if (input.stickerIds?.length) {
      msg.sticker_items = input.stickerIds.map((id) => ({ id, name: 'sticker', format_type: 1 }));
    }
    if (input.referenced) {
      msg.message_reference = {
        type: 0,
        message_id: input.referenced.id,
        channel_id: input.referenced.channel_id,
        ...(ch.guildId ? { guild_id: ch.guildId } : {}),
      };
      msg.referenced_message = input.referenced;
    }
    if (input.extra) Object.assign(msg, input.extra);
    return msg;
  }

  findMessage(channelId: string, messageId: string): APIMessage | undefined {
    return this.messages.get(channelId)?.find((m) => m.id === messageId);
  }

  /** An ephemeral interaction message (never stored in its channel) and the one user who can see it. */
  findEphemeral(channelId: string, messageId: string): { message: APIMessage; userId: string } | undefined {
    for (const ia of this.interactions.values()) {
      if (ia.channelId !== channelId) continue;
      const message = [ia.original(), ...ia.followUps].find((m) => m?.id === messageId && ((m.flags ?? 0) & MessageFlags.Ephemeral) !== 0);
      if (message) return { message, userId: ia.user.id };
    }
    return undefined;
  }

  /** Store a message in its channel and dispatch MESSAGE_CREATE (subject to intents). */
  storeMessage(msg: APIMessage, dispatch = true): APIMessage {
    const list = this.messages.get(msg.channel_id) ?? [];
    list.push(msg);
    this.messages.set(msg.channel_id, list);
    const ch = this.channels.get(msg.channel_id);
    if (ch) {
      ch.lastMessageId = msg.id;
      if (ch.thread) ch.thread.messageCount++;
    }
    if (dispatch) this.dispatchMessage(GatewayDispatchEvents.MessageCreate, msg);
    return msg;
  }

  /** True when real Discord would blank content/embeds/attachments/components for apps without MessageContent. */
  isContentRestricted(msg: APIMessage): boolean {
    const ch = this.channels.get(msg.channel_id);
    if (!ch?.guildId) return false;
    if (msg.author.id === this.botUser.id) return false;
    if (msg.webhook_id === this.applicationId) return false;
    return !msg.mentions.some((u) => u.id === this.botUser.id);
  }

  redact(msg: APIMessage): APIMessage {
    const copy: APIMessage = { ...msg, content: '', embeds: [], attachments: [], components: [] };
    delete copy.poll;
    return copy;
  }

  /** REST view of a message: redacted when the application is not approved for MessageContent. */
  restMessage(msg: APIMessage): APIMessage {
    if ((this.privilegedIntents & GatewayIntentBits.MessageContent) === 0 && this.isContentRestricted(msg)) {
      return this.redact(msg);
    }
    return msg;
  }

  private gatewayMessage(msg: APIMessage, ch: ChannelState): Record<string, unknown> {
    const guild = ch.guildId ? this.guilds.get(ch.guildId) : undefined;
    if (!guild) return { ...msg, channel_type: ch.type };
    const partialMember = (id: string) => {
      const m = guild.members.get(id);
      if (!m) return undefined;
      const { user: _user, ...rest } = this.memberJSON(guild, m);
      return rest;
    };
    return {
      ...msg,
      channel_type: ch.type,
      guild_id: guild.id,
      ...(msg.webhook_id ? {} : { member: partialMember(msg.author.id) }),
      mentions: msg.mentions.map((u) => {
        const member = partialMember(u.id);
        return member ? { ...u, member } : u;
      }),
    };
  }

  dispatchMessage(t: GatewayDispatchEvents.MessageCreate | GatewayDispatchEvents.MessageUpdate, msg: APIMessage): void {
    const ch = this.channels.get(msg.channel_id);
    if (!ch) return;
    if (msg.flags && msg.flags & MessageFlags.Ephemeral) return;
    const needed = ch.guildId ? GatewayIntentBits.GuildMessages : GatewayIntentBits.DirectMessages;
    if (ch.guildId && (this.permissionsIn(ch, this.botUser.id) & P.ViewChannel) === 0n) return;
    const payload = this.gatewayMessage(msg, ch);
    const redacted = this.isContentRestricted(msg) ? this.gatewayMessage(this.redact(msg), ch) : payload;
    this.dispatch(t, (s) => {
      if ((s.intents & needed) === 0) return null;
      if (ch.guildId && !sessionHandlesGuild(s, ch.guildId)) return null;
      return (s.intents & GatewayIntentBits.MessageContent) !== 0 ? payload : redacted;
    });
  }

  dispatchMessageDelete(msg: APIMessage): void {
    const ch = this.channels.get(msg.channel_id);
    if (!ch || (msg.flags ?? 0) & MessageFlags.Ephemeral) return;
    const needed = ch.guildId ? GatewayIntentBits.GuildMessages : GatewayIntentBits.DirectMessages;
    this.dispatch(GatewayDispatchEvents.MessageDelete, (s) =>
      (s.intents & needed) === 0
        ? null
        : { id: msg.id, channel_id: msg.channel_id, ...(ch.guildId ? { guild_id: ch.guildId } : {}) },
    );
  }

  removeMessage(msg: APIMessage): void {
    const list = this.messages.get(msg.channel_id);
    const i = list?.indexOf(msg) ?? -1;
    if (list && i >= 0) list.splice(i, 1);
  }

  dispatch(t: string, build: DispatchBuilder): number {
    return this.dispatcher ? this.dispatcher(t, build) : 0;
  }

  // ----- requests ------------------------------------------------------------------------------

  recordRequest(r: RecordedRequest): void {
    this.requests.push(r);
  }

  /** Called once the response for a recorded request is decided. */
  requestAnswered(r: RecordedRequest): void {
    this.requestWaiters = this.requestWaiters.filter((w) => {
      if (!w.test(r)) return true;
      w.resolve(r);
      return false;
    });
  }

  waitForRequest(test: (r: RecordedRequest) => boolean, timeoutMs: number): Promise<RecordedRequest> {
    const found = this.requests.find((r) => r.status !== undefined && test(r));
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.requestWaiters = this.requestWaiters.filter((w) => w !== waiter);
        reject(new Error(`FakeDiscord.waitForRequest: no matching request within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter: Waiter<RecordedRequest> = {
        test,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
      };
      this.requestWaiters.push(waiter);
    });
  }
}

export function recommendedShards(state: FakeState): number {
  return state.fixedShardRecommendation ?? Math.max(1, Math.ceil(state.guilds.size / GUILDS_PER_RECOMMENDED_SHARD));
}

export function sessionHandlesGuild(s: SessionView, guildId: string): boolean {
  const [id, count] = s.shard;
  return count <= 1 || Number((BigInt(guildId) >> 22n) % BigInt(count)) === id;
}

function roleJSON(r: FakeRoleSpec & { position: number }, permissions: string): APIRole {
  return {
    id: r.id,
    name: r.name ?? 'role',
    color: r.color ?? 0,
    colors: { primary_color: r.color ?? 0, secondary_color: null, tertiary_color: null },
    hoist: r.hoist ?? false,
    icon: null,
    unicode_emoji: null,
    position: r.position,
    permissions,
    managed: r.managed ?? false,
    mentionable: r.mentionable ?? false,
    flags: 0 as RoleFlags,
  };
}

const CONTENT_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  txt: 'text/plain; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  pdf: 'application/pdf',
  mp3: 'audio/mpeg',
  ogg: 'audio/ogg',
  mp4: 'video/mp4',
  zip: 'application/zip',
};

export function inferContentType(filename: string, given?: string): string | undefined {
  if (given && given !== 'application/octet-stream') return given;
  const ext = filename.split('.').pop()?.toLowerCase() ?? '';
  return CONTENT_TYPES[ext] ?? given;
}

export function defaultGuildSpec(): FakeGuildSpec {
  return {
    id: DEFAULT_GUILD_ID,
    name: 'Fake Guild',
    channels: [{ id: DEFAULT_CHANNEL_ID, name: 'general' }],
    threads: [{ id: DEFAULT_THREAD_ID, parentId: DEFAULT_CHANNEL_ID, name: 'test-thread' }],
    members: [{ user: { id: DEFAULT_USER_ID, username: 'tester', global_name: 'Tester' } }],
  };
}
