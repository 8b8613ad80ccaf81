/**
 * A fake Discord server (REST API v10 + JSON gateway) on 127.0.0.1 that the real discord.js
 * client can log in to. Start it with `FakeDiscord.start(options)` and create the client with
 * `rest: { api: fake.restUrl }`.
 *
 *   const fake = await FakeDiscord.start();
 *   const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.restUrl } });
 *   await client.login(fake.token);
 *   await fake.waitForReady();
 *   const ia = fake.sendInteraction({ commandName: 'ask', guildId: DEFAULT_GUILD_ID, options: { prompt: 'hi' } });
 *   await ia.waitFor((i) => i.originalEdits.length > 0);
 *
 * Split over: fakeDiscordState.ts (state + payload builders), fakeDiscordRest.ts (HTTP routes),
 * fakeDiscordGateway.ts (WebSocket), fakeDiscordSchema.ts (validation),
 * fakeDiscordInteraction.ts (interaction handle).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import {
  ApplicationCommandOptionType as OptType,
  ApplicationCommandType,
  ChannelType,
  PermissionFlagsBits,
  ComponentType,
  GatewayDispatchEvents,
  GatewayIntentBits,
  InteractionContextType,
  InteractionType,
  MessageType,
  type APIApplicationCommand,
  type APIApplicationCommandInteractionDataOption,
  type APIApplicationCommandOption,
  type APIChannel,
  type APIEmbed,
  type APIInteraction,
  type APIInteractionDataResolved,
  type APIMessage,
  type APIUser,
  type GatewayIdentifyData,
  type RESTPostAPIApplicationCommandsJSONBody,
} from 'discord-api-types/v10';
import { FakeGateway, type DispatchRecord, type GatewayCloseRecord } from './fakeDiscordGateway.ts';
import { FakeInteraction } from './fakeDiscordInteraction.ts';
import { FakeRest } from './fakeDiscordRest.ts';
import type { CdnFault, RestDelay, RestFault } from './fakeDiscordFaults.ts';
import {
  FakeState,
  MAX_UPLOAD_BYTES,
  sessionHandlesGuild,
  type ChannelState,
  type FakeDiscordOptions,
  type FakeGuildSpec,
  type FakeOverwriteSpec,
  type FakeUserSpec,
  type GuildState,
  type KeptCommands,
  type RecordedRequest,
} from './fakeDiscordState.ts';

export { FakeInteraction } from './fakeDiscordInteraction.ts';
export type { FakeCallbackRecord, FakeEditRecord } from './fakeDiscordInteraction.ts';
export type { DispatchRecord, GatewayCloseRecord } from './fakeDiscordGateway.ts';
export {
  ALL_PERMISSIONS,
  DEFAULT_APPLICATION_ID,
  DEFAULT_CHANNEL_ID,
  DEFAULT_EVERYONE_PERMISSIONS,
  DEFAULT_GUILD_ID,
  DEFAULT_OWNER_ID,
  DEFAULT_THREAD_ID,
  DEFAULT_TOKEN,
  DEFAULT_USER_ID,
  PRIVILEGED_INTENTS,
} from './fakeDiscordState.ts';
export type {
  FakeChannelSpec,
  FakeDiscordOptions,
  FakeGuildSpec,
  FakeMemberSpec,
  FakeOverwriteSpec,
  FakeRoleSpec,
  FakeThreadSpec,
  FakeUserSpec,
  KeptCommands,
  MultipartBody,
  RecordedRequest,
  UploadedFile,
} from './fakeDiscordState.ts';

type Resolved = APIInteractionDataResolved & { messages?: Record<string, APIMessage> };

export interface FakeAttachmentSpec {
  filename: string;
  /** declared size; default: the length of `data`, else 1024 */
  size?: number;
  contentType?: string;
  /** bytes served at the attachment's URL by this fake (without them the URL is Discord's CDN, not served) */
  data?: Uint8Array;
  /** voice messages: `duration_secs` (a waveform is added too) */
  durationSecs?: number;
  /** seconds until the signed CDN URL expires (its `ex`); default 24 h, as Discord signs them */
  expiresInSecs?: number;
}

const attachmentFile = (a: FakeAttachmentSpec) => ({
  filename: a.filename, size: a.size ?? a.data?.length ?? 1024, contentType: a.contentType, data: a.data, durationSecs: a.durationSecs,
  expiresInSecs: a.expiresInSecs,
});

