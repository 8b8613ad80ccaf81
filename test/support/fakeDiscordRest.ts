/**
 * REST half of the fake Discord server (API v10 under /api/v10). Records every request, checks
 * auth, emulates the global rate limit and per-route rate-limit headers, and implements the
 * routes a bot typically uses (commands, interaction callbacks/webhooks, channel messages...).
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ApplicationCommandType,
  ChannelType,
  GatewayDispatchEvents,
  GatewayIntentBits,
  InteractionResponseType,
  InteractionType,
  MessageFlags,
  MessageType,
  PermissionFlagsBits as P,
  type APIApplicationCommand,
  type APIApplicationCommandOptionChoice,
  type APIAttachment,
  type APIEmbed,
  type APIMessage,
  type APIModalInteractionResponseCallbackData,
} from 'discord-api-types/v10';
import { RestFaults } from './fakeDiscordFaults.ts';
import type { FakeCallbackRecord, FakeInteraction } from './fakeDiscordInteraction.ts';
import {
  FormErrors,
  isEmptyMessage,
  isObj,
  normalizeCommand,
  sameCommand,
  validateCommand,
  validateCommandList,
  validateMessageBody,
  codePoints,
  COMMAND_LIMITS,
  type DiscordErrorBody,
} from './fakeDiscordSchema.ts';
import {
  MAX_UPLOAD_BYTES,
  isTextType,
  recommendedShards,
  discordTimestamp,
  type AllowedMentions,
  type ChannelState,
  type FakeState,
  type MultipartBody,
  type RecordedRequest,
  type UploadedFile,
} from './fakeDiscordState.ts';

type Obj = Record<string, unknown>;

interface Ctx {
  rec: RecordedRequest;
  params: Record<string, string>;
  query: Record<string, string>;
  /** JSON body (payload_json for multipart); {} when absent */
  json: unknown;
  files: UploadedFile[];
}

export interface Result {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Route {
  method: string;
  pattern: string;
  segments: string[];
  auth: 'bot' | 'none';
  run: (ctx: Ctx) => Result | Promise<Result>;
}

const ROUTE_LIMIT = 1000;
const ROUTE_WINDOW_MS = 1000;
const API_PREFIX = '/api/v10';

export const err = (status: number, code: number, message: string): Result => ({ status, body: { message, code } });
const formError = (b: DiscordErrorBody): Result => ({ status: 400, body: b });
const ok = (body: unknown, status = 200): Result => ({ status, body });
const noContent: Result = { status: 204 };

const E = {
  unauthorized: () => err(401, 0, '401: Unauthorized'),
  notFound: () => err(404, 0, '404: Not Found'),
  methodNotAllowed: () => err(405, 0, '405: Method Not Allowed'),
  unknownChannel: () => err(404, 10003, 'Unknown Channel'),
  unknownGuild: () => err(404, 10004, 'Unknown Guild'),
  unknownMember: () => err(404, 10007, 'Unknown Member'),
  unknownMessage: () => err(404, 10008, 'Unknown Message'),
  unknownUser: () => err(404, 10013, 'Unknown User'),
  unknownWebhook: () => err(404, 10015, 'Unknown Webhook'),
  unknownInteraction: () => err(404, 10062, 'Unknown interaction'),
  unknownCommand: () => err(404, 10063, 'Unknown application command'),
  alreadyAcked: () => err(400, 40060, 'Interaction has already been acknowledged.'),
  emptyMessage: () => err(400, 50006, 'Cannot send an empty message'),
  missingAccess: () => err(403, 50001, 'Missing Access'),
  missingPermissions: () => err(403, 50013, 'Missing Permissions'),
  cannotEditOthers: () => err(403, 50005, 'Cannot edit a message authored by another user'),
  dmAction: () => err(403, 50003, 'Cannot execute action on a DM channel'),
  cannotSendToUser: () => err(403, 50007, 'Cannot send messages to this user'),
  nonTextChannel: () => err(400, 50008, 'Cannot send messages in a non-text channel'),
  invalidWebhookToken: () => err(401, 50027, 'Invalid Webhook Token'),
  invalidJson: () => err(400, 50109, 'The request body contains invalid JSON.'),
  tooLarge: () => err(413, 40005, 'Request entity too large'),
  archivedThread: () => err(400, 50083, 'Thread is archived'),
  lockedThread: () => err(400, 160005, 'Thread is locked'),
};

const CHANNEL_FLAGS = MessageFlags.SuppressEmbeds | MessageFlags.SuppressNotifications | MessageFlags.IsVoiceMessage | MessageFlags.IsComponentsV2;
const EDIT_FLAGS = MessageFlags.SuppressEmbeds | MessageFlags.IsComponentsV2;
const INTERACTION_FLAGS = CHANNEL_FLAGS | MessageFlags.Ephemeral;

export class FakeRest {
  /** set by FakeDiscord once listening */
  gatewayUrl = '';
  /** Scripted 429s and 5xx answers (see fakeDiscordFaults.ts). */
  readonly faults = new RestFaults();
  private routes: Route[] = [];
  private globalWindow: number[] = [];
  private buckets = new Map<string, { resetAt: number; count: number }>();

  constructor(private readonly s: FakeState) {
    this.defineRoutes();
  }

  // ----- HTTP plumbing -------------------------------------------------------------------------

