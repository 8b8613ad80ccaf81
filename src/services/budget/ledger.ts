import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { BudgetStore } from '../../db/budgetLimits.ts';
import { ALL_GUILDS, SERVER_TOTAL, type CommandSpend, type LedgerStore, type OpenReservation, type Settlement } from '../../db/ledger.ts';
import { OperatorStore } from '../../db/operator.ts';
import type { Logger } from '../../logger.ts';
import { resolveLimits, type AppliedLimit, type FallbackLimit, type LimitResolution, type LimitSource } from './limits.ts';
import { bucketOf, periodWindow, type Period } from './periods.ts';
import { SpendCache } from './spendCache.ts';
import type { ReserveAnswer, ReserveRequest, SharedOp, SharedRow } from './shared/protocol.ts';

/** Direct messages have no server; their spend is kept under this pseudo-server. */
export const DM_GUILD = '@dm';

/**
 * A process renews its lease this often; one that has not renewed for LEASE_MS is gone (a crash, a
 * SIGKILL), and only then are its open reservations charged as reserved by the processes still running.
 */
export const LEASE_MS = 60_000;
const LEASE_RENEW_MS = LEASE_MS / 3;
/** Journal rows kept for processes that fell behind; one further behind rebuilds its totals from the sums. */
const JOURNAL_KEEP_ROWS = 50_000;
/** A sweep's warning names at most this many of the calls it charged (a crash mid-burst may leave hundreds). */
const ORPHANS_LOGGED = 20;
/** The operator hears when the bot's total passes these shares of BOT_LIMIT_USD, once per period each. */
export const BOT_LIMIT_NOTICE_PERCENTS = [80, 100] as const;

/** Who pays for a call. */
export interface Payer {
  guildId: string | null;
  userId: string;
  roleIds: readonly string[];
  channelId: string | null;
}

export interface PaidCall {
  command: string;
  model: string;
  /** The most this call can cost: counted input plus the maximum output, or the media price. */
  worstCaseMicros: number;
  /** Outlives the process (a fine-tuning job, settled hours later): never charged as a crash leftover. */
  longRunning?: boolean;
}

/** The operator's limits (.env): above everything a server admin sets. Periods run in UTC. */
export interface OperatorLimits {
  /** Everything the bot spends, everywhere. */
  bot: FallbackLimit | null;
  /** One person's total across every server and DM. */
  member: FallbackLimit | null;
  /** The most one server may spend, unless /operator set that server's own ceiling. */
  server: FallbackLimit | null;
  /** ALLOWED_GUILD_IDS; null: every server may use the bot (each under its ceiling). */
  allowedGuilds: readonly string[] | null;
  /** DM_ACCESS: whether the bot answers (and pays for) direct messages. */
  dmAccess: boolean;
}

export const NO_OPERATOR_LIMITS: OperatorLimits = { bot: null, member: null, server: null, allowedGuilds: null, dmAccess: true };

/**
 * A host's link to the coordinator, which keeps the totals across hosts (the member's and the bot's): it
 * answers each reservation, and receives settlements through a durable outbox (see shared/link.ts).
 */
export interface SharedLink {
  /** Throws when the coordinator cannot be reached or answers wrongly: the call is then refused. */
  reserve(request: ReserveRequest): Promise<ReserveAnswer>;
  /** Keeps an operation for the coordinator until it lands; called inside the local transaction that made it. */
  enqueue(op: SharedOp): void;
  /** Sends what the outbox holds, soon; never throws. */
  kick(): void;
}

export interface LedgerOptions {
  operator?: OperatorLimits;
  log?: Logger;
  /** Set on a host that is not the coordinator (LEDGER_URL). */
  shared?: SharedLink;
}

export interface Refusal {
  limit: AppliedLimit;
  spentMicros: number;
  requestMicros: number;
  resetsAt: number;
}

/** What onSettled tells: the call as reserved, and what it was charged. */
export interface SettledCall {
  command: string;
  model: string;
  inputTokens?: number;
  outputTokens?: number;
  chargedMicros: number;
  reservedMicros: number;
  /** A sweep had charged the call this much; this late settlement or release (charged 0) replaces that figure. */
  replacedMicros?: number;
}

export interface Reservation {
  id: number;
  reservedMicros: number;
}