export type FakeOptionValue = string | number | boolean | FakeAttachmentSpec;

export interface FakeInteractionSpec {
  /** default 'chatInput' */
  kind?: 'chatInput' | 'autocomplete' | 'messageContextMenu' | 'userContextMenu' | 'button' | 'modalSubmit';
  /** command name (command kinds) */
  commandName?: string;
  /** default: id of the registered command with that name (guild first, then global); one must be registered */
  commandId?: string;
  /**
   * Wire-shape options, or a record `{ name: value }` converted using the registered command's
   * option types (an option it doesn't define is inferred: string→3, integer→4, other number→10, boolean→5,
   * {filename} → attachment). User/channel/role/attachment values get `resolved` data.
   */
  options?: APIApplicationCommandInteractionDataOption[] | Record<string, FakeOptionValue>;
  /** wrap record options in this subcommand (and group) */
  subcommand?: string;
  subcommandGroup?: string;
  /** autocomplete: name of the focused option (record form) */
  focused?: string;
  /** message context menu: id of a stored message in the channel, or a message spec to create (not dispatched) */
  targetMessage?: string | FakeMessageSpec;
  /** user context menu target (default: the invoking user) */
  targetUserId?: string;
  /** button / modal submit custom_id */
  customId?: string;
  /** button: id of the (bot) message carrying the component, in the interaction channel */
  messageId?: string;
  /** modal submit: text input values by custom_id */
  fields?: Record<string, string>;
  /** invoking user: omitted = default user; with id = that user; username only = that user by name (created if new) */
  user?: Partial<FakeUserSpec>;
  /** guild member roles/nick for the invoker (guild interactions) */
  member?: { roles?: string[]; nick?: string | null };
  /** omit (and give no guild channelId) for a DM interaction */
  guildId?: string;
  /** default: first text channel of the guild, or the user's DM channel */
  channelId?: string;
  /** extra fields merged into the interaction's `channel` object */
  channel?: Partial<APIChannel>;
  /** default 'en-US' */
  locale?: string;
  /** default: guild preferred locale */
  guildLocale?: string;
  /** default: bot's computed permissions in the channel */
  appPermissions?: string;
  /** default: invoker's computed permissions in the channel */
  permissions?: string;
  entitlements?: unknown[];
  authorizingIntegrationOwners?: Record<string, string>;
  /** InteractionContextType; default 0 in guilds, 1 (BotDM) in DMs */
  context?: number;
  /** merged into data.resolved */
  resolved?: APIInteractionDataResolved;
}

export interface FakeMessageSpec {
  content?: string;
  /** default: first text channel of guildId (or of the first guild) */
  channelId?: string;
  guildId?: string;
  /** a DM from the author to the bot */
  dm?: boolean;
  /** omitted = default user; with id = that user; username only = that user by name (created if new) */
  author?: Partial<FakeUserSpec>;
  member?: { roles?: string[]; nick?: string | null };
  embeds?: APIEmbed[];
  attachments?: FakeAttachmentSpec[];
  components?: unknown[];
  flags?: number;
  tts?: boolean;
  /** id of a message in the same channel this message replies to */
  replyTo?: string;
  /** ping the replied-to author (default true) */
  mentionRepliedUser?: boolean;
  type?: MessageType;
  id?: string;
  /** posted by this webhook (the author is the webhook's own user; no member is attached) */
  webhookId?: string;
}

export class FakeDiscord {
  readonly state: FakeState;
  readonly rest: FakeRest;
  readonly gateway: FakeGateway;
  /** e.g. http://127.0.0.1:PORT/api — pass as discord.js `rest: { api }` */
  restUrl = '';
  /** e.g. ws://127.0.0.1:PORT */
  gatewayUrl = '';
  port = 0;
  /** TCP connections opened to it so far (REST and gateway): how many a burst made the client open. */
  connections = 0;
  private readonly server: Server;

  private constructor(options: FakeDiscordOptions) {
    this.state = new FakeState(options);
    this.rest = new FakeRest(this.state);
    this.gateway = new FakeGateway(this.state);
    this.server = createServer(this.rest.handle);
    this.server.on('upgrade', this.gateway.handleUpgrade);
    this.server.on('connection', () => { this.connections++; });
  }

