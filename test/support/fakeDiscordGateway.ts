/**
 * Gateway half of the fake Discord server (JSON encoding, no compression). Implements HELLO,
 * IDENTIFY (token + intent checks with the real close codes), READY + GUILD_CREATE, heartbeats,
 * RESUME with event replay, REQUEST_GUILD_MEMBERS and sequence tracking.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import {
  GatewayCloseCodes,
  GatewayDispatchEvents,
  GatewayIntentBits,
  GatewayOpcodes,
  type GatewayIdentifyData,
} from 'discord-api-types/v10';
import {
  ALL_INTENTS,
  PRIVILEGED_INTENTS,
  sessionHandlesGuild,
  type DispatchBuilder,
  type FakeState,
  type SessionView,
} from './fakeDiscordState.ts';

export interface GatewayPayload {
  op: number;
  d: unknown;
  s: number | null;
  t: string | null;
}

export interface GatewaySession extends SessionView {
  id: string;
  seq: number;
  /** sent dispatches, kept for RESUME replay */
  events: GatewayPayload[];
  conn: GatewayConnection | undefined;
  /** true once READY/GUILD_CREATEs were sent and the client answered the heartbeat probe */
  ready: boolean;
}

export interface GatewayConnection {
  ws: WebSocket;
  session: GatewaySession | undefined;
  probeSentAt: number | undefined;
  received: number[];
  closedByServer: boolean;
}

export interface GatewayCloseRecord {
  code: number;
  reason: string;
  /** 'server' = closed by the fake, 'client' = closed by discord.js */
  by: 'server' | 'client';
  at: number;
}

export interface DispatchRecord {
  t: string;
  s: number;
  d: unknown;
  sessionId: string;
}

const CLOSE_REASONS: Record<number, string> = {
  [GatewayCloseCodes.UnknownError]: 'Unknown error.',
  [GatewayCloseCodes.UnknownOpcode]: 'Unknown opcode.',
  [GatewayCloseCodes.DecodeError]: 'Error while decoding payload.',
  [GatewayCloseCodes.NotAuthenticated]: 'Not authenticated.',
  [GatewayCloseCodes.AuthenticationFailed]: 'Authentication failed.',
  [GatewayCloseCodes.AlreadyAuthenticated]: 'Already authenticated.',
  [GatewayCloseCodes.RateLimited]: 'Rate limited.',
  [GatewayCloseCodes.InvalidShard]: 'Invalid shard.',
  [GatewayCloseCodes.ShardingRequired]: 'Sharding required.',
  [GatewayCloseCodes.InvalidAPIVersion]: 'Invalid API version.',
  [GatewayCloseCodes.InvalidIntents]: 'Invalid intent(s).',
  [GatewayCloseCodes.DisallowedIntents]: 'Disallowed intent(s).',
  [GatewayCloseCodes.InvalidSeq]: 'Invalid seq.',
  [GatewayCloseCodes.SessionTimedOut]: 'Session timed out.',
};