export type ReserveResult = { ok: true; reservation: Reservation } | { ok: false; refusal: Refusal };

export type PayResult<T> = { ok: true; result: T } | { ok: false; refusal: Refusal };

export interface LimitStatus {
  limit: AppliedLimit;
  spentMicros: number;
  periodStart: number;
  resetsAt: number;
}

/** The operator's limits as they apply to one payer; null where none is set. */
export interface OperatorStatus {
  serverCeiling: LimitStatus | null;
  member: LimitStatus | null;
  bot: LimitStatus | null;
}

export interface UsageReport {
  resolution: LimitResolution;
  personal: LimitStatus | null;
  server: LimitStatus | null;
  operator: OperatorStatus;
  /** This period's spend (the member's own period, else this month) split by command; `interrupted`: calls a sweep charged as reserved. */
  byCommand: CommandSpend[];
  spentMicros: number;
  timeZone: string;
}

/** What /operator status shows: the bot's spend this period, by server and top members, against each operator limit. */
export interface OperatorOverview {
  /** This period: the bot limit's, else today (UTC). */
  period: Period;
  periodStart: number;
  resetsAt: number;
  totalMicros: number;
  bot: FallbackLimit | null;
  member: FallbackLimit | null;
  serverDefault: FallbackLimit | null;
  servers: { guildId: string; micros: number; ceiling: AppliedLimit | null }[];
  members: { userId: string; micros: number }[];
  /** Settlements above their reservation this period (each was a reservation that was not a true bound). */
  overruns: number;
  /** Calls this period whose process stopped before settling them, charged as reserved by a sweep. */
  interrupted: { calls: number; micros: number };
  allowList: { env: readonly string[]; added: string[] } | null;
  dmAccess: boolean;
}

export interface BotLimitNotice {
  percent: (typeof BOT_LIMIT_NOTICE_PERCENTS)[number];
  status: LimitStatus;
}

const gate = (source: LimitSource): AppliedLimit => ({ source, targetId: '', period: 'day', amountMicros: 0 });

/**
 * Reserve → settle/release: a call first reserves its worst case inside one immediate transaction
 * that checks every limit that applies (the server admins' and the operator's); no burst, from
 * however many processes, can pass a limit.
 */
export class Ledger {
  private readonly cache: SpendCache;
  private readonly operatorStore: OperatorStore;
  private readonly operator: OperatorLimits;
  private readonly log: Logger | undefined;
  /** This process's name on the reservations it holds. */
  readonly holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private leaseTimer: NodeJS.Timeout | undefined;
  private readonly noticesClaimed = new Set<string>();
  /** Told when the bot's total passes 80 % or 100 % of BOT_LIMIT_USD (once per period, across processes). */
  onBotLimitNotice: ((notice: BotLimitNotice) => void) | undefined;
  /**
   * Told after each charge commits (a settlement; a sweep's charge of an interrupted call of this host; the late settlement
   * or release replacing one), and when a limit refuses a call (metrics); neither may throw.
   */
  onSettled: ((call: SettledCall) => void) | undefined;
  onRefused: ((refusal: Refusal) => void) | undefined;

  private readonly shared: SharedLink | undefined;

  constructor(
    private readonly ledger: LedgerStore,
    private readonly budgets: BudgetStore,
    private readonly fallback: FallbackLimit | null,
    private readonly now: () => number = Date.now,
    options: LedgerOptions = {},
  ) {
    this.cache = new SpendCache(ledger);
    this.operatorStore = new OperatorStore(ledger.db);
    this.operator = options.operator ?? NO_OPERATOR_LIMITS;
    this.log = options.log;
    this.shared = options.shared;
  }

  private guildKey(payer: Payer): string {
    return payer.guildId ?? DM_GUILD;
  }

  resolve(payer: Payer): LimitResolution {
    if (payer.guildId === null) return { personal: this.fallback && { source: 'config', targetId: '', ...this.fallback }, exempt: false, server: null };
    return resolveLimits(this.budgets.limits(payer.guildId), this.budgets.exemptRoles(payer.guildId), payer.userId, payer.roleIds, this.fallback);
  }

  timeZone(payer: Payer): string {
    return (payer.guildId && this.budgets.timeZone(payer.guildId)) || 'UTC';
  }

