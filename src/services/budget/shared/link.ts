import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { MetaStore } from '../../../db/meta.ts';
import type { SharedLedgerStore } from '../../../db/sharedLedger.ts';
import type { Logger } from '../../../logger.ts';
import { LEASE_MS, type OperatorOverview, type SharedLink } from '../ledger.ts';
import { CoordinatorError, type CoordinatorClient } from './client.ts';
import { MAX_OPS_PER_REQUEST, type ReserveAnswer, type ReserveRequest, type ResyncState, type SharedEvent, type SharedOp, type TotalsAnswer } from './protocol.ts';

/** The lease at the coordinator is renewed this often (three tries before it would expire). */
const LEASE_RENEW_MS = LEASE_MS / 3;
/** An outbox the coordinator did not take is tried again after this long, doubling up to the cap. */
const RETRY_FIRST_MS = 1_000;
const RETRY_MAX_MS = 30_000;
/** The coordinator's events this host has applied, by their sequence number. */
const EVENTS_SEQ_KEY = 'shared_ledger.events_seq';
/** This host's id at the coordinator: one per database file, so every process of the host shares it. */
const HOST_ID_KEY = 'shared_ledger.host_id';

export interface LinkDeps {
  client: CoordinatorClient;
  store: SharedLedgerStore;
  meta: MetaStore;
  /** Applies an event (another host's /forget-me or /operator change) to this host's file (see events.ts). */
  apply: (event: SharedEvent) => void;
  /**
   * Brings this host's copy of the operator's settings to the coordinator's, after events it had not applied were
   * trimmed; `appliedThrough` is the last event this host applied (null: none ever, a new host). See events.ts.
   */
  resync: (state: ResyncState, appliedThrough: number | null) => void;
  log: Logger;
  now?: () => number;
}

/**
 * A host's side of the totals that span hosts: reservations are asked of the coordinator; settlements,
 * releases and /forget-me go into an outbox in the same local transaction, and are sent until the
 * coordinator takes them (it applies each once, by key), so a coordinator that is down or restarting
 * loses nothing and charges nothing twice. The lease keeps this process's reservations there alive.
 */
export class CoordinatorLink implements SharedLink {
  private holder: string | undefined;
  private flushing: Promise<boolean> | undefined;
  private next: Promise<boolean> | undefined;
  private retryMs = RETRY_FIRST_MS;
  private retryTimer: NodeJS.Timeout | undefined;
  private leaseTimer: NodeJS.Timeout | undefined;
  private failing = false;
  private readonly now: () => number;

  constructor(private readonly deps: LinkDeps) {
    this.now = deps.now ?? Date.now;
  }

  reserve(request: ReserveRequest): Promise<ReserveAnswer> {
    return this.deps.client.reserve(request);
  }

  enqueue(op: SharedOp): void {
    this.deps.store.enqueue(op, this.now());
  }

  kick(): void {
    void this.flush();
  }

  totals(userId: string): Promise<TotalsAnswer> {
    return this.deps.client.totals(userId);
  }

  overview(top: number): Promise<OperatorOverview> {
    return this.deps.client.overview(top);
  }

  /** Operations waiting for the coordinator. */
  get pending(): number {
    return this.deps.store.pendingCount();
  }

  /** For /metrics: the operations waiting for the coordinator and the age of the oldest (0 when none waits). */
  outbox(): { entries: number; oldestAgeMs: number } {
    const { entries, oldestAt } = this.deps.store.outbox();
    return { entries, oldestAgeMs: oldestAt === null ? 0 : Math.max(0, this.now() - oldestAt) };
  }

  /** Told of every call to the coordinator and how it ended (for /metrics). */
  observeCalls(hook: NonNullable<CoordinatorClient['onCall']>): void {
    this.deps.client.onCall = hook;
  }

  /** Whether the coordinator answered this host's last call (false before any answer). */
  get reachable(): boolean {
    return this.deps.client.reachable;
  }

  /**
   * Sends the whole outbox; true once it is empty. A run under way may have read the outbox before the caller's
   * operation went in: the call then waits for one more run after it (shared by every call meanwhile).
   */
  flush(): Promise<boolean> {
    if (!this.flushing) return (this.flushing = this.run());
    this.next ??= this.flushing.then(() => {
      this.next = undefined;
      return (this.flushing = this.run());
    });
    return this.next;
  }

  private run(): Promise<boolean> {
    return this.drain().catch((error: unknown) => {
      // This host's own database failed (or closed while stopping): the outbox is still there for the next run.
      this.deps.log.warn({ err: error }, 'could not read or update the ledger outbox');
      return false;
    }).finally(() => {
      this.flushing = undefined;
    });
  }

