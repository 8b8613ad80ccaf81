import type { Migration } from './types.ts';

/**
 * The spend charts read a period's calls day by day: a server's (guild and time) and the whole bot's (time
 * alone). Without these indexes each day's query would scan every call the server, or the bot, ever made.
 * They cover the columns the charts sum, so a 90-day chart reads the index alone, never the table's rows;
 * a member's own calls are few and already have ledger_by_user.
 */
export const migration: Migration = {
  version: 12,
  name: 'ledger-by-day-indexes',
  up: `
    CREATE INDEX ledger_by_guild_day ON ledger (guild_id, created_at, user_id, charged_micros, state);
    CREATE INDEX ledger_by_day ON ledger (created_at, guild_id, charged_micros, state);
  `,
};