  /** Whether the operator lets this server use the bot: ALLOWED_GUILD_IDS or /operator allow, or no allow-list at all. */
  isGuildAllowed(guildId: string): boolean {
    const { allowedGuilds } = this.operator;
    return allowedGuilds === null || allowedGuilds.includes(guildId) || this.operatorStore.isAllowed(guildId);
  }

  /** The server's ceiling: its own from /operator, else SERVER_LIMIT_USD; null when none applies. */
  serverCeiling(guildId: string): AppliedLimit | null {
    const own = this.operatorStore.ceiling(guildId);
    if (own) return own.amountMicros === null ? null : { source: 'server-ceiling', targetId: guildId, period: own.period, amountMicros: own.amountMicros };
    return this.operator.server && { source: 'server-ceiling', targetId: guildId, ...this.operator.server };
  }

  private status(guild: string, who: string, limit: AppliedLimit | null, now: number, timeZone: string): LimitStatus | null {
    if (!limit) return null;
    const window = periodWindow(limit.period, now, timeZone);
    return { limit, spentMicros: this.cache.spentSince(guild, who, bucketOf(window.start)), periodStart: window.start, resetsAt: window.end };
  }

  /** Everything the bot spent this period against BOT_LIMIT_USD; null when unlimited. Call after cache.sync(). */
  private botStatus(now: number): LimitStatus | null {
    const { bot } = this.operator;
    return this.status(ALL_GUILDS, SERVER_TOTAL, bot && { source: 'bot-total', targetId: '', ...bot }, now, 'UTC');
  }

  private operatorStatus(payer: Payer, now: number): OperatorStatus {
    const { member } = this.operator;
    return {
      // DMs have no server: the member and bot totals bound them.
      serverCeiling: payer.guildId === null ? null : this.status(payer.guildId, SERVER_TOTAL, this.serverCeiling(payer.guildId), now, 'UTC'),
      member: this.status(ALL_GUILDS, payer.userId, member && { source: 'member-total', targetId: payer.userId, ...member }, now, 'UTC'),
      bot: this.botStatus(now),
    };
  }

  /** The first limit that `micros` more would pass, or null when it fits. Reads only; call after cache.sync(). */
  private firstRefusal(payer: Payer, micros: number, now: number): Refusal | null {
    const closed = payer.guildId === null ? (this.operator.dmAccess ? null : 'dm-off') : (this.isGuildAllowed(payer.guildId) ? null : 'not-allowed');
    if (closed) return { limit: gate(closed), spentMicros: 0, requestMicros: micros, resetsAt: now };
    const guild = this.guildKey(payer);
    const resolution = this.resolve(payer);
    const timeZone = this.timeZone(payer);
    const operator = this.operatorStatus(payer, now);
    const checks = [
      this.status(guild, payer.userId, resolution.personal, now, timeZone), this.status(guild, SERVER_TOTAL, resolution.server, now, timeZone),
      operator.serverCeiling, operator.member, operator.bot,
    ];
    for (const check of checks) {
      if (check && (check.limit.amountMicros === 0 || check.spentMicros + micros > check.limit.amountMicros)) {
        return { limit: check.limit, spentMicros: check.spentMicros, requestMicros: micros, resetsAt: check.resetsAt };
      }
    }
    return null;
  }

  /** Reads in one snapshot, after catching up with what other processes committed. */
  private read<T>(fn: () => T): T {
    return this.ledger.db.transaction(() => {
      this.cache.sync();
      return fn();
    })();
  }

  /**
   * Would a call costing at least this much be refused? A pre-check before slow work (a download);
   * it reserves nothing, so the real reservation must still follow.
   */
  precheck(payer: Payer, atLeastMicros: number): Refusal | null {
    const now = this.now();
    const refusal = this.read(() => this.firstRefusal(payer, Math.max(0, Math.ceil(atLeastMicros)), now));
    if (refusal) this.onRefused?.(refusal);
    return refusal;
  }

  /** Reserves on this host's file; with a coordinator (LEDGER_URL) use reserveShared, which also asks it. */
  reserve(payer: Payer, call: PaidCall): ReserveResult {
    if (this.shared) throw new Error('this host shares its limits with a coordinator (LEDGER_URL): reserve with reserveShared');
    return this.reserveHere(payer, call, null);
  }

