import { randomUUID } from 'node:crypto';
import type { Db } from '../../../db/connection.ts';
import type { Logger } from '../../../logger.ts';
import type { UsageView } from '../admin.ts';
import type { Ledger, OperatorOverview } from '../ledger.ts';
import type { Period } from '../periods.ts';
import type { SharedEvent } from './protocol.ts';
import type { LedgerCoordinator } from './coordinator.ts';
import type { CoordinatorLink } from './link.ts';

/** What /operator status shows: the bot-wide figures, or this host's alone when the coordinator could not be asked. */
export interface SharedOverview {
  overview: OperatorOverview;
  /** True when only this host's spend is shown. */
  thisHostOnly: boolean;
}

/**
 * The bot's hosts as commands see them. One host (no LEDGER_ settings): everything is local. The coordinator
 * (LEDGER_PORT): its database holds every host's spend. Another host (LEDGER_URL): asks the coordinator.
 */
export class SharedHosts {
  constructor(
    private readonly local: Pick<Ledger, 'overview' | 'setServerCeiling' | 'allowGuild'>,
    /** This host's file: its ledger, its history, and the outbox or the coordinator's events (see everywhere). */
    private readonly db: Db,
    private readonly role: { coordinator: LedgerCoordinator } | { link: CoordinatorLink } | null,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Set on the coordinator: what its ledger server (LEDGER_PORT) answers. */
  get coordinator(): LedgerCoordinator | undefined {
    return this.role && 'coordinator' in this.role ? this.role.coordinator : undefined;
  }

  /** On another host: stops the lease renewals and sends what the outbox holds, waiting at most `waitMs`. */
  async stop(waitMs: number): Promise<void> {
    if (this.role && 'link' in this.role) await this.role.link.stop(waitMs);
  }

  /** Whether the bot runs on several hosts (a coordinator is configured, here or elsewhere). */
  get spread(): boolean {
    return this.role !== null;
  }

  /**
   * /forget-me: `here` deletes a member's turns on this host, and every other host deletes theirs too (within a lease
   * renewal, about 20 s), those stored up to now; what the member writes afterwards is theirs to keep.
   */
  forgetEverywhere<T>(userId: string, here: () => T): T {
    return this.everywhere(here, { event: 'forget', userId, at: this.now() });
  }

  /** /operator server-limit: here at once, on every other host within a lease renewal (the server may be on any of them). */
  setServerCeiling(guildId: string, value: { amountMicros: number | null; period: Period } | 'default', actorId: string): void {
    this.everywhere(() => this.local.setServerCeiling(guildId, value, actorId), { event: 'ceiling', guildId, actorId, value, at: this.now() });
  }

  /** /operator allow: here at once, on every other host within a lease renewal; false when it was already allowed here. */
  allowGuild(guildId: string, actorId: string): boolean {
    return this.everywhere(() => this.local.allowGuild(guildId, actorId), { event: 'allow', guildId, actorId });
  }

  /**
   * Does `here` on this host and records `event` for every other host (the coordinator's events, or this host's
   * outbox: both in this host's file) in one transaction, so a crash or a failed write between the two can neither
   * leave the other hosts unaware of a change made here nor tell them of one that was not. Sent once committed.
   */
  private everywhere<T>(here: () => T, event: SharedEvent): T {
    const role = this.role;
    if (!role) return here();
    const result = this.db.transaction(() => {
      const done = here();
      if ('coordinator' in role) role.coordinator.broadcast(event);
      else role.link.enqueue({ op: 'broadcast', event, id: randomUUID() });
      return done;
    }).immediate();
    if ('link' in role) role.link.kick();
    return result;
  }

  /**
   * /usage on another host: the member's total everywhere and the bot's, from the coordinator, in place of this
   * host's share of them. Unchanged when there is no coordinator elsewhere or it does not answer in time.
   */
  async withSharedTotals(view: UsageView, userId: string): Promise<UsageView> {
    if (!this.role || 'coordinator' in this.role) return view;
    try {
      const totals = await this.role.link.totals(userId);
      return { ...view, report: { ...view.report, operator: { ...view.report.operator, ...totals } } };
    } catch (error) {
      this.log.warn({ err: error }, '/usage: the ledger coordinator could not be reached; showing this host\'s totals');
      return view;
    }
  }

  async overview(top: number): Promise<SharedOverview> {
    if (!this.role || 'coordinator' in this.role) return { overview: this.local.overview(top), thisHostOnly: false };
    try {
      return { overview: await this.role.link.overview(top), thisHostOnly: false };
    } catch (error) {
      this.log.warn({ err: error }, '/operator status: the ledger coordinator could not be reached; showing this host only');
      return { overview: this.local.overview(top), thisHostOnly: true };
    }
  }
}
