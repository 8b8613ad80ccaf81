import type { Migration } from './types.ts';

/**
 * A reservation whose process died is now charged as reserved by the sweep (the call was almost always sent, and
 * billed), no longer released; `ledger.orphaned` tells how it was closed (see SWEPT in src/db/ledger.ts):
 * 1, swept; 2, swept, then its holder's own settlement replaced the sweep's figure. Rows a late settlement reached
 * before this release were marked 1 while holding the real figure: they become 2, so they are not shown as
 * interrupted. `ledger_interrupted` serves /operator status's count of this period's interrupted calls.
 */
export const migration: Migration = {
  version: 13,
  name: 'interrupted-calls',
  up: `
    UPDATE ledger SET orphaned = 2 WHERE orphaned = 1 AND state = 'settled';
    CREATE INDEX ledger_interrupted ON ledger (created_at) WHERE state = 'settled' AND orphaned = 1;
  `,
};