  /**
   * Reserves here, then, on a host with a coordinator, the member's and the bot's totals there. A
   * coordinator that cannot be reached refuses the call (nothing is spent that no limit could bound).
   */
  async reserveShared(payer: Payer, call: PaidCall): Promise<ReserveResult> {
    if (!this.shared) return this.reserveHere(payer, call, null);
    const key = randomUUID();
    const local = this.reserveHere(payer, call, key);
    if (!local.ok) return local;
    const { reservation } = local;
    let answer: ReserveAnswer;
    try {
      answer = await this.shared.reserve({
        key, holder: this.holder, pid: process.pid, host: hostname(), guildId: this.guildKey(payer), userId: payer.userId,
        command: call.command, model: call.model, reservedMicros: reservation.reservedMicros, longRunning: call.longRunning ?? false,
      });
    } catch (error) {
      this.log?.warn({ err: error, command: call.command }, 'the ledger coordinator (LEDGER_URL) could not be reached: the call is refused');
      // It may have recorded the reservation before its answer was lost: the outbox releases it there too.
      this.release(reservation);
      const refusal: Refusal = { limit: gate('coordinator-down'), spentMicros: 0, requestMicros: reservation.reservedMicros, resetsAt: this.now() };
      this.onRefused?.(refusal);
      return { ok: false, refusal };
    }
    if (answer.ok) return local;
    // Refused there: nothing was recorded at the coordinator, so only this host's copy goes.
    this.ledger.db.transaction(() => this.ledger.release(reservation.id, this.now())).immediate();
    this.onRefused?.(answer.refusal);
    return { ok: false, refusal: answer.refusal };
  }

  private reserveHere(payer: Payer, call: PaidCall, sharedKey: string | null): ReserveResult {
    const worst = Math.max(0, Math.ceil(call.worstCaseMicros));
    const now = this.now();
    const guild = this.guildKey(payer);
    const result = this.ledger.db.transaction((): ReserveResult => {
      this.cache.sync();
      const refusal = this.firstRefusal(payer, worst, now);
      if (refusal) return { ok: false, refusal };
      const id = this.ledger.reserve({
        guildId: guild, userId: payer.userId, channelId: payer.channelId, command: call.command, model: call.model,
        reservedMicros: worst, bucket: bucketOf(now), createdAt: now, longRunning: call.longRunning, holder: this.holder, sharedKey,
      });
      return { ok: true, reservation: { id, reservedMicros: worst } };
    }).immediate();
    // Refusing calls at the bot limit is reaching it, whatever share the settled spend shows.
    // With a coordinator, only it sees the bot's whole total and sends the notices.
    if (!result.ok && result.refusal.limit.source === 'bot-total' && !this.shared) this.noticeBotLimit(this.read(() => this.botStatus(now)), true);
    if (!result.ok) this.onRefused?.(result.refusal);
    return result;
  }

  /**
   * The whole money side of one call: reserve its worst case, run it, then settle what `charge` says
   * (null releases it: nothing was billed). A `run` that throws releases it; a `charge` that throws
   * settles the worst case, since the call was made and its cost is unknown.
   */
  async pay<T>(payer: Payer, call: PaidCall, run: () => Promise<T>, charge: (result: T) => Omit<Settlement, 'settledAt'> | null): Promise<PayResult<T>> {
    const reserved = await this.reserveShared(payer, call);
    if (!reserved.ok) return reserved;
    let result: T;
    try {
      result = await run();
    } catch (error) {
      this.release(reserved.reservation);
      throw error;
    }
    let settlement: Omit<Settlement, 'settledAt'> | null;
    try {
      settlement = charge(result);
    } catch (error) {
      this.log?.warn({ err: error, command: call.command, model: call.model, chargedMicros: reserved.reservation.reservedMicros },
        'could not work out what a call cost; charged its reservation (the worst case)');
      settlement = { chargedMicros: reserved.reservation.reservedMicros };
    }
    if (settlement) this.settle(reserved.reservation, settlement);
    else this.release(reserved.reservation);
    return { ok: true, result };
  }

