import type { Migration } from './types.ts';

/**
 * On the coordinator, which events each host has applied, so `shared_events` can be trimmed (it kept every
 * /forget-me member ID for ever). `host_id` is a random id each host keeps in its own file (one per host, shared by
 * its processes); `events_seq` the last event it said it applied; `seen_at` its last lease renewal.
 */
export const migration: Migration = {
  version: 14,
  name: 'shared-event-trimming',
  up: `
    CREATE TABLE shared_hosts (
      host_id TEXT PRIMARY KEY,
      events_seq INTEGER NOT NULL,
      seen_at INTEGER NOT NULL
    );
  `,
};