  private async drain(): Promise<boolean> {
    const { store, client, log } = this.deps;
    for (;;) {
      const batch = store.pending(MAX_OPS_PER_REQUEST);
      if (batch.length === 0) break;
      try {
        await client.apply(batch.map((row) => row.body as SharedOp));
        store.delivered(batch.at(-1)!.seq);
      } catch (error) {
        // One entry it can never take (400) must not hold back every one after it: they go one at a time.
        if (error instanceof CoordinatorError && error.status === 400 && await this.oneByOne(batch)) continue;
        if (!this.failing) log.warn({ err: error, pending: store.pendingCount() }, 'the ledger coordinator did not take this host\'s settlements; they are kept and sent again');
        this.failing = true;
        this.scheduleRetry();
        return false;
      }
    }
    if (this.failing) log.info('the ledger coordinator took every settlement kept while it could not be reached');
    this.failing = false;
    this.retryMs = RETRY_FIRST_MS;
    return true;
  }

  /** Sends a batch entry by entry, dropping (and logging) those the coordinator refuses as malformed; false when it stopped answering. */
  private async oneByOne(batch: { seq: number; body: unknown }[]): Promise<boolean> {
    const { store, client, log } = this.deps;
    for (const row of batch) {
      try {
        await client.apply([row.body as SharedOp]);
      } catch (error) {
        if (!(error instanceof CoordinatorError && error.status === 400)) return false;
        log.error({ entry: row.body }, 'the ledger coordinator refused an outbox entry as malformed (a bug): dropped, the totals there may be off by it');
      }
      store.delivered(row.seq);
    }
    return true;
  }

  private scheduleRetry(): void {
    if (this.retryTimer || this.holder === undefined) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.kick();
    }, this.retryMs);
    this.retryTimer.unref();
    this.retryMs = Math.min(RETRY_MAX_MS, this.retryMs * 2);
  }

  /** Renews this process's lease at the coordinator and applies the events it hands back. */
  async renewLease(): Promise<void> {
    const { client, meta, apply, log } = this.deps;
    if (this.holder === undefined) return;
    const eventsAfter = Number(meta.get(EVENTS_SEQ_KEY) ?? 0);
    const { events, through, resync } = await client.lease({ holder: this.holder, pid: process.pid, host: hostname(), hostId: this.hostId(), eventsAfter });
    const last = through ?? events.at(-1)?.seq;
    // Nothing new, the usual renewal every 20 s: no transaction, no write lock, no write to the file.
    if (!resync && events.length === 0 && (last === undefined || last === eventsAfter)) return;
    // One transaction: what it applies and the seq that says so land together (one write to the file, not one per event).
    this.deps.store.db.transaction(() => {
      if (resync) {
        // Read again: another process of this host may have applied events while this answer was on its way.
        const applied = meta.get(EVENTS_SEQ_KEY);
        this.deps.resync(resync, applied === undefined ? null : Number(applied));
      }
      for (const { event } of events) apply(event);
      // Up to date even when nothing came (or what it missed was trimmed): the coordinator then knows it can trim.
      // Written only when it moves (another process of this host may have saved the same seq meanwhile).
      if (last !== undefined && meta.get(EVENTS_SEQ_KEY) !== String(last)) meta.set(EVENTS_SEQ_KEY, String(last));
    }).immediate();
    if (resync) log.warn({ eventsAfter, tombstones: resync.tombstones.length }, 'this host missed events the coordinator no longer keeps: took its current /operator settings, and applied the /forget-me tombstones');
    if (events.length > 0) log.info({ events: events.map((e) => e.event.event) }, 'applied what was done on other hosts (/forget-me, /operator)');
  }

  private hostId(): string {
    const { meta } = this.deps;
    let id = meta.get(HOST_ID_KEY);
    if (id === undefined) meta.set(HOST_ID_KEY, (id = randomUUID()));
    return id;
  }

  /** Starts the lease renewals and sends what an earlier run left in the outbox. */
  start(holder: string): void {
    this.holder = holder;
    const renew = () => {
      this.renewLease().catch((error: unknown) => this.deps.log.warn({ err: error }, 'could not renew this process\'s lease at the ledger coordinator; will retry'));
      this.kick();
    };
    renew();
    this.leaseTimer = setInterval(renew, LEASE_RENEW_MS);
    this.leaseTimer.unref();
  }

  /** Stops the timers and tries, for at most `waitMs`, to send what is left (what is not sent stays for the next start). */
  async stop(waitMs: number): Promise<void> {
    clearInterval(this.leaseTimer);
    clearTimeout(this.retryTimer);
    this.leaseTimer = undefined;
    this.retryTimer = undefined;
    this.holder = undefined;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.flush(), new Promise((resolve) => { timer = setTimeout(resolve, waitMs); })]);
    clearTimeout(timer);
  }
}