  settle(reservation: Reservation, settlement: Omit<Settlement, 'settledAt'>): void {
    const charged = Number.isFinite(settlement.chargedMicros) ? Math.max(0, Math.ceil(settlement.chargedMicros)) : reservation.reservedMicros;
    const now = this.now();
    const { open, bot } = this.ledger.db.transaction(() => {
      const closed = this.ledger.settle(reservation.id, { ...settlement, chargedMicros: charged, settledAt: now });
      if (closed?.sharedKey && this.shared) {
        const { inputTokens, cachedTokens, outputTokens, units } = settlement;
        this.shared.enqueue({ op: 'settle', key: closed.sharedKey, row: this.sharedRow(closed), chargedMicros: charged, inputTokens, cachedTokens, outputTokens, units });
      }
      // The bot's total for the notices, read in the same transaction (no second one on every settlement).
      // With a coordinator, it holds the bot's total and sends the notices.
      if (!closed || !this.operator.bot || !this.onBotLimitNotice || this.shared) return { open: closed, bot: null };
      this.cache.sync();
      return { open: closed, bot: this.botStatus(now) };
    }).immediate();
    if (!open) {
      this.log?.warn({ reservationId: reservation.id, chargedMicros: charged }, 'a reservation was already settled or released when its call settled; the charge was not recorded');
      return;
    }
    if (open.sharedKey) this.shared?.kick();
    if (charged > open.reservedMicros) {
      this.log?.warn({ reservationId: reservation.id, command: open.command, model: open.model, reservedMicros: open.reservedMicros, chargedMicros: charged },
        'a call cost more than its reservation: the reservation was not a true upper bound');
    }
    this.onSettled?.({
      command: open.command, model: open.model, inputTokens: settlement.inputTokens, outputTokens: settlement.outputTokens, chargedMicros: charged, reservedMicros: open.reservedMicros,
      ...(open.sweptMicros === undefined ? {} : { replacedMicros: open.sweptMicros }),
    });
    if (bot) this.noticeBotLimit(bot);
  }

  /**
   * Lowers an open reservation once the call's true bound is known to be smaller (a fine-tuning job whose
   * `auto` epochs OpenAI has resolved); the room goes back to every limit. Never raises one.
   */
  lower(reservation: Reservation, micros: number): Reservation {
    const target = Math.max(0, Math.ceil(micros));
    const lowered = this.ledger.db.transaction(() => {
      const open = this.ledger.lower(reservation.id, target);
      if (open?.sharedKey && this.shared) this.shared.enqueue({ op: 'lower', key: open.sharedKey, micros: target });
      return open;
    }).immediate();
    if (lowered?.sharedKey) this.shared?.kick();
    return lowered ? { id: reservation.id, reservedMicros: target } : reservation;
  }

  release(reservation: Reservation): void {
    const open = this.ledger.db.transaction(() => {
      const closed = this.ledger.release(reservation.id, this.now());
      if (closed?.sharedKey && this.shared) this.shared.enqueue({ op: 'release', key: closed.sharedKey, row: this.sharedRow(closed) });
      return closed;
    }).immediate();
    if (open?.sharedKey) this.shared?.kick();
    // A sweep had charged it: nothing was billed after all.
    if (open?.sweptMicros !== undefined) this.onSettled?.({ command: open.command, model: open.model, chargedMicros: 0, reservedMicros: open.reservedMicros, replacedMicros: open.sweptMicros });
  }

  /** What the coordinator needs to record a reservation of this host's it never saw. */
  private sharedRow(open: OpenReservation): SharedRow {
    return {
      guildId: open.guildId, userId: open.userId, command: open.command, model: open.model,
      reservedMicros: open.reservedMicros, bucket: open.bucket, holder: this.holder, longRunning: false,
    };
  }

  /**
   * The coordinator's check for a reservation another host makes: the member's total and the bot's, the
   * limits that span hosts. Call inside the transaction that records it.
   */
  sharedRefusal(userId: string, micros: number, now: number): Refusal | null {
    this.cache.sync();
    const { member } = this.operator;
    const checks = [this.status(ALL_GUILDS, userId, member && { source: 'member-total', targetId: userId, ...member }, now, 'UTC'), this.botStatus(now)];
    for (const check of checks) {
      if (check && (check.limit.amountMicros === 0 || check.spentMicros + micros > check.limit.amountMicros)) {
        return { limit: check.limit, spentMicros: check.spentMicros, requestMicros: micros, resetsAt: check.resetsAt };
      }
    }
    return null;
  }