  static async start(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
    const fake = new FakeDiscord(options);
    await new Promise<void>((resolve, reject) => {
      fake.server.once('error', reject);
      fake.server.listen(0, '127.0.0.1', () => resolve());
    });
    fake.port = (fake.server.address() as AddressInfo).port;
    fake.restUrl = `http://127.0.0.1:${fake.port}/api`;
    fake.gatewayUrl = `ws://127.0.0.1:${fake.port}`;
    fake.state.cdnUrl = `http://127.0.0.1:${fake.port}`;
    fake.rest.gatewayUrl = fake.gatewayUrl;
    fake.gateway.url = fake.gatewayUrl;
    return fake;
  }

  // ----- read-only views -----------------------------------------------------------------------

  get token(): string {
    return this.state.token;
  }
  get applicationId(): string {
    return this.state.applicationId;
  }
  get botUser(): APIUser {
    return this.state.botUser;
  }
  get defaultUser(): APIUser {
    return this.state.defaultUser;
  }
  /** every REST request, in arrival order (see RecordedRequest) */
  get requests(): RecordedRequest[] {
    return this.state.requests;
  }
  /** the last IDENTIFY payload received (even if it was rejected) */
  get identify(): GatewayIdentifyData | undefined {
    return this.gateway.identifies.at(-1);
  }
  get identifies(): GatewayIdentifyData[] {
    return this.gateway.identifies;
  }
  /** number of command write calls (PUT/POST/PATCH/DELETE on command routes), including rejected ones */
  get registrations(): number {
    return this.state.registrations;
  }
  /** number of global 429 responses sent */
  get globalRateLimitHits(): number {
    return this.state.globalRateLimitHits;
  }
  /** every gateway dispatch sent (t, s, d, sessionId) */
  get dispatches(): DispatchRecord[] {
    return this.gateway.dispatches;
  }
  /** gateway closes, by the fake ('server', e.g. 4014) or by discord.js ('client') */
  get gatewayCloses(): GatewayCloseRecord[] {
    return this.gateway.closes;
  }
  /** heartbeats (op 1) received */
  get heartbeats(): number {
    return this.gateway.heartbeats;
  }
  /** registered commands: global, or for a guild */
  commands(guildId?: string): APIApplicationCommand[] {
    return guildId === undefined ? this.state.globalCommands : (this.state.guildCommands.get(guildId) ?? []);
  }
  /** every registered command, as Discord keeps them between runs (pass as `commands` to a fake standing in for the same Discord) */
  keptCommands(): KeptCommands {
    return { global: structuredClone(this.state.globalCommands), guilds: Object.fromEntries([...this.state.guildCommands].map(([id, list]) => [id, structuredClone(list)])) };
  }
  /** Registers a command as an earlier run of the application did (a command the bot no longer has, say); validated. */
  keepCommand(body: RESTPostAPIApplicationCommandsJSONBody, guildId?: string): APIApplicationCommand {
    return this.rest.keepCommand(body as unknown as Record<string, unknown>, guildId);
  }
  /** stored (unredacted) messages of a channel, oldest first; ephemeral messages are not stored */
  channelMessages(channelId: string): APIMessage[] {
    return this.state.messages.get(channelId) ?? [];
  }
  interaction(id: string): FakeInteraction | undefined {
    return this.state.interactions.get(id);
  }
  /** the DM channel id between the bot and a user (created on demand) */
  dmChannelId(userId: string = this.state.defaultUser.id): string {
    const user = this.state.users.get(userId) ?? this.state.upsertUser({ id: userId });
    return this.state.dmChannelFor(user).id;
  }

  // ----- control -------------------------------------------------------------------------------

  /**
   * Resolves once a gateway session got READY + its GUILD_CREATEs and discord.js has processed
   * them: after the last GUILD_CREATE the fake sends a heartbeat request (op 1); discord.js
   * answers it only after handling the earlier packets, and we resolve 10 ms after that answer.
   */
  waitForReady(timeoutMs = 5000): Promise<void> {
    return this.gateway.waitForReady(timeoutMs);
  }

  /** First recorded request (already answered, or the next one) matching predicate. */
  waitForRequest(predicate: (r: RecordedRequest) => boolean, timeoutMs = 5000): Promise<RecordedRequest> {
    return this.state.waitForRequest(predicate, timeoutMs);
  }

  clearRequests(): void {
    this.state.requests.length = 0;
  }

  /** Shift the fake clock used for ack deadlines and token expiry. */
  advanceClock(ms: number): void {
    this.state.clockOffset += ms;
  }

