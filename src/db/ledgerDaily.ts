import type { Db } from './connection.ts';

/** How a chart splits each day's spend: one member's by command, one server's by member, the bot's by server. */
export type DailySplit =
  | { by: 'command'; guildId: string; userId: string }
  | { by: 'member'; guildId: string }
  | { by: 'server' };

/** What was spent on one day (an index into the days asked for) under one key (a command, member or server). */
export interface DailySpend {
  day: number;
  key: string;
  micros: number;
}

/**
 * Read-only: the ledger's calls summed per day and key, for the spend charts. Counted as the ledger counts a
 * period (what was charged, reservations still open at their reserved amount, released calls not at all), by
 * the time each call was made. Served by ledger_by_user, ledger_by_guild_day and ledger_by_day.
 */
export class LedgerDaily {
  private readonly byCommand;
  private readonly byMember;
  private readonly byServer;

  constructor(private readonly db: Db) {
    const counted = "state != 'released' AND created_at >= @start AND created_at < @end";
    this.byCommand = db.prepare(`SELECT command AS key, SUM(charged_micros) AS micros FROM ledger
      WHERE guild_id = @guildId AND user_id = @userId AND ${counted} GROUP BY command`);
    this.byMember = db.prepare(`SELECT user_id AS key, SUM(charged_micros) AS micros FROM ledger
      WHERE guild_id = @guildId AND ${counted} GROUP BY user_id`);
    this.byServer = db.prepare(`SELECT guild_id AS key, SUM(charged_micros) AS micros FROM ledger
      WHERE ${counted} GROUP BY guild_id`);
  }

  /** One query per day (days are local midnights, so no fixed offset groups them), all in one snapshot. */
  spendPerDay(split: DailySplit, days: readonly { start: number; end: number }[]): DailySpend[] {
    const statement = split.by === 'command' ? this.byCommand : split.by === 'member' ? this.byMember : this.byServer;
    const { by: _by, ...keys } = split;
    return this.db.transaction(() => days.flatMap((day, index) =>
      (statement.all({ ...keys, start: day.start, end: day.end }) as { key: string; micros: number }[])
        .filter((row) => row.micros > 0)
        .map((row) => ({ day: index, key: row.key, micros: row.micros }))))();
  }
}