  /** The coordinator's figures for /usage on another host: the member's total everywhere and the bot's, against the operator's limits. */
  sharedTotals(userId: string): Pick<OperatorStatus, 'member' | 'bot'> {
    const now = this.now();
    const { member } = this.operator;
    return this.read(() => ({
      member: this.status(ALL_GUILDS, userId, member && { source: 'member-total', targetId: userId, ...member }, now, 'UTC'),
      bot: this.botStatus(now),
    }));
  }

  /** The coordinator, after other hosts' reservations or settlements: the bot-limit notices, once across every host. */
  noticeSharedTotals(refusedAtBotLimit: boolean): void {
    if (!this.operator.bot || !this.onBotLimitNotice) return;
    const now = this.now();
    this.noticeBotLimit(this.read(() => this.botStatus(now)), refusedAtBotLimit);
  }

  /** Holds this process's lease and sweeps expired holders' reservations until stop(); returns how many it charged now. */
  start(): number {
    const charged = this.chargeOrphans();
    this.leaseTimer = setInterval(() => {
      try {
        this.sweep();
      } catch (error) {
        this.log?.warn({ err: error }, 'ledger lease renewal or sweep failed; will retry');
      }
    }, LEASE_RENEW_MS);
    this.leaseTimer.unref();
    return charged;
  }

  /** Gives up the lease: reservations still open are charged as reserved by the next sweep of any process. */
  stop(): void {
    clearInterval(this.leaseTimer);
    this.leaseTimer = undefined;
    this.ledger.endLease(this.holder);
  }

  private renewLease(now: number): void {
    this.ledger.renewLease({ holder: this.holder, pid: process.pid, host: hostname(), now, expiresAt: now + LEASE_MS });
  }

  /** Renews the lease; charges reservations whose holder's lease has expired; trims the journal. */
  private sweep(): number {
    const now = this.now();
    const charged = this.ledger.db.transaction(() => {
      this.renewLease(now);
      this.ledger.forgetExpiredLeases(now);
      const open = this.closeOrphans(now);
      this.ledger.trimJournal(JOURNAL_KEEP_ROWS);
      return open;
    }).immediate();
    this.logOrphans(charged);
    this.tellOrphans(charged);
    return charged.length;
  }

  /**
   * Charges, as reserved, reservations left open by processes that are gone (their lease expired, or they predate
   * leases): see chargeOrphan. Long-running ones (fine-tuning jobs at OpenAI) are still running: their owner settles them.
   */
  chargeOrphans(): number {
    const charged = this.ledger.db.transaction(() => {
      const now = this.now();
      this.renewLease(now);
      return this.closeOrphans(now);
    }).immediate();
    this.cache.clear();
    this.logOrphans(charged);
    this.tellOrphans(charged);
    return charged.length;
  }

  /**
   * onSettled for each call a sweep charged, once across processes (one sweep closes each). On the coordinator, rows
   * with a shared key are other hosts' calls: their own host tells of them (its file is swept too), as of their settlements.
   */
  private tellOrphans(rows: readonly OpenReservation[]): void {
    for (const { command, model, reservedMicros, sharedKey } of rows) {
      if (sharedKey && !this.shared) continue;
      this.onSettled?.({ command, model, chargedMicros: reservedMicros, reservedMicros });
    }
  }

  private closeOrphans(now: number): OpenReservation[] {
    return this.ledger.orphanedReservations(now).filter((row) => this.ledger.chargeOrphan(row.id, now));
  }

  /** One warning per sweep that charged something, naming the calls (a few) so the operator can tell whose they were. */
  private logOrphans(rows: readonly OpenReservation[]): void {
    if (rows.length === 0) return;
    const chargedMicros = rows.reduce((sum, row) => sum + row.reservedMicros, 0);
    const calls = rows.slice(0, ORPHANS_LOGGED).map(({ id, guildId, userId, command, model, reservedMicros }) => ({ id, guildId, userId, command, model, reservedMicros }));
    this.log?.warn({ charged: rows.length, chargedMicros, calls },
      'interrupted calls: a bot process stopped without settling them (killed, crashed, or past the shutdown wait); charged as reserved, since OpenAI most likely billed them');
  }