/** Close codes after which Discord has dropped the session: the client reconnects with a new IDENTIFY. */
const NEW_SESSION_CLOSE_CODES: number[] = [GatewayCloseCodes.InvalidSeq, GatewayCloseCodes.SessionTimedOut];

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export class FakeGateway {
  readonly wss = new WebSocketServer({ noServer: true });
  readonly sessions = new Map<string, GatewaySession>();
  readonly connections = new Set<GatewayConnection>();
  readonly identifies: GatewayIdentifyData[] = [];
  readonly closes: GatewayCloseRecord[] = [];
  readonly dispatches: DispatchRecord[] = [];
  readonly presenceUpdates: unknown[] = [];
  heartbeats = 0;
  url = '';
  /**
   * Run once at the next IDENTIFY, between READY and the GUILD_CREATEs: what is dispatched from it reaches discord.js
   * while it waits for its servers, so it queues those packets until it is ready (a backlog at start-up).
   */
  beforeGuildCreate: (() => void) | undefined;
  private readyWaiters: (() => void)[] = [];

  constructor(private readonly s: FakeState) {
    s.dispatcher = (t, build) => this.dispatch(t, build);
  }

  handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname.startsWith('/api')) {
      socket.destroy();
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, url));
  };

  /** Send a dispatch to every session whose builder returns a payload; returns the count. */
  dispatch(t: string, build: DispatchBuilder): number {
    let n = 0;
    for (const session of this.sessions.values()) {
      const d = build(session);
      if (d === null || d === undefined) continue;
      this.sendDispatch(session, t, d);
      n++;
    }
    return n;
  }

  waitForReady(timeoutMs: number): Promise<void> {
    if ([...this.sessions.values()].some((s) => s.ready && s.conn)) return Promise.resolve();
    return this.waitForNextReady(timeoutMs);
  }

  /** Resolves at the next READY or RESUMED a client acknowledged (after a reconnect), not at one already seen. */
  waitForNextReady(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.readyWaiters = this.readyWaiters.filter((w) => w !== waiter);
        reject(new Error(`FakeDiscord.waitForReady: no session became ready within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = () => {
        clearTimeout(timer);
        resolve();
      };
      this.readyWaiters.push(waiter);
    });
  }

  /**
   * Close every client connection with `code`. Sessions stay resumable, except after 4007 and 4009,
   * whose sessions Discord forgets (the client must identify anew).
   */
  closeAll(code: number, reason = CLOSE_REASONS[code] ?? ''): void {
    for (const conn of this.connections) {
      if (conn.session && NEW_SESSION_CLOSE_CODES.includes(code)) this.sessions.delete(conn.session.id);
      this.close(conn, code, reason);
    }
  }

  /** Op 9 Invalid Session to every connected client; a session not resumable is forgotten, as Discord does. */
  invalidateSessions(resumable: boolean): void {
    for (const conn of this.connections) {
      const session = conn.session;
      if (!session) continue;
      // The connection is no longer authenticated: the client may RESUME (if resumable) or IDENTIFY on it or a new one.
      conn.session = undefined;
      if (session.conn === conn) session.conn = undefined;
      if (!resumable) this.sessions.delete(session.id);
      this.send(conn, { op: GatewayOpcodes.InvalidSession, d: resumable, s: null, t: null });
    }
  }

  /** Ask every connected client to reconnect (op 7). */
  requestReconnect(): void {
    for (const conn of this.connections) this.send(conn, { op: GatewayOpcodes.Reconnect, d: null, s: null, t: null });
  }

  shutdown(): void {
    for (const conn of this.connections) conn.ws.terminate();
    this.connections.clear();
    this.wss.close();
  }

  // ---------------------------------------------------------------------------------------------

  private onConnection(ws: WebSocket, url: URL): void {
    const conn: GatewayConnection = { ws, session: undefined, probeSentAt: undefined, received: [], closedByServer: false };
    this.connections.add(conn);
    ws.on('error', () => undefined);
    ws.on('close', (code, reason) => {
      this.connections.delete(conn);
      if (!conn.closedByServer) this.closes.push({ code, reason: reason.toString(), by: 'client', at: performance.now() });
      const session = conn.session;
      if (session && session.conn === conn) {
        session.conn = undefined;
        // A client closing with 1000/1001 invalidates its session (real Discord behaviour).
        if (!conn.closedByServer && (code === 1000 || code === 1001)) this.sessions.delete(session.id);
      }
    });
    if (url.searchParams.get('v') !== '10') return this.close(conn, GatewayCloseCodes.InvalidAPIVersion);
    const encoding = url.searchParams.get('encoding');
    if (encoding !== null && encoding !== 'json') return this.close(conn, GatewayCloseCodes.DecodeError);
    if (url.searchParams.has('compress')) return this.close(conn, GatewayCloseCodes.DecodeError, 'Compression is not supported by the fake.');
    ws.on('message', (data, isBinary) => this.onMessage(conn, data, isBinary));
    this.send(conn, {
      op: GatewayOpcodes.Hello,
      d: { heartbeat_interval: this.s.heartbeatIntervalMs, _trace: ['["fake-gateway",{"micros":0}]'] },
      s: null,
      t: null,
    });
  }

  private send(conn: GatewayConnection, payload: GatewayPayload): void {
    if (conn.ws.readyState === WebSocket.OPEN) conn.ws.send(JSON.stringify(payload));
  }

  private close(conn: GatewayConnection, code: number, reason = CLOSE_REASONS[code] ?? ''): void {
    if (conn.ws.readyState !== WebSocket.OPEN && conn.ws.readyState !== WebSocket.CONNECTING) return;
    conn.closedByServer = true;
    this.closes.push({ code, reason, by: 'server', at: performance.now() });
    conn.ws.close(code, reason);
  }

  private sendDispatch(session: GatewaySession, t: string, d: unknown): void {
    const payload: GatewayPayload = { op: GatewayOpcodes.Dispatch, t, s: ++session.seq, d };
    session.events.push(payload);
    if (session.events.length > 2000) session.events.shift();
    this.dispatches.push({ t, s: payload.s!, d, sessionId: session.id });
    if (session.conn) this.send(session.conn, payload);
  }

  private onMessage(conn: GatewayConnection, data: RawData, isBinary: boolean): void {
    if (isBinary) return this.close(conn, GatewayCloseCodes.DecodeError);
    let p: unknown;
    try {
      p = JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : String(data));
    } catch {
      return this.close(conn, GatewayCloseCodes.DecodeError);
    }
    if (!isObj(p) || typeof p.op !== 'number') return this.close(conn, GatewayCloseCodes.DecodeError);
    const now = performance.now();
    conn.received = conn.received.filter((t) => now - t < 60_000);
    conn.received.push(now);
    if (conn.received.length > 120) return this.close(conn, GatewayCloseCodes.RateLimited);
    switch (p.op) {
      case GatewayOpcodes.Heartbeat:
        this.heartbeats++;
        this.send(conn, { op: GatewayOpcodes.HeartbeatAck, d: null, s: null, t: null });
        if (conn.probeSentAt !== undefined) {
          conn.probeSentAt = undefined;
          // discord.js answered our heartbeat request, so it has processed everything sent before it.
          setTimeout(() => this.markReady(conn), 10).unref();
        }
        return;
      case GatewayOpcodes.Identify:
        return this.identify(conn, p.d);
      case GatewayOpcodes.Resume:
        return this.resume(conn, p.d);
      default:
        break;
    }
    if (!conn.session) return this.close(conn, GatewayCloseCodes.NotAuthenticated);
    switch (p.op) {
      case GatewayOpcodes.PresenceUpdate:
        this.presenceUpdates.push(p.d);
        return;
      case GatewayOpcodes.VoiceStateUpdate:
      case GatewayOpcodes.RequestSoundboardSounds:
        return;
      case GatewayOpcodes.RequestGuildMembers:
        return this.requestGuildMembers(conn.session, p.d);
      default:
        return this.close(conn, GatewayCloseCodes.UnknownOpcode);
    }
  }

  private identify(conn: GatewayConnection, d: unknown): void {
    const s = this.s;
    if (conn.session) return this.close(conn, GatewayCloseCodes.AlreadyAuthenticated);
    if (!isObj(d) || typeof d.token !== 'string' || !isObj(d.properties)) {
      return this.close(conn, GatewayCloseCodes.DecodeError);
    }
    this.identifies.push(d as unknown as GatewayIdentifyData);
    if (d.token !== s.token) return this.close(conn, GatewayCloseCodes.AuthenticationFailed);
    const intents = d.intents;
    if (typeof intents !== 'number' || !Number.isInteger(intents) || intents < 0 || intents & ~ALL_INTENTS) {
      return this.close(conn, GatewayCloseCodes.InvalidIntents);
    }
    if (intents & PRIVILEGED_INTENTS & ~s.privilegedIntents) return this.close(conn, GatewayCloseCodes.DisallowedIntents);
    const shardRaw = d.shard ?? [0, 1];
    const shard = shardRaw as [number, number];
    if (
      !Array.isArray(shardRaw) ||
      shardRaw.length !== 2 ||
      !Number.isInteger(shard[0]) ||
      !Number.isInteger(shard[1]) ||
      shard[1] < 1 ||
      shard[0] < 0 ||
      shard[0] >= shard[1]
    ) {
      return this.close(conn, GatewayCloseCodes.InvalidShard);
    }
    const held = [...s.guilds.values()].filter((g) => sessionHandlesGuild({ intents, shard }, g.id)).length;
    if (held > s.maxGuildsPerShard) return this.close(conn, GatewayCloseCodes.ShardingRequired, 'Sharding required.');
    const session: GatewaySession = {
      id: randomBytes(16).toString('hex'),
      intents,
      shard: [shard[0], shard[1]],
      seq: 0,
      events: [],
      conn,
      ready: false,
    };
    this.sessions.set(session.id, session);
    conn.session = session;
    const guilds = [...s.guilds.values()].filter((g) => sessionHandlesGuild(session, g.id));
    const pi = s.privilegedIntents;
    const appFlags =
      (pi & GatewayIntentBits.GuildPresences ? 1 << 13 : 0) |
      (pi & GatewayIntentBits.GuildMembers ? 1 << 15 : 0) |
      (pi & GatewayIntentBits.MessageContent ? 1 << 19 : 0);
    this.sendDispatch(session, GatewayDispatchEvents.Ready, {
      v: 10,
      user_settings: {},
      user: { ...s.botUser, verified: true, mfa_enabled: false, email: null, bot: true },
      guilds: guilds.map((g) => ({ id: g.id, unavailable: true })),
      session_id: session.id,
      session_type: 'normal',
      resume_gateway_url: this.url,
      shard: session.shard,
      application: { id: s.applicationId, flags: appFlags },
      private_channels: [],
      relationships: [],
      presences: [],
      guild_join_requests: [],
      geo_ordered_rtc_regions: ['fake'],
      auth: {},
      _trace: ['["fake-gateway",{"micros":0}]'],
    });
    const beforeGuildCreate = this.beforeGuildCreate;
    this.beforeGuildCreate = undefined;
    beforeGuildCreate?.();
    if (intents & GatewayIntentBits.Guilds) {
      for (const g of guilds) this.sendDispatch(session, GatewayDispatchEvents.GuildCreate, s.guildCreateJSON(g, intents));
    }
    this.scheduleProbe(conn);
  }

  private resume(conn: GatewayConnection, d: unknown): void {
    if (conn.session) return this.close(conn, GatewayCloseCodes.AlreadyAuthenticated);
    if (!isObj(d) || typeof d.token !== 'string' || typeof d.session_id !== 'string') {
      return this.close(conn, GatewayCloseCodes.DecodeError);
    }
    const session = this.sessions.get(d.session_id);
    if (!session || d.token !== this.s.token) {
      this.send(conn, { op: GatewayOpcodes.InvalidSession, d: false, s: null, t: null });
      return;
    }
    const seq = typeof d.seq === 'number' ? d.seq : 0;
    if (seq > session.seq) return this.close(conn, GatewayCloseCodes.InvalidSeq);
    if (session.conn && session.conn !== conn) this.close(session.conn, GatewayCloseCodes.UnknownError, 'Session resumed elsewhere.');
    session.conn = conn;
    conn.session = session;
    for (const e of session.events) if ((e.s ?? 0) > seq) this.send(conn, e);
    this.sendDispatch(session, GatewayDispatchEvents.Resumed, { _trace: ['["fake-gateway",{"micros":0}]'] });
    this.scheduleProbe(conn);
  }

  /** After READY/GUILD_CREATE (or RESUMED) ask the client to heartbeat; its answer marks it ready. */
  private scheduleProbe(conn: GatewayConnection): void {
    setTimeout(() => {
      if (conn.ws.readyState !== WebSocket.OPEN) return;
      conn.probeSentAt = performance.now();
      this.send(conn, { op: GatewayOpcodes.Heartbeat, d: null, s: null, t: null });
    }, 5).unref();
  }

  private markReady(conn: GatewayConnection): void {
    const session = conn.session;
    if (!session || session.conn !== conn) return;
    session.ready = true;
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const w of waiters) w();
  }

  private requestGuildMembers(session: GatewaySession, d: unknown): void {
    if (!isObj(d)) return;
    const guildIds = Array.isArray(d.guild_id) ? (d.guild_id as string[]) : [String(d.guild_id)];
    const userIds = d.user_ids === undefined ? undefined : Array.isArray(d.user_ids) ? (d.user_ids as string[]) : [String(d.user_ids)];
    const query = typeof d.query === 'string' ? d.query.toLowerCase() : undefined;
    const limit = typeof d.limit === 'number' ? d.limit : 0;
    const hasMembersIntent = (session.intents & GatewayIntentBits.GuildMembers) !== 0;
    for (const guildId of guildIds) {
      const guild = this.s.guilds.get(guildId);
      if (!guild) continue;
      let members = [...guild.members.values()];
      if (userIds) members = members.filter((m) => userIds.includes(m.user.id));
      else if (query !== undefined) {
        // Requesting the whole list (query '') requires the GuildMembers intent; without it Discord returns nothing.
        if (query === '' && !hasMembersIntent) members = [];
        else members = members.filter((m) => m.user.username.toLowerCase().startsWith(query) || (m.nick ?? '').toLowerCase().startsWith(query));
      }
      if (limit > 0) members = members.slice(0, limit);
      this.sendDispatch(session, GatewayDispatchEvents.GuildMembersChunk, {
        guild_id: guild.id,
        members: members.map((m) => this.s.memberJSON(guild, m)),
        chunk_index: 0,
        chunk_count: 1,
        ...(userIds ? { not_found: userIds.filter((id) => !guild.members.has(id)) } : {}),
        ...(d.nonce !== undefined ? { nonce: d.nonce } : {}),
      });
    }
  }
}
