import type { LedgerStore } from '../../../db/ledger.ts';
import { MetaStore } from '../../../db/meta.ts';
import { OperatorStore } from '../../../db/operator.ts';
import type { SharedLedgerStore } from '../../../db/sharedLedger.ts';
import type { Logger } from '../../../logger.ts';
import { LEASE_MS, type Ledger, type OperatorOverview } from '../ledger.ts';
import { RETENTION_INTERVAL_MS } from '../../retention.ts';
import { bucketOf } from '../periods.ts';
import type { MemberHasher } from './memberHash.ts';
import {
  MAX_EVENTS_PER_LEASE, MAX_TOMBSTONES_PER_LEASE, type LeaseAnswer, type LeaseRequest, type ReserveAnswer, type ReserveRequest, type ResyncState, type SharedEvent, type SharedOp, type SharedRow, type TotalsAnswer,
} from './protocol.ts';

/**
 * Events are kept until every host has applied them, and never longer than this: a week covers a host down over a
 * long weekend or a holiday, thousands of times the ~20 s an event takes to spread. A host away longer, or one the
 * coordinator forgot (not seen for as long), catches up from a resync of the current settings instead.
 */
export const EVENTS_KEPT_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * Lease renewals trim the events at most this often. Trimming is housekeeping (an event may be kept a week anyway), and
 * every process of every host renews every 20 s: once a minute keeps what every host applied from lingering much past
 * that, without a delete (and the tombstones' writes) on each renewal holding the write lock reservations wait for.
 */
export const LEASE_TRIM_EVERY_MS = 60_000;

/**
 * How long a trimmed /forget-me is kept as a tombstone: as long as a turn it covers (stored at or before the request)
 * can exist, that is HISTORY_RETENTION_DAYS after the request, plus one interval of the retention job that deletes
 * them. Past that every host's retention has deleted those turns: there is nothing left to delete anywhere.
 */
export function tombstonesKeptMs(historyRetentionDays: number): number {
  return historyRetentionDays * 24 * 60 * 60 * 1000 + RETENTION_INTERVAL_MS;
}

/**
 * A host's broadcast is recognised by its id this long after it was recorded: a copy comes from another process of
 * the host that read the outbox before the first copy landed, or from a send whose answer was lost, within a request's
 * timeout (10 s) of it, not minutes later. Kept in memory: a copy sent to a coordinator started since was read from
 * the outbox by a process whose newer batch, sent there too, holds it as well.
 */
const BROADCAST_IDS_KEPT_MS = 10 * 60_000;
/** At most this many ids are kept (a /forget-me each, at most): a burst past it forgets the oldest early. */
const MAX_BROADCAST_IDS = 10_000;

/**
 * When the newest server-ceiling change recorded for a server was typed (meta key + the server's id). Kept EVENTS_KEPT_MS,
 * like the events that spread those changes; then dropped (one row per server ever given a ceiling would grow without end),
 * and CEILING_FLOOR_KEY keeps the newest time dropped.
 */
const CEILING_AT_KEY = 'shared_ledger.ceiling_at:';
/**
 * The newest server-ceiling time dropped: a change typed before it, arriving from a host cut off for over a week, could be
 * older than the dropped change for its server, so it is refused like one known to be older. The host takes the current
 * ceilings again once it missed a week of events (resync). One row, where a row per server was kept before.
 */
const CEILING_FLOOR_KEY = 'shared_ledger.ceiling_floor';

export interface CoordinatorDeps {
  ledger: Ledger;
  store: LedgerStore;
  shared: SharedLedgerStore;
  /** Applies an event another host sent to this host's own file (see events.ts). */
  apply: (event: SharedEvent) => void;
  /** The keyed hash a trimmed /forget-me keeps in place of the member's ID (memberHasher(LEDGER_SECRET)). */
  hashMember: MemberHasher;
  /** How long tombstones are kept (tombstonesKeptMs of the coordinator's HISTORY_RETENTION_DAYS). */
  tombstonesKeptMs: number;
  /** Where a failed trim is told (the lease renewal that ran it is answered all the same). */
  log: Logger;
  now?: () => number;
}

/**
 * The coordinator's side of the totals that span hosts. Another host's reservation is recorded here as a row of
 * the same ledger (under its own server and member, holder = that host's process), so the member's and the bot's
 * totals, the leases and the sweep work exactly as for this host's own processes.
 */
export class LedgerCoordinator {
  private readonly now: () => number;
  private readonly operator: OperatorStore;
  private readonly meta: MetaStore;
  /** When the events were last trimmed (see LEASE_TRIM_EVERY_MS); the first renewal trims. */
  private trimmedAt = Number.NEGATIVE_INFINITY;
  /** The ids of the hosts' broadcasts recorded lately, with when (oldest first): see BROADCAST_IDS_KEPT_MS. */
  private readonly broadcasts = new Map<string, number>();

  constructor(private readonly deps: CoordinatorDeps) {
    this.now = deps.now ?? Date.now;
    this.operator = new OperatorStore(deps.store.db);
    this.meta = new MetaStore(deps.store.db);
  }

  reserve(request: ReserveRequest): ReserveAnswer {
    const { ledger, store } = this.deps;
    const now = this.now();
    const answer = store.db.transaction((): ReserveAnswer => {
      const known = store.byKey(request.key);
      if (known) {
        // A repeated request: the first one's outcome stands. Released already: the host gave up on it.
        if (known.state !== 'released') return { ok: true };
        throw new KeyClosedError();
      }
      this.renew(request, now);
      const refusal = ledger.sharedRefusal(request.userId, request.reservedMicros, now);
      if (refusal) return { ok: false, refusal };
      store.reserve({
        guildId: request.guildId, userId: request.userId, channelId: null, command: request.command, model: request.model,
        reservedMicros: request.reservedMicros, bucket: bucketOf(now), createdAt: now, holder: request.holder,
        longRunning: request.longRunning, sharedKey: request.key,
      });
      return { ok: true };
    }).immediate();
    if (!answer.ok && answer.refusal.limit.source === 'bot-total') ledger.noticeSharedTotals(true);
    return answer;
  }

  /** Settlements, releases, lowerings and events from a host's outbox, in order, in one transaction. */
  apply(ops: readonly SharedOp[]): void {
    const { ledger, store, shared } = this.deps;
    const now = this.now();
    const events: SharedEvent[] = [];
    const ids: string[] = [];
    const stale: SharedEvent[] = [];
    store.db.transaction(() => {
      for (const op of ops) {
        if (op.op === 'broadcast') {
          // A copy of one recorded already: recording it again could undo a newer change recorded since.
          if (op.id !== undefined && (this.broadcasts.has(op.id) || ids.includes(op.id))) continue;
          if (op.id !== undefined) ids.push(op.id);
          const order = this.ceilingOrder(op.event);
          if (order !== 'newest') {
            stale.push(op.event);
            // Its server's newer change may be one no longer dated (or none): the host that typed it, and any that
            // took it meanwhile, take the ceiling in force here instead.
            if (order === 'before_floor' && op.event.event === 'ceiling') shared.recordEvent(this.ceilingInForce(op.event), now);
            continue;
          }
          const event = stamped(op.event, now);
          shared.recordEvent(event, now);
          events.push(event);
          continue;
        }
        const known = store.byKey(op.key);
        if (op.op === 'lower') {
          if (known) store.lower(known.id, op.micros);
          continue;
        }
        // Never seen (its reserve answer was lost, or this file was restored from a backup): recorded now, so the
        // charge counts and a late reserve with this key changes nothing.
        const id = known?.id ?? this.record(op.key, op.row, now);
        if (op.op === 'release') store.release(id, now);
        else {
          const { chargedMicros, inputTokens, cachedTokens, outputTokens, units } = op;
          // Settled already (a repeated request): nothing changes.
          store.settle(id, { chargedMicros, inputTokens, cachedTokens, outputTokens, units, settledAt: now });
        }
      }
    }).immediate();
    this.rememberBroadcasts(ids, now);
    if (stale.length > 0) this.deps.log.info({ servers: stale.map((event) => 'guildId' in event ? event.guildId : undefined) }, 'a server-ceiling change typed on a host cut off from here came after a newer one for that server (or was typed over a week ago, before changes no longer dated one by one): not applied');
    for (const event of events) this.deps.apply(event);
    if (ops.some((op) => op.op === 'settle')) ledger.noticeSharedTotals(false);
  }

  /**
   * Whether a server-ceiling change is the newest typed for its server, recording when it was typed if so: one typed on a
   * host cut off from here lands late, and must not undo a change typed since on another host (hosts' clocks in sync:
   * README). One without a time (a host of an older release) counts as the newest, as before. `before_floor`: typed
   * before the newest time dropped (CEILING_FLOOR_KEY), with none kept for its server.
   */
  private ceilingOrder(event: SharedEvent): 'newest' | 'older' | 'before_floor' {
    if (event.event !== 'ceiling' || event.at === undefined) return 'newest';
    const key = `${CEILING_AT_KEY}${event.guildId}`;
    const newest = this.meta.get(key);
    if (newest !== undefined && event.at < Number(newest)) return 'older';
    const floor = newest === undefined ? this.meta.get(CEILING_FLOOR_KEY) : undefined;
    if (floor !== undefined && event.at < Number(floor)) return 'before_floor';
    this.meta.set(key, String(event.at));
    return 'newest';
  }

  /** The ceiling in force here for the server of a refused change, as an event (in the refused change's operator's name). */
  private ceilingInForce(event: Extract<SharedEvent, { event: 'ceiling' }>): SharedEvent {
    const row = this.operator.ceiling(event.guildId);
    return { event: 'ceiling', guildId: event.guildId, actorId: event.actorId, value: row ? { amountMicros: row.amountMicros, period: row.period } : 'default' };
  }

  /** Once their transaction committed: the ids of broadcasts just recorded, dropping those past BROADCAST_IDS_KEPT_MS. */
  private rememberBroadcasts(ids: readonly string[], now: number): void {
    for (const id of ids) this.broadcasts.set(id, now);
    for (const [id, at] of this.broadcasts) {
      if (at > now - BROADCAST_IDS_KEPT_MS && this.broadcasts.size <= MAX_BROADCAST_IDS) break;
      this.broadcasts.delete(id);
    }
  }

  /** A host's process is alive: its reservations here are kept for another LEASE_MS. Also hands it the events it has not applied. */
  lease(request: LeaseRequest): LeaseAnswer {
    const now = this.now();
    const answer = this.renewAndAnswer(request, now);
    // Once the renewal committed, in a transaction of its own: the renewal's stays short (see LEASE_TRIM_EVERY_MS).
    if (now - this.trimmedAt >= LEASE_TRIM_EVERY_MS) {
      try {
        this.trimEvents();
      } catch (error) {
        this.deps.log.warn({ err: error }, 'could not trim the events kept for other hosts; will retry on a later lease renewal');
      }
    }
    return answer;
  }

  private renewAndAnswer(request: LeaseRequest, now: number): LeaseAnswer {
    const { shared } = this.deps;
    return this.deps.store.db.transaction((): LeaseAnswer => {
      this.renew(request, now);
      // A host of an older release sends no id: tracked by its name, so trimming still waits for it.
      shared.seeHost(request.hostId ?? `host:${request.host}`, request.eventsAfter, now);
      const { newest, oldest } = shared.eventBounds();
      // Seqs are given without gaps, so one between what the host applied and the oldest kept was trimmed.
      const missed = request.eventsAfter < (oldest ?? newest + 1) - 1;
      const resync = missed ? this.resync(request.eventsAfter) : undefined;
      // More tombstones than one answer holds: those first, the events once the host has caught up on them.
      if (resync && resync.tombstones.length === MAX_TOMBSTONES_PER_LEASE) return { events: [], through: resync.tombstones.at(-1)!.seq, resync };
      // An event recorded before /forget-me carried its time: the time it was recorded.
      const events = shared.eventsAfter(request.eventsAfter, MAX_EVENTS_PER_LEASE).map((row) => ({ seq: row.seq, event: stamped(row.body as SharedEvent, row.createdAt) }));
      const through = events.length === MAX_EVENTS_PER_LEASE ? events.at(-1)!.seq : newest;
      return { events, through, ...(resync ? { resync } : {}) };
    }).immediate();
  }

  /** Trims the events (see trim): after lease renewals, and on a timer, so a coordinator no host calls still drops old ones. */
  trimEvents(): void {
    const now = this.now();
    // Set before trying: a trim that fails is tried again a minute later, not on every renewal meanwhile.
    this.trimmedAt = now;
    this.deps.store.db.transaction(() => this.trim(now)).immediate();
  }

  /**
   * Deletes the events every host has applied and those older than EVENTS_KEPT_MS, and server-ceiling times as old. Until hosts have been tracked
   * for that long (since migration 0014), a host not seen yet may still need them: only age counts meanwhile.
   */
  private trim(now: number): void {
    const { shared } = this.deps;
    const cutoff = now - EVENTS_KEPT_MS;
    const applied = shared.hostsAppliedThrough(cutoff);
    const since = shared.trackingSince();
    const everyHost = since !== null && since <= cutoff ? applied ?? shared.eventBounds().newest : 0;
    shared.trimEvents(everyHost, cutoff, this.deps.hashMember);
    shared.dropTombstones(now - this.deps.tombstonesKeptMs);
    const dropped = this.meta.deleteNumbersBelow(CEILING_AT_KEY, cutoff);
    const floor = Number(this.meta.get(CEILING_FLOOR_KEY) ?? Number.NEGATIVE_INFINITY);
    if (dropped !== undefined && dropped > floor) this.meta.set(CEILING_FLOOR_KEY, String(dropped));
  }

  /** What a host that missed trimmed events needs to end up as if it had applied them. */
  private resync(eventsAfter: number): ResyncState {
    return {
      ceilings: this.operator.ceilings(), allowed: this.operator.allowedBy(), tombstones: this.deps.shared.tombstonesAfter(eventsAfter, MAX_TOMBSTONES_PER_LEASE),
    };
  }

  totals(userId: string): TotalsAnswer {
    return this.deps.ledger.sharedTotals(userId);
  }

  overview(top: number): OperatorOverview {
    return this.deps.ledger.overview(top);
  }

  /** Something done on this host (already applied here) that every other host applies on its next lease renewal. */
  broadcast(event: SharedEvent): void {
    const now = this.now();
    // Applied here already: recorded all the same, so the other hosts follow this host; noted as the newest when it is.
    this.ceilingOrder(event);
    this.deps.shared.recordEvent(stamped(event, now), now);
  }

  private renew(process: { holder: string; pid: number; host: string }, now: number): void {
    this.deps.store.renewLease({ holder: process.holder, pid: process.pid, host: process.host, now, expiresAt: now + LEASE_MS });
  }

  private record(key: string, row: SharedRow, now: number): number {
    return this.deps.store.reserve({
      guildId: row.guildId, userId: row.userId, channelId: null, command: row.command, model: row.model, reservedMicros: row.reservedMicros,
      bucket: row.bucket, createdAt: now, holder: row.holder, longRunning: row.longRunning, sharedKey: key,
    });
  }
}

/** A /forget-me with its request time: one from a host of an older release carries none, so `at` stands for it. */
function stamped(event: SharedEvent, at: number): SharedEvent {
  return event.event === 'forget' && event.at === undefined ? { ...event, at } : event;
}

/** A reserve repeated for a key its host has already released: answered 409, the host treats it as unreachable. */
export class KeyClosedError extends Error {
  constructor() {
    super('this reservation key was already released');
    this.name = 'KeyClosedError';
  }
}