  /** Tells onBotLimitNotice, once per period and level across every process, when the bot's total passed a level. */
  private noticeBotLimit(status: LimitStatus | null, reached = false): void {
    if (!status || !this.onBotLimitNotice) return;
    const now = this.now();
    for (const percent of [...BOT_LIMIT_NOTICE_PERCENTS].reverse()) {
      if (!(reached && percent === 100) && status.spentMicros * 100 < status.limit.amountMicros * percent) continue;
      const key = `${status.periodStart}|${percent}`;
      if (this.noticesClaimed.has(key)) return;
      this.noticesClaimed.add(key);
      // Passing 100 % also passes 80 %: one notice says it, and the 80 % one is not sent afterwards.
      const first = this.operatorStore.claimNotice(status.periodStart, percent, now);
      if (percent === 100) this.operatorStore.claimNotice(status.periodStart, 80, now);
      if (first) this.onBotLimitNotice({ percent, status });
      return;
    }
  }

  usage(payer: Payer): UsageReport {
    const now = this.now();
    const guild = this.guildKey(payer);
    return this.read(() => {
      const resolution = this.resolve(payer);
      const timeZone = this.timeZone(payer);
      const personal = this.status(guild, payer.userId, resolution.personal, now, timeZone);
      const server = this.status(guild, SERVER_TOTAL, resolution.server, now, timeZone);
      const since = personal?.periodStart ?? periodWindow('month', now, timeZone).start;
      const byCommand = this.ledger.spendByCommand(guild, payer.userId, since);
      return {
        resolution, personal, server, operator: this.operatorStatus(payer, now), byCommand,
        spentMicros: byCommand.reduce((sum, c) => sum + c.micros, 0), timeZone,
      };
    });
  }

  /** The operator's view of this period, across every server and DM (UTC). */
  overview(top: number): OperatorOverview {
    const now = this.now();
    const period = this.operator.bot?.period ?? 'day';
    const window = periodWindow(period, now, 'UTC');
    const from = bucketOf(window.start);
    return this.read(() => ({
      period, periodStart: window.start, resetsAt: window.end,
      totalMicros: this.cache.spentSince(ALL_GUILDS, SERVER_TOTAL, from),
      bot: this.operator.bot, member: this.operator.member, serverDefault: this.operator.server,
      servers: this.ledger.spendByGuildSince(from, top).map((row) => ({ ...row, ceiling: row.guildId === DM_GUILD ? null : this.serverCeiling(row.guildId) })),
      members: this.ledger.topSpendersSince(ALL_GUILDS, from, top),
      overruns: this.ledger.overrunsSince(window.start),
      interrupted: this.ledger.interruptedSince(window.start),
      allowList: this.operator.allowedGuilds && { env: this.operator.allowedGuilds, added: this.operatorStore.allowedGuilds() },
      dmAccess: this.operator.dmAccess,
    }));
  }

  /** Sets one server's ceiling (null amount: none); `clear` goes back to SERVER_LIMIT_USD. */
  setServerCeiling(guildId: string, value: { amountMicros: number | null; period: Period } | 'default', actorId: string): void {
    if (value === 'default') this.operatorStore.clearCeiling(guildId);
    else this.operatorStore.setCeiling(guildId, value, actorId, this.now());
  }

  /** Adds a server to the operator's allow-list; false when it was already on it. */
  allowGuild(guildId: string, actorId: string): boolean {
    return this.operatorStore.allow(guildId, actorId, this.now());
  }

  /** The operator's limits above a server admin's: the server's ceiling and each person's total. */
  operatorLimitsFor(guildId: string): { serverCeiling: AppliedLimit | null; member: FallbackLimit | null } {
    return { serverCeiling: this.serverCeiling(guildId), member: this.operator.member };
  }

  /** Whether an allow-list is in use (ALLOWED_GUILD_IDS set). */
  get usesAllowList(): boolean {
    return this.operator.allowedGuilds !== null;
  }

  topSpenders(guildId: string, period: 'day' | 'week' | 'month', limit: number): { userId: string; micros: number }[] {
    const window = periodWindow(period, this.now(), this.budgets.timeZone(guildId) ?? 'UTC');
    return this.ledger.topSpendersSince(guildId, bucketOf(window.start), limit);
  }
}