  handle = (req: IncomingMessage, res: ServerResponse): void => {
    this.handleAsync(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: `500: Internal Server Error (fake: ${String(error)})`, code: 0 }));
      }
    });
  };

  private async handleAsync(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = performance.now();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    const method = (req.method ?? 'GET').toUpperCase();
    const rec: RecordedRequest = {
      method,
      path: url.pathname.startsWith(API_PREFIX) ? url.pathname.slice(API_PREFIX.length) || '/' : url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      body: undefined,
      at,
    };
    let result: Result;
    let json: unknown = {};
    let files: UploadedFile[] = [];
    let parseError = false;
    try {
      ({ recorded: rec.body, json, files } = await parseBody(raw, headers['content-type'] ?? '', method));
    } catch {
      parseError = true;
      rec.body = raw.toString('utf8');
    }
    this.s.recordRequest(rec);
    // Attachment downloads (CDN stand-in): raw bytes, not JSON, and outside the API's rate limits.
    const bytes = method === 'GET' ? this.s.attachmentBytes.get(url.pathname) : undefined;
    if (bytes) {
      await this.serveAttachment(url, bytes, rec, res);
      this.s.requestAnswered(rec);
      return;
    }
    const half = this.s.restLatencyMs / 2;
    const before = half + this.faults.delayFor(rec);
    if (before > 0) await sleep(before);
    if (parseError) result = E.invalidJson();
    else result = checkUploads(files) ?? (await this.dispatchRoute(rec, json, files, url.pathname.startsWith(API_PREFIX)));
    if (half > 0) await sleep(half);
    rec.status = result.status;
    rec.response = result.body;
    const outHeaders: Record<string, string> = { ...result.headers };
    if (result.body !== undefined) outHeaders['content-type'] = 'application/json';
    rec.responseHeaders = outHeaders;
    if (res.destroyed || res.writableEnded) return;
    res.writeHead(result.status, outHeaders);
    res.end(result.body === undefined ? undefined : JSON.stringify(result.body));
    this.s.requestAnswered(rec);
  }

  /**
   * The CDN: an injected fault answers first (failAttachmentDownloads); an expired or wrongly signed URL is a 404 ("This content is no longer available."); else the bytes,
   * streamed in pieces with the file's type, stopping when the client goes away (what it read is counted).
   */
  private async serveAttachment(url: URL, bytes: Uint8Array, rec: RecordedRequest, res: ServerResponse): Promise<void> {
    const fault = this.faults.takeCdn(rec);
    if (fault) {
      rec.status = fault.status;
      res.writeHead(fault.status, { 'content-type': 'text/plain' });
      res.end(fault.body);
      return;
    }
    const meta = this.s.attachmentMeta.get(url.pathname);
    const ex = Number.parseInt(url.searchParams.get('ex') ?? '', 16);
    if (!meta || ex * 1000 !== meta.expiresAt || url.searchParams.get('hm') !== meta.hm || Date.now() >= meta.expiresAt) {
      rec.status = 404;
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('This content is no longer available.');
      return;
    }
    rec.status = 200;
    res.writeHead(200, { 'content-type': meta.contentType ?? 'application/octet-stream', 'content-length': String(bytes.length) });
    const PIECE = 64 * 1024;
    for (let at = 0; at < bytes.length && !res.destroyed; at += PIECE) {
      const piece = bytes.subarray(at, at + PIECE);
      this.s.attachmentBytesServed.set(url.pathname, (this.s.attachmentBytesServed.get(url.pathname) ?? 0) + piece.length);
      if (!res.write(piece)) {
        await new Promise<void>((resolve) => {
          const done = () => { res.off('drain', done); res.off('close', done); resolve(); };
          res.on('drain', done);
          res.on('close', done);
        });
      }
    }
    res.end();
  }

  private async dispatchRoute(rec: RecordedRequest, json: unknown, files: UploadedFile[], versioned: boolean): Promise<Result> {
    if (!versioned) return E.notFound();
    const segs = rec.path.split('/').filter(Boolean);
    let pathMatched = false;
    for (const route of this.routes) {
      const params = matchRoute(route.segments, segs);
      if (!params) continue;
      pathMatched = true;
      if (route.method !== rec.method) continue;
      rec.route = route.pattern;
      const auth = rec.headers.authorization;
      const isBotAuth = auth === `Bot ${this.s.token}`;
      if (route.auth === 'bot') {
        if (!isBotAuth) return E.unauthorized();
        const limited = this.checkGlobalLimit();
        if (limited) return limited;
      }
      const fault = this.faults.take(rec);
      if (fault) return fault;
      const bucket = route.auth === 'bot' ? this.routeBucket(route, params) : undefined;
      if (bucket?.limited) return bucket.limited;
      const result = await route.run({ rec, params, query: rec.query, json, files });
      if (bucket) result.headers = { ...bucket.headers, ...result.headers };
      return result;
    }
    return pathMatched ? E.methodNotAllowed() : E.notFound();
  }

  private checkGlobalLimit(): Result | undefined {
    const now = performance.now();
    while (this.globalWindow.length && now - this.globalWindow[0]! >= 1000) this.globalWindow.shift();
    if (this.globalWindow.length >= this.s.globalRateLimit) {
      const retryAfter = Math.max(0.001, (this.globalWindow[0]! + 1000 - now) / 1000);
      this.s.globalRateLimitHits++;
      return {
        status: 429,
        body: { message: 'You are being rate limited.', retry_after: Number(retryAfter.toFixed(3)), global: true },
        headers: {
          'x-ratelimit-global': 'true',
          'x-ratelimit-scope': 'global',
          'retry-after': retryAfter.toFixed(3),
        },
      };
    }
    this.globalWindow.push(now);
    return undefined;
  }

  /** Per-route bucket headers (generous limits), or a 429 Result when exceeded. */
  private routeBucket(route: Route, params: Record<string, string>): { headers: Record<string, string>; limited?: Result } {
    const major = params.channel ?? params.guild ?? '';
    const hash = createHash('md5').update(`${route.method} ${route.pattern}`).digest('hex');
    const key = `${hash}:${major}`;
    const now = Date.now();
    let b = this.buckets.get(key);
    if (!b || b.resetAt <= now) {
      b = { resetAt: now + ROUTE_WINDOW_MS, count: 0 };
      this.buckets.set(key, b);
    }
    const resetAfter = (b.resetAt - now) / 1000;
    if (b.count >= ROUTE_LIMIT) {
      const headers = { 'x-ratelimit-scope': 'user', 'retry-after': resetAfter.toFixed(3), 'x-ratelimit-bucket': hash };
      return {
        headers,
        limited: { status: 429, body: { message: 'You are being rate limited.', retry_after: resetAfter, global: false }, headers },
      };
    }
    b.count++;
    return {
      headers: {
        'x-ratelimit-limit': String(ROUTE_LIMIT),
        'x-ratelimit-remaining': String(ROUTE_LIMIT - b.count),
        'x-ratelimit-reset': (b.resetAt / 1000).toFixed(3),
        'x-ratelimit-reset-after': resetAfter.toFixed(3),
        'x-ratelimit-bucket': hash,
      },
    };
  }

  private add(method: string, pattern: string, auth: Route['auth'], run: Route['run']): void {
    this.routes.push({ method, pattern, segments: pattern.split('/').filter(Boolean), auth, run });
  }

  // ----- routes --------------------------------------------------------------------------------

  private defineRoutes(): void {
    const s = this.s;
    const gatewayInfo = () => ({
      url: this.gatewayUrl,
      shards: recommendedShards(s),
      session_start_limit: { total: 1000, remaining: 1000, reset_after: 0, max_concurrency: 1 },
    });
    this.add('GET', '/gateway', 'none', () => ok({ url: this.gatewayUrl }));
    this.add('GET', '/gateway/bot', 'bot', () => ok(gatewayInfo()));
    this.add('GET', '/users/@me', 'bot', () => ok({ ...s.botUser, verified: true, mfa_enabled: false, email: null, locale: 'en-US' }));
    this.add('POST', '/users/@me/channels', 'bot', ({ json }) => {
      const id = isObj(json) ? json.recipient_id : undefined;
      const user = typeof id === 'string' ? s.users.get(id) : undefined;
      if (!user) return E.unknownUser();
      return ok(s.channelJSON(s.dmChannelFor(user)));
    });
    this.add('GET', '/users/:user', 'bot', ({ params }) => {
      const user = s.users.get(params.user!);
      return user ? ok(user) : E.unknownUser();
    });
    this.add('GET', '/applications/@me', 'bot', () => ok(this.applicationJSON()));
    this.add('DELETE', '/users/@me/guilds/:guild', 'bot', ({ params }) => {
      if (!s.guilds.has(params.guild!)) return E.unknownGuild();
      s.leaveGuild(params.guild!);
      return noContent;
    });
    this.add('GET', '/oauth2/applications/@me', 'bot', () => ok(this.applicationJSON()));

    // commands
    for (const scope of ['global', 'guild'] as const) {
      const base = scope === 'global' ? '/applications/:app/commands' : '/applications/:app/guilds/:guild/commands';
      this.add('GET', base, 'bot', (ctx) => this.withCommands(ctx, (list) => ok(list.map((c) => localized(c, ctx.query)))));
      this.add('PUT', base, 'bot', (ctx) => this.putCommands(ctx));
      this.add('POST', base, 'bot', (ctx) => this.postCommand(ctx));
      this.add('GET', `${base}/:cmd`, 'bot', (ctx) =>
        this.withCommands(ctx, (list) => {
          const c = list.find((x) => x.id === ctx.params.cmd);
          return c ? ok(c) : E.unknownCommand();
        }),
      );
      this.add('PATCH', `${base}/:cmd`, 'bot', (ctx) => this.patchCommand(ctx));
      this.add('DELETE', `${base}/:cmd`, 'bot', (ctx) => {
        s.registrations++;
        return this.withCommands(ctx, (list, set) => {
          const i = list.findIndex((x) => x.id === ctx.params.cmd);
          if (i < 0) return E.unknownCommand();
          set(list.filter((_, j) => j !== i));
          return noContent;
        });
      });
    }

    // channels
    this.add('GET', '/channels/:channel', 'bot', ({ params }) => {
      const ch = this.botChannel(params.channel!);
      return 'status' in ch ? ch : ok(s.channelJSON(ch));
    });
    this.add('GET', '/channels/:channel/messages', 'bot', (ctx) => this.listMessages(ctx));
    this.add('POST', '/channels/:channel/messages', 'bot', (ctx) => this.createChannelMessage(ctx));
    this.add('GET', '/channels/:channel/messages/:message', 'bot', ({ params }) => {
      const ch = this.botChannel(params.channel!);
      if ('status' in ch) return ch;
      if (!this.botHas(ch, P.ReadMessageHistory)) return E.missingPermissions();
      const msg = s.findMessage(ch.id, params.message!);
      return msg ? ok(s.restMessage(msg)) : E.unknownMessage();
    });
    this.add('PATCH', '/channels/:channel/messages/:message', 'bot', (ctx) => this.editChannelMessage(ctx));
    this.add('DELETE', '/channels/:channel/messages/:message', 'bot', ({ params }) => {
      const ch = this.botChannel(params.channel!);
      if ('status' in ch) return ch;
      const msg = s.findMessage(ch.id, params.message!);
      if (!msg) return E.unknownMessage();
      if (msg.author.id !== s.botUser.id) {
        if (!ch.guildId) return E.dmAction();
        if (!this.botHas(ch, P.ManageMessages)) return E.missingPermissions();
      }
      s.removeMessage(msg);
      s.dispatchMessageDelete(msg);
      return noContent;
    });
    this.add('POST', '/channels/:channel/typing', 'bot', ({ params }) => {
      const ch = this.botChannel(params.channel!);
      if ('status' in ch) return ch;
      if (ch.guildId && !this.botHas(ch, ch.thread ? P.SendMessagesInThreads : P.SendMessages)) return E.missingPermissions();
      return noContent;
    });
    for (const method of ['PUT', 'DELETE']) {
      this.add(method, '/channels/:channel/messages/:message/reactions/:emoji/@me', 'bot', ({ params }) => {
        const ch = this.botChannel(params.channel!);
        if ('status' in ch) return ch;
        const msg = s.findMessage(ch.id, params.message!);
        if (!msg) return E.unknownMessage();
        if (!this.botHas(ch, P.AddReactions | P.ReadMessageHistory)) return E.missingPermissions();
        const name = decodeURIComponent(params.emoji!);
        const reactions = (msg.reactions ??= []);
        const r = reactions.find((x) => x.emoji.name === name);
        if (method === 'PUT' && !r?.me) {
          if (r) Object.assign(r, { count: r.count + 1, me: true });
          else reactions.push({ count: 1, count_details: { burst: 0, normal: 1 }, me: true, me_burst: false, burst_colors: [], emoji: { id: null, name } });
        } else if (method === 'DELETE' && r?.me) {
          r.count--;
          r.me = false;
          if (r.count <= 0) reactions.splice(reactions.indexOf(r), 1);
        }
        return noContent;
      });
    }
    this.add('POST', '/channels/:channel/messages/:message/threads', 'bot', (ctx) => this.createThread(ctx, true));
    this.add('POST', '/channels/:channel/threads', 'bot', (ctx) => this.createThread(ctx, false));
    for (const method of ['PUT', 'DELETE']) {
      this.add(method, '/channels/:channel/thread-members/@me', 'bot', ({ params }) => {
        const ch = this.botChannel(params.channel!);
        if ('status' in ch) return ch;
        return ch.thread ? noContent : err(400, 50024, 'Cannot execute action on this channel type');
      });
    }

    // guilds
    this.add('GET', '/guilds/:guild', 'bot', ({ params, query }) => {
      const g = s.guilds.get(params.guild!);
      if (!g) return E.unknownGuild();
      const body = s.guildJSON(g);
      if (query.with_counts === 'true') Object.assign(body, { approximate_member_count: g.members.size, approximate_presence_count: 0 });
      return ok(body);
    });
    this.add('GET', '/guilds/:guild/channels', 'bot', ({ params }) => {
      const g = s.guilds.get(params.guild!);
      if (!g) return E.unknownGuild();
      return ok(g.channelIds.map((id) => s.channels.get(id)!).filter((c) => !c.thread).map((c) => s.channelJSON(c)));
    });
    this.add('GET', '/guilds/:guild/roles', 'bot', ({ params }) => {
      const g = s.guilds.get(params.guild!);
      return g ? ok(g.roles) : E.unknownGuild();
    });
    this.add('GET', '/guilds/:guild/members', 'bot', ({ params, query }) => {
      const g = s.guilds.get(params.guild!);
      if (!g) return E.unknownGuild();
      if (!(s.privilegedIntents & GatewayIntentBits.GuildMembers)) return E.missingAccess();
      const limit = Math.min(1000, Math.max(1, Number(query.limit ?? 1)));
      const after = BigInt(query.after ?? '0');
      const list = [...g.members.values()]
        .filter((m) => BigInt(m.user.id) > after)
        .sort((a, b) => (BigInt(a.user.id) < BigInt(b.user.id) ? -1 : 1))
        .slice(0, limit);
      return ok(list.map((m) => s.memberJSON(g, m)));
    });
    this.add('GET', '/guilds/:guild/members/:user', 'bot', ({ params }) => {
      const g = s.guilds.get(params.guild!);
      if (!g) return E.unknownGuild();
      const m = g.members.get(params.user!);
      return m ? ok(s.memberJSON(g, m)) : E.unknownMember();
    });

    // interactions (token routes: no bot auth, not counted against the global limit)
    this.add('POST', '/interactions/:id/:token/callback', 'none', (ctx) => this.interactionCallback(ctx));
    this.add('POST', '/webhooks/:app/:token', 'none', (ctx) => this.withInteraction(ctx, (ia) => this.followUp(ctx, ia)));
    for (const method of ['GET', 'PATCH', 'DELETE']) {
      this.add(method, '/webhooks/:app/:token/messages/:message', 'none', (ctx) =>
        this.withInteraction(ctx, (ia) => this.webhookMessage(ctx, ia, method)),
      );
    }
  }

  /** Like Discord: a team-owned application's `owner` is the team's pseudo-user, and `team` lists its members. */
  private applicationOwnerJSON(): Obj {
    const owner = this.s.applicationOwner;
    const user = (id: string, username: string) => ({ id, username, discriminator: '0', global_name: null, avatar: null, public_flags: 0, flags: 0 });
    if ('userId' in owner) return { owner: user(owner.userId, 'owner'), team: null };
    const { team } = owner;
    return {
      owner: user(team.id, `team${team.id}`),
      team: {
        id: team.id, name: 'The Team', icon: null, owner_user_id: team.ownerUserId,
        members: team.memberIds.map((id) => ({ team_id: team.id, membership_state: 2, permissions: ['*'], role: id === team.ownerUserId ? 'admin' : 'developer', user: user(id, `member${id}`) })),
      },
    };
  }

  private applicationJSON(): Obj {
    const s = this.s;
    const pi = s.privilegedIntents;
    const flags =
      (pi & GatewayIntentBits.GuildPresences ? 1 << 13 : 0) |
      (pi & GatewayIntentBits.GuildMembers ? 1 << 15 : 0) |
      (pi & GatewayIntentBits.MessageContent ? 1 << 19 : 0) |
      (1 << 23);
    return {
      id: s.applicationId,
      name: s.botUser.username,
      icon: null,
      description: '',
      summary: '',
      type: null,
      hook: true,
      bot_public: true,
      bot_require_code_grant: false,
      verify_key: '0'.repeat(64),
      flags,
      ...this.applicationOwnerJSON(),
      bot: s.botUser,
      approximate_guild_count: s.guilds.size,
      approximate_user_install_count: 0,
      redirect_uris: [],
      interactions_endpoint_url: null,
      role_connections_verification_url: null,
      event_webhooks_url: null,
      event_webhooks_status: 1,
      tags: [],
      integration_types_config: { '0': {} },
    };
  }

  // ----- helpers -------------------------------------------------------------------------------

  /** Channel as seen by the bot: 404 Unknown Channel / 403 Missing Access, or the channel. */
  private botChannel(id: string): ChannelState | Result {
    const ch = this.s.channels.get(id);
    if (!ch) return E.unknownChannel();
    if (ch.guildId && !this.botHas(ch, P.ViewChannel)) return E.missingAccess();
    return ch;
  }

  private botHas(ch: ChannelState, perms: bigint): boolean {
    return (this.s.permissionsIn(ch, this.s.botUser.id) & perms) === perms;
  }

  private interactionMeta(ia: FakeInteraction, extra: Obj = {}): Partial<APIMessage> {
    const d = ia.payload.data as Obj | undefined;
    const target = typeof d?.target_id === 'string' ? d.target_id : undefined;
    return {
      interaction_metadata: {
        id: ia.id,
        type: ia.type,
        user: ia.user,
        authorizing_integration_owners: ia.payload.authorizing_integration_owners,
        ...(ia.commandType === ApplicationCommandType.Message && target ? { target_message_id: target } : {}),
        ...extra,
      } as APIMessage['interaction_metadata'],
      interaction: { id: ia.id, type: ia.type, name: ia.commandName, user: ia.user },
    };
  }

  /**
   * Resolve the attachments of a message create/edit: `attachments` entries reference uploaded
   * files by their snowflake placeholder (the n of files[n]) or existing attachments by id. An edit
   * that lists `attachments` keeps only what it lists (Discord: "only files listed in the attachments
   * parameter will be appended"); otherwise unreferenced uploads are appended.
   */
  private buildAttachments(
    fe: FormErrors,
    path: (string | number)[],
    channelId: string,
    entries: unknown,
    files: UploadedFile[],
    existing: APIAttachment[],
    ephemeral: boolean,
    edit = false,
  ): APIAttachment[] {
    const index = (f: UploadedFile, i: number) => {
      const m = /\[(\d+)\]$/.exec(f.field);
      return m ? Number(m[1]) : i;
    };
    const byIndex = new Map(files.map((f, i) => [String(index(f, i)), f]));
    const used = new Set<UploadedFile>();
    const out: APIAttachment[] = [];
    const upload = (f: UploadedFile, e: Obj = {}) =>
      this.s.makeAttachment(
        channelId,
        {
          filename: typeof e.filename === 'string' ? e.filename : f.filename,
          size: f.data.length,
          contentType: f.contentType,
          description: typeof e.description === 'string' ? e.description : undefined,
          title: typeof e.title === 'string' ? e.title : undefined,
          data: f.data,
          ...imageSize(f.data),
        },
        ephemeral,
      );
    if (Array.isArray(entries)) {
      entries.forEach((e, i) => {
        if (!isObj(e)) return;
        if (typeof e.description === 'string' && codePoints(e.description) > MAX_ATTACHMENT_DESCRIPTION) {
          fe.add([...path, 'attachments', i, 'description'], 'BASE_TYPE_MAX_LENGTH', `Must be ${MAX_ATTACHMENT_DESCRIPTION} or fewer in length.`);
        }
        const id = String(e.id ?? '');
        const kept = existing.find((a) => a.id === id);
        const file = byIndex.get(id);
        if (kept) out.push(typeof e.description === 'string' ? { ...kept, description: e.description } : kept);
        else if (file && !used.has(file)) {
          used.add(file);
          out.push(upload(file, e));
        } else fe.add([...path, 'attachments', i, 'id'], 'ATTACHMENT_NOT_FOUND', 'Attachment data not found');
      });
    } else out.push(...existing);
    if (!(edit && Array.isArray(entries))) for (const f of files) if (!used.has(f)) out.push(upload(f));
    return out;
  }

  /** Apply an edit body to a message in place; returns an error Result on failure. */
  private applyEdit(msg: APIMessage, json: Obj, files: UploadedFile[], ch: ChannelState, path: (string | number)[] = []): Result | undefined {
    const fe = new FormErrors();
    validateMessageBody(fe, path, json, { allowedFlags: EDIT_FLAGS, files: files.length });
    if (!fe.ok) return formError(fe.body());
    if (totalSize(files) > MAX_UPLOAD_BYTES) return E.tooLarge();
    const ephemeral = ((msg.flags ?? 0) & MessageFlags.Ephemeral) !== 0;
    const attachments =
      json.attachments !== undefined || files.length
        ? this.buildAttachments(fe, path, ch.id, json.attachments ?? undefined, files, msg.attachments, ephemeral, true)
        : msg.attachments;
    if (!fe.ok) return formError(fe.body());
    const next: APIMessage = { ...msg, attachments };
    if (json.content !== undefined) next.content = (json.content as string | null) ?? '';
    if (json.embeds !== undefined) next.embeds = (json.embeds as APIEmbed[] | null) ?? [];
    if (json.components !== undefined) next.components = (json.components as APIMessage['components'] | null) ?? [];
    if (typeof json.flags === 'number') {
      next.flags = ((msg.flags ?? 0) & ~EDIT_FLAGS) | (json.flags & EDIT_FLAGS);
    }
    if (isEmptyMessage(next)) return E.emptyMessage();
    if (json.content !== undefined || json.allowed_mentions !== undefined) {
      const allowed = isObj(json.allowed_mentions) ? (json.allowed_mentions as AllowedMentions) : undefined;
      Object.assign(next, this.s.computeMentions(next.content, ch, msg.author, allowed, msg.referenced_message ?? undefined));
    }
    const loading = ((msg.flags ?? 0) & MessageFlags.Loading) !== 0;
    if (loading) next.flags = (next.flags ?? 0) & ~MessageFlags.Loading;
    else next.edited_timestamp = discordTimestamp();
    Object.assign(msg, next);
    return undefined;
  }

  // ----- commands ------------------------------------------------------------------------------

  private withCommands(
    ctx: Ctx,
    fn: (list: APIApplicationCommand[], set: (l: APIApplicationCommand[]) => void) => Result,
  ): Result {
    const s = this.s;
    if (ctx.params.app !== s.applicationId) return err(403, 50001, 'Missing Access');
    const guildId = ctx.params.guild;
    if (guildId !== undefined) {
      if (!s.guilds.has(guildId)) return E.missingAccess();
      return fn(s.guildCommands.get(guildId) ?? [], (l) => s.guildCommands.set(guildId, l));
    }
    return fn(s.globalCommands, (l) => (s.globalCommands = l));
  }

  private putCommands(ctx: Ctx): Result {
    this.s.registrations++;
    return this.withCommands(ctx, (list, set) => {
      const error = validateCommandList(ctx.json);
      if (error) return error.code === 50035 ? formError(error) : err(400, error.code, error.message);
      const next = (ctx.json as Obj[]).map((c) => this.upsertInto(list, c, ctx.params.guild));
      set(next);
      return ok(next);
    });
  }

  /**
   * A command an earlier run of the application registered (Discord keeps it): validated as a POST is, but not counted
   * as a registration of this run. Throws on a body Discord would refuse.
   */
  keepCommand(body: Obj, guildId?: string): APIApplicationCommand {
    const fe = new FormErrors();
    validateCommand(fe, [], body);
    if (!fe.ok) throw new Error(`FakeDiscord.keepCommand: Discord would refuse this command: ${JSON.stringify(fe.body())}`);
    const s = this.s;
    const list = guildId === undefined ? s.globalCommands : (s.guildCommands.get(guildId) ?? []);
    const cmd = this.upsertInto(list, body, guildId);
    const next = [...list.filter((x) => !(x.type === cmd.type && x.name === cmd.name)), cmd];
    if (guildId === undefined) s.globalCommands = next;
    else s.guildCommands.set(guildId, next);
    return cmd;
  }

  private upsertInto(list: APIApplicationCommand[], c: Obj, guildId: string | undefined): APIApplicationCommand {
    const type = (c.type as number | undefined) ?? 1;
    const existing = list.find((x) => x.type === type && x.name === c.name);
    const cmd = normalizeCommand(c, {
      id: existing?.id ?? this.s.ids.next(),
      applicationId: this.s.applicationId,
      version: existing?.version ?? '',
      guildId,
    });
    cmd.version = existing && sameCommand(existing, cmd) ? existing.version : this.s.ids.next();
    return cmd;
  }

  private postCommand(ctx: Ctx): Result {
    this.s.registrations++;
    return this.withCommands(ctx, (list, set) => {
      const fe = new FormErrors();
      validateCommand(fe, [], ctx.json);
      if (!fe.ok) return formError(fe.body());
      const c = ctx.json as Obj;
      const type = (c.type as number | undefined) ?? 1;
      const existing = list.find((x) => x.type === type && x.name === c.name);
      const limit = COMMAND_LIMITS[type]!;
      if (!existing && list.filter((x) => x.type === type).length >= limit) {
        return err(400, 30032, `Maximum number of application commands reached (${limit})`);
      }
      const cmd = this.upsertInto(list, c, ctx.params.guild);
      set(existing ? list.map((x) => (x === existing ? cmd : x)) : [...list, cmd]);
      return ok(cmd, existing ? 200 : 201);
    });
  }

  private patchCommand(ctx: Ctx): Result {
    this.s.registrations++;
    return this.withCommands(ctx, (list, set) => {
      const existing = list.find((x) => x.id === ctx.params.cmd);
      if (!existing) return E.unknownCommand();
      if (!isObj(ctx.json)) return E.invalidJson();
      const merged: Obj = { ...(existing as unknown as Obj), ...ctx.json, type: existing.type };
      delete merged.id;
      delete merged.version;
      delete merged.application_id;
      delete merged.guild_id;
      const fe = new FormErrors();
      validateCommand(fe, [], merged);
      if (!fe.ok) return formError(fe.body());
      const cmd = this.upsertInto(list.filter((x) => x !== existing), merged, ctx.params.guild);
      cmd.id = existing.id;
      cmd.version = sameCommand(existing, cmd) ? existing.version : this.s.ids.next();
      set(list.map((x) => (x === existing ? cmd : x)));
      return ok(cmd);
    });
  }

  // ----- channel messages ----------------------------------------------------------------------

  private listMessages({ params, query }: Ctx): Result {
    const s = this.s;
    const ch = this.botChannel(params.channel!);
    if ('status' in ch) return ch;
    if (!this.botHas(ch, P.ReadMessageHistory)) return ok([]);
    const limit = query.limit === undefined ? 50 : Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      const fe = new FormErrors();
      fe.add(['limit'], 'NUMBER_TYPE_MAX', 'int value should be between 1 and 100.');
      return formError(fe.body());
    }
    let list = [...(s.messages.get(ch.id) ?? [])].sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? 1 : -1));
    if (query.before) list = list.filter((m) => BigInt(m.id) < BigInt(query.before!));
    if (query.after) list = list.filter((m) => BigInt(m.id) > BigInt(query.after!)).reverse().slice(0, limit).reverse();
    if (query.around) {
      const around = BigInt(query.around);
      const older = list.filter((m) => BigInt(m.id) <= around).slice(0, Math.ceil(limit / 2));
      const newer = list.filter((m) => BigInt(m.id) > around).slice(-Math.floor(limit / 2));
      list = [...newer, ...older];
    }
    return ok(list.slice(0, limit).map((m) => s.restMessage(m)));
  }

  private createChannelMessage({ params, json, files }: Ctx): Result {
    const s = this.s;
    const ch = this.botChannel(params.channel!);
    if ('status' in ch) return ch;
    if (!isTextType(ch.type)) return E.nonTextChannel();
    if (ch.guildId && !this.botHas(ch, ch.thread ? P.SendMessagesInThreads : P.SendMessages)) return E.missingPermissions();
    if (!ch.guildId && ch.recipients?.some((u) => s.closedDms.has(u.id))) return E.cannotSendToUser();
    // Like Discord: only Manage Threads writes in a locked thread; a message in an archived one unarchives it.
    if (ch.thread?.locked && !this.botHas(ch, P.ManageThreads)) return E.lockedThread();
    if (!isObj(json)) return E.invalidJson();
    const fe = new FormErrors();
    validateMessageBody(fe, [], json, { allowedFlags: CHANNEL_FLAGS, files: files.length });
    let referenced: APIMessage | undefined;
    const ref = json.message_reference;
    if (isObj(ref) && ref.type !== 1) {
      const refChannel = typeof ref.channel_id === 'string' ? ref.channel_id : ch.id;
      referenced = refChannel === ch.id && typeof ref.message_id === 'string' ? s.findMessage(ch.id, ref.message_id) : undefined;
      if (!referenced && ref.fail_if_not_exists !== false) {
        fe.add(['message_reference'], 'MESSAGE_REFERENCE_UNKNOWN_MESSAGE', 'Unknown message');
      }
      if (referenced && ch.guildId && !this.botHas(ch, P.ReadMessageHistory)) return E.missingPermissions();
    }
    if (!fe.ok) return formError(fe.body());
    if (totalSize(files) > MAX_UPLOAD_BYTES) return E.tooLarge();
    if (files.length && ch.guildId && !this.botHas(ch, P.AttachFiles)) return E.missingPermissions();
    const attachments = this.buildAttachments(fe, [], ch.id, json.attachments, files, [], false);
    if (!fe.ok) return formError(fe.body());
    if (isEmptyMessage({ ...json, attachments })) return E.emptyMessage();
    const nonceKey = json.nonce !== undefined && json.nonce !== null ? `${ch.id}:${String(json.nonce)}` : undefined;
    if (nonceKey && json.enforce_nonce === true) {
      const prior = s.nonces.get(nonceKey);
      const priorMsg = prior ? s.findMessage(ch.id, prior) : undefined;
      if (priorMsg) return ok(priorMsg);
    }
    const msg = s.buildMessage({
      channel: ch,
      author: s.botUser,
      content: (json.content as string | undefined) ?? '',
      embeds: json.embeds as APIEmbed[] | undefined,
      components: json.components as unknown[] | undefined,
      attachments,
      flags: (json.flags as number | undefined) ?? 0,
      tts: json.tts === true,
      nonce: json.nonce as string | number | undefined,
      poll: json.poll ?? undefined,
      stickerIds: json.sticker_ids as string[] | undefined,
      referenced,
      allowedMentions: isObj(json.allowed_mentions) ? (json.allowed_mentions as AllowedMentions) : undefined,
    });
    if (nonceKey) s.nonces.set(nonceKey, msg.id);
    if (ch.thread?.archived) s.setThreadState(ch, { archived: false });
    s.storeMessage(msg);
    return ok(msg);
  }

  private editChannelMessage({ params, json, files }: Ctx): Result {
    const s = this.s;
    const ch = this.botChannel(params.channel!);
    if ('status' in ch) return ch;
    const msg = s.findMessage(ch.id, params.message!);
    if (!msg) return E.unknownMessage();
    if (!isObj(json)) return E.invalidJson();
    // Like Discord: messages in an archived thread can't be edited; in a locked one, only with Manage Threads.
    if (ch.thread?.locked && !this.botHas(ch, P.ManageThreads)) return E.lockedThread();
    if (ch.thread?.archived) return E.archivedThread();
    if (msg.author.id !== s.botUser.id) {
      const onlyFlags = Object.keys(json).every((k) => k === 'flags');
      if (!onlyFlags || !ch.guildId) return E.cannotEditOthers();
      if (!this.botHas(ch, P.ManageMessages)) return E.missingPermissions();
    }
    const failure = this.applyEdit(msg, json, files, ch);
    if (failure) return failure;
    s.dispatchMessage(GatewayDispatchEvents.MessageUpdate, msg);
    return ok(s.restMessage(msg));
  }

  private createThread({ params, json }: Ctx, fromMessage: boolean): Result {
    const s = this.s;
    const ch = this.botChannel(params.channel!);
    if ('status' in ch) return ch;
    if (!ch.guildId || (ch.type !== ChannelType.GuildText && ch.type !== ChannelType.GuildAnnouncement)) {
      return err(400, 50024, 'Cannot execute action on this channel type');
    }
    if (!isObj(json)) return E.invalidJson();
    const fe = new FormErrors();
    if (typeof json.name !== 'string') fe.add(['name'], 'BASE_TYPE_REQUIRED', 'This field is required');
    else if ([...json.name].length < 1 || [...json.name].length > 100) fe.add(['name'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
    if (json.rate_limit_per_user !== undefined && !(Number.isInteger(json.rate_limit_per_user) && (json.rate_limit_per_user as number) >= 0 && (json.rate_limit_per_user as number) <= 21600)) {
      fe.add(['rate_limit_per_user'], 'NUMBER_TYPE_MAX', 'int value should be between 0 and 21600.');
    }
    if (json.auto_archive_duration !== undefined && ![60, 1440, 4320, 10080].includes(json.auto_archive_duration as number)) {
      fe.add(['auto_archive_duration'], 'BASE_TYPE_CHOICES', 'Value must be one of {60, 1440, 4320, 10080}.');
    }
    let type: ChannelType;
    let msg: APIMessage | undefined;
    if (fromMessage) {
      msg = s.findMessage(ch.id, params.message!);
      if (!msg) return E.unknownMessage();
      if (msg.thread) return err(400, 160004, 'A thread has already been created for this message');
      type = ch.type === ChannelType.GuildAnnouncement ? ChannelType.AnnouncementThread : ChannelType.PublicThread;
    } else {
      if (json.type === undefined) fe.add(['type'], 'BASE_TYPE_REQUIRED', 'This field is required');
      else if (![10, 11, 12].includes(json.type as number)) fe.add(['type'], 'BASE_TYPE_CHOICES', 'Value must be one of {10, 11, 12}.');
      type = json.type as ChannelType;
    }
    if (!fe.ok) return formError(fe.body());
    const needed = type === ChannelType.PrivateThread ? P.CreatePrivateThreads : P.CreatePublicThreads;
    if (!this.botHas(ch, needed)) return E.missingPermissions();
    const guild = s.guilds.get(ch.guildId)!;
    const thread = s.addThread(guild, {
      id: msg?.id ?? s.ids.next(),
      parentId: ch.id,
      name: json.name as string,
      type,
      ownerId: s.botUser.id,
      autoArchiveDuration: (json.auto_archive_duration as number | undefined) ?? 1440,
    });
    const body = s.channelJSON(thread);
    if (msg) {
      msg.thread = body;
      msg.flags = (msg.flags ?? 0) | MessageFlags.HasThread;
    }
    const member = { id: thread.id, user_id: s.botUser.id, join_timestamp: discordTimestamp(), flags: 1 };
    s.dispatch(GatewayDispatchEvents.ThreadCreate, (sess) =>
      sess.intents & GatewayIntentBits.Guilds ? { ...body, newly_created: true, member } : null,
    );
    return ok({ ...body, member }, 201);
  }

  // ----- interactions --------------------------------------------------------------------------

  private interactionCallback(ctx: Ctx): Result {
    const s = this.s;
    const ia = s.interactions.get(ctx.params.id!);
    if (!ia || ia.token !== ctx.params.token) return E.unknownInteraction();
    ia.requests.push(ctx.rec);
    const first = ia.callbackAt === undefined;
    if (first) ia.callbackAt = ctx.rec.at;
    const json = isObj(ctx.json) ? ctx.json : {};
    const record: FakeCallbackRecord = {
      type: json.type as number,
      data: json.data,
      files: ctx.files,
      at: ctx.rec.at,
      status: 0,
      ok: false,
      withResponse: ctx.query.with_response === 'true',
    };
    const result = this.runCallback(ia, json, ctx);
    record.status = result.status;
    record.ok = result.status < 300;
    if (!record.ok) record.error = result.body;
    ia.callbacks.push(record);
    ia.changed();
    return result;
  }

  private runCallback(ia: FakeInteraction, json: Obj, ctx: Ctx): Result {
    const s = this.s;
    const fe = new FormErrors();
    const type = json.type;
    if (typeof type !== 'number') {
      fe.add(['type'], 'BASE_TYPE_REQUIRED', 'This field is required');
      return formError(fe.body());
    }
    if (ia.acknowledged) return E.alreadyAcked();
    if (ia.expired || s.now() - ia.dispatchedAt > s.ackDeadlineMs) return E.unknownInteraction();
    const R = InteractionResponseType;
    const allowed: Record<number, number[]> = {
      [InteractionType.ApplicationCommand]: [R.ChannelMessageWithSource, R.DeferredChannelMessageWithSource, R.Modal],
      [InteractionType.MessageComponent]: [R.ChannelMessageWithSource, R.DeferredChannelMessageWithSource, R.DeferredMessageUpdate, R.UpdateMessage, R.Modal],
      [InteractionType.ApplicationCommandAutocomplete]: [R.ApplicationCommandAutocompleteResult],
      [InteractionType.ModalSubmit]: [R.ChannelMessageWithSource, R.DeferredChannelMessageWithSource, R.DeferredMessageUpdate, R.UpdateMessage],
    };
    const valid = allowed[ia.type] ?? [];
    if (!valid.includes(type)) {
      fe.add(['type'], 'INTERACTION_RESPONSE_TYPE_INVALID', `Interaction response type must be one of {${valid.join(', ')}} for this interaction.`);
      return formError(fe.body());
    }
    const data = json.data;
    const ch = s.channels.get(ia.channelId)!;
    let message: APIMessage | undefined;
    switch (type) {
      case R.ChannelMessageWithSource: {
        if (!isObj(data)) {
          fe.add(['data'], 'BASE_TYPE_REQUIRED', 'This field is required');
          return formError(fe.body());
        }
        const created = this.newInteractionMessage(ia, ch, data, ctx.files, { path: ['data'], original: true });
        if ('status' in created) return created;
        message = created;
        ia.ephemeral = ((message.flags ?? 0) & MessageFlags.Ephemeral) !== 0;
        break;
      }
      case R.DeferredChannelMessageWithSource: {
        const flags = isObj(data) && typeof data.flags === 'number' ? data.flags : 0;
        if (flags & ~(MessageFlags.Ephemeral | MessageFlags.SuppressNotifications | MessageFlags.IsComponentsV2)) {
          fe.add(['data', 'flags'], 'MESSAGE_FLAGS_INVALID', 'Invalid flags');
          return formError(fe.body());
        }
        ia.ephemeral = (flags & MessageFlags.Ephemeral) !== 0;
        ia.deferred = true;
        message = s.buildMessage({
          channel: ch,
          author: s.botUser,
          flags: (flags & MessageFlags.Ephemeral) | MessageFlags.Loading,
          type: this.originalType(ia),
          webhookId: s.applicationId,
          applicationId: s.applicationId,
          extra: this.interactionMeta(ia),
        });
        ia.originalMessage = message;
        if (!ia.ephemeral) s.storeMessage(message);
        break;
      }
      case R.DeferredMessageUpdate:
      case R.UpdateMessage: {
        const source = ia.payload.message;
        const stored = source ? s.findMessage(source.channel_id, source.id) : undefined;
        const target = stored ?? (source ? s.findEphemeral(source.channel_id, source.id)?.message : undefined);
        if (!target) return E.unknownMessage();
        if (type === R.UpdateMessage && isObj(data)) {
          const failure = this.applyEdit(target, data, ctx.files, ch, ['data']);
          if (failure) return failure;
          // Discord sends no gateway events for ephemeral messages.
          if (stored) s.dispatchMessage(GatewayDispatchEvents.MessageUpdate, target);
        }
        ia.originalMessage = target;
        message = type === R.UpdateMessage ? target : undefined;
        break;
      }
      case R.ApplicationCommandAutocompleteResult: {
        const choices = isObj(data) ? data.choices : undefined;
        if (!Array.isArray(choices)) fe.add(['data', 'choices'], 'BASE_TYPE_REQUIRED', 'This field is required');
        else if (choices.length > 25) fe.add(['data', 'choices'], 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
        else {
          choices.forEach((c, i) => {
            const name = isObj(c) ? c.name : undefined;
            const value = isObj(c) ? c.value : undefined;
            if (typeof name !== 'string' || name.length < 1 || name.length > 100) {
              fe.add(['data', 'choices', i, 'name'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
            }
            if (typeof value === 'string' ? value.length > 100 : typeof value !== 'number') {
              fe.add(['data', 'choices', i, 'value'], 'BASE_TYPE_MAX_LENGTH', 'Must be 100 or fewer in length.');
            }
          });
        }
        if (!fe.ok) return formError(fe.body());
        ia.autocompleteChoices = choices as APIApplicationCommandOptionChoice[];
        break;
      }
      case R.Modal: {
        const m = isObj(data) ? data : {};
        if (typeof m.custom_id !== 'string' || m.custom_id.length < 1 || m.custom_id.length > 100) {
          fe.add(['data', 'custom_id'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
        }
        if (typeof m.title !== 'string' || m.title.length < 1 || m.title.length > 45) {
          fe.add(['data', 'title'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 45 in length.');
        }
        if (!Array.isArray(m.components) || m.components.length < 1 || m.components.length > 5) {
          fe.add(['data', 'components'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 5 in length.');
        }
        if (!fe.ok) return formError(fe.body());
        ia.modal = m as unknown as APIModalInteractionResponseCallbackData;
        break;
      }
    }
    ia.acknowledged = true;
    ia.responseType = type;
    if (ctx.query.with_response !== 'true') return noContent;
    const orig = ia.originalMessage;
    return ok({
      interaction: {
        id: ia.id,
        type: ia.type,
        activity_instance_id: null,
        ...(orig
          ? {
              response_message_id: orig.id,
              response_message_loading: ((orig.flags ?? 0) & MessageFlags.Loading) !== 0,
              response_message_ephemeral: ((orig.flags ?? 0) & MessageFlags.Ephemeral) !== 0,
            }
          : {}),
      },
      resource: { type, ...(message ? { message } : {}) },
    });
  }

  private originalType(ia: FakeInteraction): MessageType {
    if (ia.type !== InteractionType.ApplicationCommand) return MessageType.Default;
    return ia.commandType === ApplicationCommandType.ChatInput ? MessageType.ChatInputCommand : MessageType.ContextMenuCommand;
  }

  /** Create an interaction response / follow-up message (validated). */
  private newInteractionMessage(
    ia: FakeInteraction,
    ch: ChannelState,
    json: Obj,
    files: UploadedFile[],
    opts: { path: string[]; original: boolean },
  ): APIMessage | Result {
    const s = this.s;
    const fe = new FormErrors();
    validateMessageBody(fe, opts.path, json, { allowedFlags: INTERACTION_FLAGS, files: files.length });
    if (!fe.ok) return formError(fe.body());
    if (totalSize(files) > MAX_UPLOAD_BYTES) return E.tooLarge();
    const flags = typeof json.flags === 'number' ? json.flags : 0;
    const ephemeral = (flags & MessageFlags.Ephemeral) !== 0;
    const attachments = this.buildAttachments(fe, opts.path, ch.id, json.attachments, files, [], ephemeral);
    if (!fe.ok) return formError(fe.body());
    if (isEmptyMessage({ ...json, attachments })) return E.emptyMessage();
    const orig = ia.originalMessage;
    const msg = s.buildMessage({
      channel: ch,
      author: s.botUser,
      content: (json.content as string | undefined) ?? '',
      embeds: json.embeds as APIEmbed[] | undefined,
      components: json.components as unknown[] | undefined,
      attachments,
      flags,
      tts: json.tts === true,
      poll: json.poll ?? undefined,
      type: opts.original ? this.originalType(ia) : MessageType.Default,
      webhookId: s.applicationId,
      applicationId: s.applicationId,
      allowedMentions: isObj(json.allowed_mentions) ? (json.allowed_mentions as AllowedMentions) : undefined,
      extra: this.interactionMeta(ia, !opts.original && orig ? { original_response_message_id: orig.id } : {}),
    });
    if (opts.original) ia.originalMessage = msg;
    if (!ephemeral) s.storeMessage(msg);
    return msg;
  }

  /** Resolve the interaction for a /webhooks/:app/:token route, enforcing token validity. */
  private withInteraction(ctx: Ctx, fn: (ia: FakeInteraction) => Result): Result {
    const s = this.s;
    if (ctx.params.app !== s.applicationId) return E.unknownWebhook();
    const ia = s.interactionsByToken.get(ctx.params.token!);
    if (!ia) return E.invalidWebhookToken();
    ia.requests.push(ctx.rec);
    if (ia.expired || s.now() - ia.dispatchedAt > s.tokenLifetimeMs) return E.invalidWebhookToken();
    const result = fn(ia);
    ia.changed();
    return result;
  }

  private followUp(ctx: Ctx, ia: FakeInteraction): Result {
    const s = this.s;
    if (!ia.acknowledged) return E.unknownWebhook();
    if (!isObj(ctx.json)) return E.invalidJson();
    const ch = s.channels.get(ia.channelId)!;
    const orig = ia.original();
    let msg: APIMessage;
    if (orig && (orig.flags ?? 0) & MessageFlags.Loading) {
      // Real Discord: the first follow-up after a deferred response replaces the loading message.
      const json = { ...ctx.json };
      delete json.flags;
      const fe = new FormErrors();
      validateMessageBody(fe, [], ctx.json, { allowedFlags: INTERACTION_FLAGS, files: ctx.files.length });
      if (!fe.ok) return formError(fe.body());
      const failure = this.applyEdit(orig, json, ctx.files, ch);
      if (failure) return failure;
      s.dispatchMessage(GatewayDispatchEvents.MessageUpdate, orig);
      msg = orig;
    } else {
      const created = this.newInteractionMessage(ia, ch, ctx.json, ctx.files, { path: [], original: false });
      if ('status' in created) return created;
      msg = created;
    }
    ia.followUps.push(msg);
    return ctx.query.wait === 'true' ? ok(msg) : noContent;
  }

  private webhookMessage(ctx: Ctx, ia: FakeInteraction, method: string): Result {
    const s = this.s;
    const id = ctx.params.message!;
    const orig = ia.original();
    const msg = id === '@original' ? orig : id === orig?.id ? orig : ia.followUps.find((m) => m.id === id);
    if (!msg) return E.unknownMessage();
    const ch = s.channels.get(ia.channelId)!;
    if (method === 'GET') return ok(msg);
    if (method === 'DELETE') {
      if (msg === orig) ia.originalDeleted = true;
      const i = ia.followUps.indexOf(msg);
      if (i >= 0) ia.followUps.splice(i, 1);
      s.removeMessage(msg);
      s.dispatchMessageDelete(msg);
      return noContent;
    }
    if (!isObj(ctx.json)) return E.invalidJson();
    const failure = this.applyEdit(msg, ctx.json, ctx.files, ch);
    if (failure) return failure;
    if (msg === orig) {
      ia.originalEdits.push({ body: ctx.json, files: ctx.files, at: ctx.rec.at, message: structuredClone(msg) });
    }
    s.dispatchMessage(GatewayDispatchEvents.MessageUpdate, msg);
    return ok(msg);
  }
}

// ---------------------------------------------------------------------------------------------

function matchRoute(route: string[], segs: string[]): Record<string, string> | undefined {
  if (route.length !== segs.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < route.length; i++) {
    const r = route[i]!;
    const s = segs[i]!;
    if (r.startsWith(':')) params[r.slice(1)] = decodeURIComponent(s);
    else if (r !== s) return undefined;
  }
  return params;
}

function totalSize(files: UploadedFile[]): number {
  return files.reduce((n, f) => n + f.data.length, 0);
}

function localized(c: APIApplicationCommand, query: Record<string, string>): APIApplicationCommand {
  if (query.with_localizations === 'true') return c;
  const { name_localizations: _n, description_localizations: _d, ...rest } = c;
  return rest as APIApplicationCommand;
}

async function parseBody(
  raw: Buffer,
  contentType: string,
  method: string,
): Promise<{ recorded: unknown; json: unknown; files: UploadedFile[] }> {
  if (raw.length === 0) return { recorded: undefined, json: {}, files: [] };
  if (contentType.startsWith('multipart/form-data')) {
    const form = await new Request('http://127.0.0.1/', {
      method: method === 'GET' ? 'POST' : method,
      headers: { 'content-type': contentType },
      body: raw,
    }).formData();
    const files: UploadedFile[] = [];
    const fields: Record<string, string> = {};
    let payload: unknown;
    for (const [field, value] of form.entries()) {
      if (typeof value === 'string') {
        if (field === 'payload_json') payload = JSON.parse(value);
        else fields[field] = value;
      } else {
        files.push({ field, filename: value.name, contentType: value.type, data: Buffer.from(await value.arrayBuffer()) });
      }
    }
    const recorded: MultipartBody = { payload_json: payload, files };
    if (Object.keys(fields).length) recorded.fields = fields;
    return { recorded, json: payload ?? fields, files };
  }
  const text = raw.toString('utf8');
  const parsed: unknown = JSON.parse(text);
  return { recorded: parsed, json: parsed, files: [] };
}

/** Discord's limit on an attachment's description (alt text). */
const MAX_ATTACHMENT_DESCRIPTION = 1024;

/**
 * Discord's rule for uploads: every file part is named `files[n]` (n, its snowflake placeholder, unique)
 * and carries a filename. Anything else is refused as an invalid form body.
 */
function checkUploads(files: UploadedFile[]): Result | undefined {
  const fe = new FormErrors();
  const seen = new Set<string>();
  for (const file of files) {
    if (!/^files\[\d+\]$/.test(file.field)) fe.add([file.field], 'BASE_TYPE_INVALID', 'File fields must be named files[n].');
    else if (seen.has(file.field)) fe.add([file.field], 'BASE_TYPE_DUPLICATE', 'Each file field must be named uniquely.');
    if (!file.filename) fe.add([file.field], 'BASE_TYPE_REQUIRED', 'A file must have a filename.');
    seen.add(file.field);
  }
  return fe.ok ? undefined : formError(fe.body());
}

/** Discord reports the size of an uploaded image; a PNG's is in its IHDR chunk (bytes 16–23). */
function imageSize(data: Buffer): { width?: number; height?: number } {
  const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (data.length < 24 || !data.subarray(0, 8).equals(PNG_SIGNATURE) || data.toString('latin1', 12, 16) !== 'IHDR') return {};
  return { width: data.readUInt32BE(16), height: data.readUInt32BE(20) };
}