  /** Invalidate an interaction token (callback -> 10062, webhooks -> 401 50027). */
  expireInteraction(id: string): void {
    const ia = this.state.interactions.get(id);
    if (!ia) throw new Error(`FakeDiscord.expireInteraction: unknown interaction ${id}`);
    ia.expire();
  }

  /**
   * Replace a guild channel's permission overwrites, as a server admin would, and send CHANNEL_UPDATE
   * (with the new overwrites) to sessions with the Guilds intent, like Discord does.
   */
  setChannelOverwrites(channelId: string, overwrites: FakeOverwriteSpec[]): void {
    const ch = this.state.channels.get(channelId);
    if (!ch?.guildId || ch.thread) throw new Error(`FakeDiscord.setChannelOverwrites: ${channelId} is not a guild channel`);
    ch.overwrites = overwrites.map((o) => ({ id: o.id, type: o.type, allow: String(o.allow ?? 0n), deny: String(o.deny ?? 0n) }));
    const guildId = ch.guildId;
    this.state.dispatch(GatewayDispatchEvents.ChannelUpdate, (sess) =>
      sess.intents & GatewayIntentBits.Guilds && sessionHandlesGuild(sess, guildId) ? this.state.channelJSON(ch) : null,
    );
  }

  /** A moderator deletes a message (an interaction's reply or follow-up too): later edits of it get 404 10008. */
  deleteMessage(channelId: string, messageId: string): void {
    const msg = this.state.findMessage(channelId, messageId);
    if (!msg) throw new Error(`FakeDiscord.deleteMessage: unknown message ${messageId}`);
    for (const ia of this.state.interactions.values()) {
      if (ia.originalMessage?.id === messageId) ia.originalDeleted = true;
      const i = ia.followUps.indexOf(msg);
      if (i >= 0) ia.followUps.splice(i, 1);
    }
    this.state.removeMessage(msg);
    this.state.dispatchMessageDelete(msg);
  }

  /** A moderator archives (and maybe locks) a thread, or reopens it: THREAD_UPDATE; the REST rules follow its state. */
  setThreadState(threadId: string, state: { archived?: boolean; locked?: boolean }): void {
    const ch = this.state.channels.get(threadId);
    if (!ch?.thread) throw new Error(`FakeDiscord.setThreadState: ${threadId} is not a thread`);
    this.state.setThreadState(ch, state);
  }

  /** A moderator deletes a thread: THREAD_DELETE; every later call on it gets 404 10003 Unknown Channel. */
  deleteThread(threadId: string): void {
    const ch = this.state.channels.get(threadId);
    if (!ch?.thread) throw new Error(`FakeDiscord.deleteThread: ${threadId} is not a thread`);
    this.state.deleteThread(ch);
  }

  /**
   * A member opens a post in a forum (or media) channel, as Discord delivers it: THREAD_CREATE for the new
   * thread (owned by the author, named by the title), then MESSAGE_CREATE for its starter message, which
   * has the thread's id. The starter message's text follows the Message Content rules like any other.
   */
  createForumPost(spec: { forumId: string; title: string; content: string; author?: Partial<FakeUserSpec>; id?: string }): { thread: APIChannel; message: APIMessage } {
    const s = this.state;
    const forum = s.channels.get(spec.forumId);
    if (!forum?.guildId || (forum.type !== ChannelType.GuildForum && forum.type !== ChannelType.GuildMedia)) {
      throw new Error(`FakeDiscord.createForumPost: ${spec.forumId} is not a forum or media channel`);
    }
    if (spec.title.length < 1 || spec.title.length > 100) throw new Error('FakeDiscord.createForumPost: a post title has 1 to 100 characters');
    const guild = s.guilds.get(forum.guildId)!;
    const author = this.resolveUser(spec.author);
    s.ensureMember(guild, author);
    const thread = s.addThread(guild, { id: spec.id ?? s.ids.next(), parentId: forum.id, name: spec.title, type: ChannelType.PublicThread, ownerId: author.id });
    const body = s.channelJSON(thread);
    const botCanSee = (s.permissionsIn(thread, s.botUser.id) & PermissionFlagsBits.ViewChannel) !== 0n;
    s.dispatch(GatewayDispatchEvents.ThreadCreate, (sess) =>
      botCanSee && sess.intents & GatewayIntentBits.Guilds && sessionHandlesGuild(sess, guild.id) ? { ...body, newly_created: true } : null);
    const message = this.createMessage({ content: spec.content, author: { id: author.id }, id: thread.id }, true, thread);
    return { thread: s.channelJSON(thread), message };
  }

