import type { BudgetStore } from '../../db/budgetLimits.ts';
import { SERVER_TOTAL, type LedgerStore, type Settlement } from '../../db/ledger.ts';
import { resolveLimits, type AppliedLimit, type FallbackLimit, type LimitResolution } from './limits.ts';
import { bucketOf, periodWindow } from './periods.ts';
import { SpendCache } from './spendCache.ts';

/** Direct messages have no server; their spend is kept under this pseudo-server. */
export const DM_GUILD = '@dm';

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
  /** Outlives the process (a fine-tuning job, settled hours later): start-up must not release it. */
  longRunning?: boolean;
}

export interface Refusal {
  limit: AppliedLimit;
  spentMicros: number;
  requestMicros: number;
  resetsAt: number;
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

export interface UsageReport {
  resolution: LimitResolution;
  personal: LimitStatus | null;
  server: LimitStatus | null;
  /** This period's spend (the member's own period, else this month) split by command. */
  byCommand: { command: string; micros: number; calls: number }[];
  spentMicros: number;
  timeZone: string;
}

/**
 * Reserve → settle/release: a call first reserves its worst case inside one immediate
 * transaction that checks every limit that applies; no burst can pass a limit.
 */
export class Ledger {
  private readonly cache: SpendCache;

  constructor(
    private readonly ledger: LedgerStore,
    private readonly budgets: BudgetStore,
    private readonly fallback: FallbackLimit | null,
    private readonly now: () => number = Date.now,
  ) {
    this.cache = new SpendCache(ledger);
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

  private status(guild: string, who: string, limit: AppliedLimit | null, now: number, timeZone: string): LimitStatus | null {
    if (!limit) return null;
    const window = periodWindow(limit.period, now, timeZone);
    return { limit, spentMicros: this.cache.spentSince(guild, who, bucketOf(window.start)), periodStart: window.start, resetsAt: window.end };
  }

  /** The first limit that `micros` more would pass, or null when it fits. Reads only. */
  private firstRefusal(payer: Payer, micros: number, now: number): Refusal | null {
    const guild = this.guildKey(payer);
    const resolution = this.resolve(payer);
    const timeZone = this.timeZone(payer);
    for (const check of [this.status(guild, payer.userId, resolution.personal, now, timeZone), this.status(guild, SERVER_TOTAL, resolution.server, now, timeZone)]) {
      if (check && (check.limit.amountMicros === 0 || check.spentMicros + micros > check.limit.amountMicros)) {
        return { limit: check.limit, spentMicros: check.spentMicros, requestMicros: micros, resetsAt: check.resetsAt };
      }
    }
    return null;
  }

  /**
   * Would a call costing at least this much be refused? A pre-check before slow work (a download);
   * it reserves nothing, so the real reservation must still follow.
   */
  precheck(payer: Payer, atLeastMicros: number): Refusal | null {
    return this.firstRefusal(payer, Math.max(0, Math.ceil(atLeastMicros)), this.now());
  }

  reserve(payer: Payer, call: PaidCall): ReserveResult {
    const worst = Math.max(0, Math.ceil(call.worstCaseMicros));
    const now = this.now();
    const guild = this.guildKey(payer);
    const result = this.ledger.db.transaction((): ReserveResult => {
      const refusal = this.firstRefusal(payer, worst, now);
      if (refusal) return { ok: false, refusal };
      const id = this.ledger.reserve({
        guildId: guild, userId: payer.userId, channelId: payer.channelId, command: call.command, model: call.model,
        reservedMicros: worst, bucket: bucketOf(now), createdAt: now, longRunning: call.longRunning,
      });
      return { ok: true, reservation: { id, reservedMicros: worst } };
    }).immediate();
    if (result.ok) this.cache.apply(guild, payer.userId, bucketOf(now), worst);
    return result;
  }

  /**
   * The whole money side of one call: reserve its worst case, run it, then settle what `charge` says
   * (null releases it, as does a throw). Refused calls never run.
   */
  async pay<T>(payer: Payer, call: PaidCall, run: () => Promise<T>, charge: (result: T) => Omit<Settlement, 'settledAt'> | null): Promise<PayResult<T>> {
    const reserved = this.reserve(payer, call);
    if (!reserved.ok) return reserved;
    let result: T;
    try {
      result = await run();
    } catch (error) {
      this.release(reserved.reservation);
      throw error;
    }
    const settlement = charge(result);
    if (settlement) this.settle(reserved.reservation, settlement);
    else this.release(reserved.reservation);
    return { ok: true, result };
  }

  settle(reservation: Reservation, settlement: Omit<Settlement, 'settledAt'>): void {
    const charged = Math.max(0, Math.ceil(settlement.chargedMicros));
    const open = this.ledger.db.transaction(() => this.ledger.settle(reservation.id, { ...settlement, chargedMicros: charged, settledAt: this.now() })).immediate();
    if (open) this.cache.apply(open.guildId, open.userId, open.bucket, charged - open.reservedMicros);
  }

  release(reservation: Reservation): void {
    const open = this.ledger.db.transaction(() => this.ledger.release(reservation.id, this.now())).immediate();
    if (open) this.cache.apply(open.guildId, open.userId, open.bucket, -open.reservedMicros);
  }

  /**
   * A crash leaves reservations open; at start-up no call of the old process can still be running, so
   * they are released. Long-running ones (fine-tuning jobs at OpenAI) are still running: their owner settles them.
   */
  releaseOrphans(): number {
    const released = this.ledger.db.transaction(() => {
      const open = this.ledger.openReservations();
      for (const row of open) this.ledger.release(row.id, this.now());
      return open.length;
    }).immediate();
    this.cache.clear();
    return released;
  }

  usage(payer: Payer): UsageReport {
    const now = this.now();
    const guild = this.guildKey(payer);
    const resolution = this.resolve(payer);
    const timeZone = this.timeZone(payer);
    const personal = this.status(guild, payer.userId, resolution.personal, now, timeZone);
    const server = this.status(guild, SERVER_TOTAL, resolution.server, now, timeZone);
    const since = personal?.periodStart ?? periodWindow('month', now, timeZone).start;
    const byCommand = this.ledger.spendByCommand(guild, payer.userId, since);
    return { resolution, personal, server, byCommand, spentMicros: byCommand.reduce((sum, c) => sum + c.micros, 0), timeZone };
  }

  topSpenders(guildId: string, period: 'day' | 'week' | 'month', limit: number): { userId: string; micros: number }[] {
    const window = periodWindow(period, this.now(), this.budgets.timeZone(guildId) ?? 'UTC');
    return this.ledger.topSpendersSince(guildId, bucketOf(window.start), limit);
  }
}
