import type { LedgerStore } from '../../../db/ledger.ts';
import type { SharedLedgerStore } from '../../../db/sharedLedger.ts';
import { LEASE_MS, type Ledger, type OperatorOverview } from '../ledger.ts';
import { bucketOf } from '../periods.ts';
import { MAX_FORGETS_PER_LEASE, type TotalsAnswer, type LeaseAnswer, type LeaseRequest, type ReserveAnswer, type ReserveRequest, type SharedOp, type SharedRow } from './protocol.ts';

export interface CoordinatorDeps {
  ledger: Ledger;
  store: LedgerStore;
  shared: SharedLedgerStore;
  /** Deletes a member's stored turns on this host (the coordinator's own history). */
  forgetHere: (userId: string) => void;
  now?: () => number;
}

/**
 * The coordinator's side of the totals that span hosts. Another host's reservation is recorded here as a row of
 * the same ledger (under its own server and member, holder = that host's process), so the member's and the bot's
 * totals, the leases and the sweep work exactly as for this host's own processes.
 */
export class LedgerCoordinator {
  private readonly now: () => number;

  constructor(private readonly deps: CoordinatorDeps) {
    this.now = deps.now ?? Date.now;
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

  /** Settlements, releases, lowerings and /forget-me from a host's outbox, in order, in one transaction. */
  apply(ops: readonly SharedOp[]): void {
    const { ledger, store, shared } = this.deps;
    const now = this.now();
    const forgets: string[] = [];
    store.db.transaction(() => {
      for (const op of ops) {
        if (op.op === 'forget') {
          shared.recordForget(op.userId, now);
          forgets.push(op.userId);
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
    for (const userId of forgets) this.deps.forgetHere(userId);
    if (ops.some((op) => op.op === 'settle')) ledger.noticeSharedTotals(false);
  }

  /** A host's process is alive: its reservations here are kept for another LEASE_MS. Also hands it the /forget-me requests it has not applied. */
  lease(request: LeaseRequest): LeaseAnswer {
    const now = this.now();
    this.deps.store.db.transaction(() => this.renew(request, now)).immediate();
    return { forgets: this.deps.shared.forgetsAfter(request.forgetAfter, MAX_FORGETS_PER_LEASE) };
  }

  totals(userId: string): TotalsAnswer {
    return this.deps.ledger.sharedTotals(userId);
  }

  overview(top: number): OperatorOverview {
    return this.deps.ledger.overview(top);
  }

  /** /forget-me typed on this host: every other host applies it on its next lease renewal. */
  recordForget(userId: string): void {
    this.deps.shared.recordForget(userId, this.now());
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

/** A reserve repeated for a key its host has already released: answered 409, the host treats it as unreachable. */
export class KeyClosedError extends Error {
  constructor() {
    super('this reservation key was already released');
    this.name = 'KeyClosedError';
  }
}