  /** A user who turned off DMs from server members: the bot's DMs to them fail with 403 50007. */
  closeDms(userId: string): void {
    this.state.closedDms.add(userId);
  }

  /** Send a raw dispatch event to every session; returns how many sessions got it. */
  dispatch(t: string, d: unknown): number {
    return this.state.dispatch(t, () => d);
  }

  /** Someone adds the bot to another server while it runs (GUILD_CREATE). */
  joinGuild(spec: FakeGuildSpec): void {
    this.state.joinGuild(spec);
  }

  /** Close gateway connections with a code (4000 -> discord.js resumes; sessions are replayable). */
  closeGateway(code = 4000): void {
    this.gateway.closeAll(code);
  }

  /** Send op 7 Reconnect to connected clients. */
  requestReconnect(): void {
    this.gateway.requestReconnect();
  }

  /** Send op 9 Invalid Session (d = resumable) to connected clients; a session not resumable is forgotten. */
  invalidateSession(resumable: boolean): void {
    this.gateway.invalidateSessions(resumable);
  }

  /** Resolves at the next READY or RESUMED the client acknowledges (after a fault), not at one already seen. */
  waitForReconnect(timeoutMs = 10_000): Promise<void> {
    return this.gateway.waitForNextReady(timeoutMs);
  }

  /** Answer matching REST requests with a 429 (route or global) or a 5xx, before the route runs. */
  injectRestFault(fault: RestFault): void {
    this.rest.faults.add(fault);
  }

  /** Answer matching REST requests late (their route runs after `delay.ms`), as Discord under load does. */
  slowDown(delay: RestDelay): void {
    this.rest.faults.slow(delay);
  }

  /** Answer matching attachment downloads (the CDN stand-in) with an error status instead of the file. */
  failAttachmentDownloads(fault: CdnFault): void {
    this.rest.faults.cdn(fault);
  }

  /** Requests answered with an injected fault, in order. */
  get restFaultHits(): { request: RecordedRequest; status: number }[] {
    return this.rest.faults.hits;
  }

  async close(): Promise<void> {
    this.gateway.shutdown();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ----- dispatch helpers ----------------------------------------------------------------------

  /** Dispatch MESSAGE_CREATE (subject to intents / MessageContent rules) and store the message. */
  sendMessage(spec: FakeMessageSpec): APIMessage {
    return this.createMessage(spec, true);
  }

  /**
   * No spec -> the default user. With an id -> that user (created/updated). Without an id -> the
   * existing user with that username, else a new user (so `{ username: 'alice' }` is always the same alice).
   */
  private resolveUser(spec?: Partial<FakeUserSpec>): APIUser {
    const s = this.state;
    if (!spec || Object.keys(spec).length === 0) return s.defaultUser;
    if (spec.id) return s.upsertUser({ ...spec, id: spec.id });
    const existing = spec.username ? [...s.users.values()].find((u) => u.username === spec.username) : undefined;
    return s.upsertUser({ ...spec, id: existing?.id ?? s.ids.next() });
  }

  private createMessage(spec: FakeMessageSpec, dispatch: boolean, channel?: ChannelState): APIMessage {
    const s = this.state;
    const author = this.resolveUser(spec.author);
    let ch = channel;
    if (!ch && spec.dm) ch = s.dmChannelFor(author);
    if (!ch && spec.channelId) {
      ch = s.channels.get(spec.channelId);
      if (!ch) throw new Error(`FakeDiscord.sendMessage: unknown channel ${spec.channelId}`);
    }
    if (!ch) {
      const guild = spec.guildId ? s.guilds.get(spec.guildId) : [...s.guilds.values()][0];
      ch = guild ? s.firstTextChannel(guild) : undefined;
      if (!ch) throw new Error('FakeDiscord.sendMessage: no channel (give channelId or dm: true)');
    }
    if (ch.guildId && author.id !== s.botUser.id && !spec.webhookId) s.ensureMember(s.guilds.get(ch.guildId)!, author, spec.member);
    const referenced = spec.replyTo ? s.findMessage(ch.id, spec.replyTo) : undefined;
    if (spec.replyTo && !referenced) throw new Error(`FakeDiscord.sendMessage: unknown replyTo message ${spec.replyTo}`);
    const msg = s.buildMessage({
      id: spec.id,
      channel: ch,
      author,
      content: spec.content ?? '',
      embeds: spec.embeds,
      components: spec.components,
      attachments: (spec.attachments ?? []).map((a) => s.makeAttachment(ch.id, attachmentFile(a))),
      flags: spec.flags,
      tts: spec.tts,
      type: spec.type,
      webhookId: spec.webhookId,
      referenced,
      allowedMentions:
        referenced && spec.mentionRepliedUser === false ? { parse: ['users', 'roles', 'everyone'], replied_user: false } : undefined,
    });
    return s.storeMessage(msg, dispatch);
  }

  /**
   * Dispatch INTERACTION_CREATE and return a handle that records the bot's callback, edits of
   * @original and follow-ups. Throws if no gateway session is connected.
   */
  sendInteraction(spec: FakeInteractionSpec): FakeInteraction {
    const s = this.state;
    const kind = spec.kind ?? 'chatInput';
    const user = this.resolveUser(spec.user);
    let ch: ChannelState | undefined;
    if (spec.channelId) {
      ch = s.channels.get(spec.channelId);
      if (!ch) throw new Error(`FakeDiscord.sendInteraction: unknown channel ${spec.channelId}`);
    }
    const guildId = spec.guildId ?? ch?.guildId ?? undefined;
    let guild: GuildState | undefined;
    if (guildId) {
      guild = s.guilds.get(guildId);
      if (!guild) throw new Error(`FakeDiscord.sendInteraction: unknown guild ${guildId}`);
      ch ??= s.firstTextChannel(guild);
      if (!ch || ch.guildId !== guild.id) throw new Error(`FakeDiscord.sendInteraction: no text channel in guild ${guildId}`);
    }
    ch ??= s.dmChannelFor(user);
    const channel = ch;
    const member = guild ? s.ensureMember(guild, user, spec.member) : undefined;
    const resolved: Resolved = {};
    const commandType =
      kind === 'messageContextMenu'
        ? ApplicationCommandType.Message
        : kind === 'userContextMenu'
          ? ApplicationCommandType.User
          : ApplicationCommandType.ChatInput;
    let type: InteractionType;
    let data: Record<string, unknown>;
    let message: APIMessage | undefined;
    let commandName = spec.commandName ?? '';
    if (kind === 'button' || kind === 'modalSubmit') {
      if (!spec.customId) throw new Error('FakeDiscord.sendInteraction: customId is required for buttons/modals');
      if (kind === 'button') {
        type = InteractionType.MessageComponent;
        message = spec.messageId ? s.findMessage(channel.id, spec.messageId) : undefined;
        // Like Discord: an ephemeral message's buttons can be clicked only by the user it was shown to.
        const ephemeral = spec.messageId && !message ? s.findEphemeral(channel.id, spec.messageId) : undefined;
        if (ephemeral && ephemeral.userId !== user.id) throw new Error('FakeDiscord.sendInteraction: only the user an ephemeral message was shown to can click its buttons');
        message ??= ephemeral?.message;
        if (!message) throw new Error('FakeDiscord.sendInteraction: messageId of a stored (or the user\'s ephemeral) message is required for buttons');
        data = { custom_id: spec.customId, component_type: ComponentType.Button };
      } else {
        type = InteractionType.ModalSubmit;
        data = {
          custom_id: spec.customId,
          components: Object.entries(spec.fields ?? {}).map(([custom_id, value]) => ({
            type: ComponentType.ActionRow,
            components: [{ type: ComponentType.TextInput, custom_id, value }],
          })),
        };
      }
      commandName = spec.customId;
    } else {
      if (!spec.commandName) throw new Error('FakeDiscord.sendInteraction: commandName is required');
      type = kind === 'autocomplete' ? InteractionType.ApplicationCommandAutocomplete : InteractionType.ApplicationCommand;
      const registered = this.findCommand(spec.commandName, commandType, guild?.id, spec.context ?? (guild ? InteractionContextType.Guild : InteractionContextType.BotDM));
      // Discord delivers interactions only for commands the application registered: a test naming another is wrong.
      if (!registered) throw new Error(`FakeDiscord.sendInteraction: no command "${spec.commandName}" (type ${commandType}) is registered${guild ? ` in guild ${guild.id} or globally for servers (a global command whose contexts leave servers out is not offered there)` : ' globally for DMs (guild commands and those whose contexts leave DMs out are not offered there)'}`);
      data = { id: spec.commandId ?? registered?.id ?? s.ids.next(), name: spec.commandName, type: commandType };
      if (registered?.guild_id) data.guild_id = registered.guild_id;
      if (commandType === ApplicationCommandType.ChatInput) {
        const options = this.buildOptions(spec, registered?.options, resolved, guild, channel);
        if (options.length) data.options = options;
      } else if (commandType === ApplicationCommandType.Message) {
        const target =
          typeof spec.targetMessage === 'string'
            ? s.findMessage(channel.id, spec.targetMessage)
            : this.createMessage(spec.targetMessage ?? { content: 'target message' }, false, channel);
        if (!target) throw new Error(`FakeDiscord.sendInteraction: unknown target message ${String(spec.targetMessage)}`);
        data.target_id = target.id;
        resolved.messages = { [target.id]: target };
      } else {
        const targetId = spec.targetUserId ?? user.id;
        data.target_id = targetId;
        this.resolveValue(OptType.User, targetId, resolved, guild, channel);
      }
    }
    if (spec.resolved) Object.assign(resolved, spec.resolved);
    if (Object.keys(resolved).length) data.resolved = resolved;

    const id = s.ids.next();
    // Like Discord's: base64 of "interaction:<id>:<secret>", so every token starts with aW50ZXJhY3Rpb246.
    const token = Buffer.from(`interaction:${id}:${randomBytes(48).toString('base64url')}`).toString('base64url');
    const perms = (bits: bigint) => bits.toString();
    const channelJSON: Record<string, unknown> = { ...(s.channelJSON(channel) as unknown as Record<string, unknown>), ...spec.channel };
    if (!guild) channelJSON.recipients = [user];
    const payload = {
      id,
      application_id: s.applicationId,
      type,
      data,
      ...(guild
        ? {
            guild: { id: guild.id, locale: guild.preferredLocale, features: guild.features },
            guild_id: guild.id,
            member: {
              ...s.memberJSON(guild, member!),
              unusual_dm_activity_until: null,
              permissions: spec.permissions ?? perms(s.permissionsIn(channel, user.id)),
            },
            guild_locale: spec.guildLocale ?? guild.preferredLocale,
          }
        : { user }),
      channel: channelJSON,
      channel_id: channel.id,
      ...(message ? { message } : {}),
      token,
      version: 1,
      app_permissions: spec.appPermissions ?? perms(s.permissionsIn(channel, s.botUser.id)),
      locale: spec.locale ?? 'en-US',
      entitlements: spec.entitlements ?? [],
      authorizing_integration_owners: spec.authorizingIntegrationOwners ?? (guild ? { '0': guild.id } : { '0': '0' }),
      context: spec.context ?? (guild ? 0 : 1),
      attachment_size_limit: MAX_UPLOAD_BYTES,
    } as unknown as APIInteraction;

    const ia = new FakeInteraction({
      id,
      token,
      applicationId: s.applicationId,
      type,
      commandName,
      commandType,
      guildId: guild?.id ?? null,
      channelId: channel.id,
      user,
      payload,
      dispatchedAt: s.now(),
    });
    s.interactions.set(id, ia);
    s.interactionsByToken.set(token, ia);
    // One session of the guild's shard gets it: a connected one if any (a shard process that crashed and
    // identified again), else one that dropped its connection (it gets the event on RESUME).
    const route = (connectedOnly: boolean) => {
      let sent = false;
      return s.dispatch(GatewayDispatchEvents.InteractionCreate, (session) => {
        if (sent || !sessionHandlesGuild(session, guild?.id ?? '0') || (connectedOnly && !session.conn)) return null;
        sent = true;
        return payload;
      });
    };
    const n = route(true) || route(false);
    if (n === 0) throw new Error('FakeDiscord.sendInteraction: no gateway session (did the client log in?)');
    return ia;
  }

  /**
   * The command an interaction is for: the guild's, then a global one. Like Discord, a global command is offered only
   * where its `contexts` list the interaction's context (without `contexts`: Guild, and BotDM unless `dm_permission` is
   * false; a guild's own commands have no contexts). A DM has no guild's commands: a command registered to one guild
   * (DEV_GUILD_ID) is not there, so a DM test needs the bot registering globally.
   */
  private findCommand(name: string, type: number, guildId: string | undefined, context: number): APIApplicationCommand | undefined {
    const match = (c: APIApplicationCommand) => c.name === name && c.type === type;
    const offeredHere = (c: APIApplicationCommand) => (c.contexts
      ? c.contexts.includes(context)
      : context === InteractionContextType.Guild || (context === InteractionContextType.BotDM && c.dm_permission !== false));
    const global = this.commands().find((c) => match(c) && offeredHere(c));
    return guildId ? this.commands(guildId).find(match) ?? global : global;
  }

  private buildOptions(
    spec: FakeInteractionSpec,
    defs: APIApplicationCommandOption[] | undefined,
    resolved: APIInteractionDataResolved,
    guild: GuildState | undefined,
    channel: ChannelState,
  ): APIApplicationCommandInteractionDataOption[] {
    const raw = spec.options;
    let list: APIApplicationCommandInteractionDataOption[];
    if (Array.isArray(raw)) list = raw;
    else {
      let optionDefs = defs;
      const group = spec.subcommandGroup ? optionDefs?.find((d) => d.name === spec.subcommandGroup) : undefined;
      if (group) optionDefs = 'options' in group ? group.options : undefined;
      const sub = spec.subcommand ? optionDefs?.find((d) => d.name === spec.subcommand) : undefined;
      if (sub) optionDefs = 'options' in sub ? (sub.options as APIApplicationCommandOption[] | undefined) : undefined;
      const leaf = Object.entries(raw ?? {}).map(([name, value]) => {
        const def = optionDefs?.find((d) => d.name === name);
        let type: number =
          def?.type ??
          (typeof value === 'boolean'
            ? OptType.Boolean
            : typeof value === 'number'
              ? Number.isInteger(value)
                ? OptType.Integer
                : OptType.Number
              : typeof value === 'object'
                ? OptType.Attachment
                : OptType.String);
        let v: string | number | boolean;
        if (typeof value === 'object') {
          const att = this.state.makeAttachment(channel.id, attachmentFile(value));
          (resolved.attachments ??= {})[att.id] = att;
          v = att.id;
          type = OptType.Attachment;
        } else v = value;
        const opt = { name, type, value: v } as Record<string, unknown>;
        if (spec.focused === name) opt.focused = true;
        return opt as unknown as APIApplicationCommandInteractionDataOption;
      });
      list = leaf;
      if (spec.subcommand) list = [{ name: spec.subcommand, type: OptType.Subcommand, options: leaf } as APIApplicationCommandInteractionDataOption];
      if (spec.subcommandGroup) {
        list = [{ name: spec.subcommandGroup, type: OptType.SubcommandGroup, options: list } as APIApplicationCommandInteractionDataOption];
      }
    }
    const walk = (opts: APIApplicationCommandInteractionDataOption[]) => {
      for (const o of opts) {
        if ('options' in o && Array.isArray(o.options)) walk(o.options as APIApplicationCommandInteractionDataOption[]);
        else if ('value' in o && typeof o.value === 'string') this.resolveValue(o.type, o.value, resolved, guild, channel);
      }
    };
    walk(list);
    return list;
  }

  /** Fill data.resolved for user/channel/role/mentionable option values that refer to known entities. */
  private resolveValue(
    type: number,
    value: string,
    resolved: APIInteractionDataResolved,
    guild: GuildState | undefined,
    channel: ChannelState,
  ): void {
    const s = this.state;
    if (type === OptType.User || type === OptType.Mentionable) {
      const u = s.users.get(value);
      if (u) {
        (resolved.users ??= {})[u.id] = u;
        const m = guild?.members.get(u.id);
        if (guild && m) {
          const { user: _u, ...rest } = s.memberJSON(guild, m);
          (resolved.members ??= {})[u.id] = { ...rest, permissions: s.permissionsIn(channel, u.id).toString() } as never;
        }
      }
    }
    if ((type === OptType.Role || type === OptType.Mentionable) && guild) {
      const r = guild.roles.find((x) => x.id === value);
      if (r) (resolved.roles ??= {})[r.id] = r;
    }
    if (type === OptType.Channel) {
      const c = s.channels.get(value);
      if (c) {
        const full = s.channelJSON(c) as unknown as Record<string, unknown>;
        (resolved.channels ??= {})[c.id] = {
          id: c.id,
          name: c.name,
          type: c.type,
          permissions: s.permissionsIn(c, s.botUser.id).toString(),
          ...(c.thread ? { parent_id: c.parentId, thread_metadata: full.thread_metadata } : {}),
        } as never;
      }
    }
  }
}
