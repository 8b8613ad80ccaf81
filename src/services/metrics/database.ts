import { Gauge, type Registry } from 'prom-client';

/**
 * The gauges read from the host's database file at each scrape, with their help. One process reads them per
 * scrape: the bot itself, or with SHARDS the sharding manager that serves METRICS_PORT (src/sharding/databaseMetrics.ts);
 * every shard process would read the same file and get the same figures.
 */
export const DATABASE_GAUGES = {
  bot_ledger_reservations_open: 'Spending reservations not yet settled or released, across every process on the database.',
  bot_ledger_overruns_recorded: 'Settlements above their reservation recorded in the database since it began, by every process.',
  bot_ledger_outbox_entries: "Settlements, releases and broadcasts written on this host that the ledger coordinator has not acknowledged yet (this host's database, every process on it).",
  bot_ledger_outbox_oldest_age_seconds: 'Age of the oldest entry waiting in the ledger outbox; 0 when it is empty.',
  bot_ledger_shared_events: 'On the ledger coordinator: /forget-me and /operator events kept until every host has applied them (7 days at most).',
  bot_ledger_forget_tombstones: 'On the ledger coordinator: trimmed /forget-me requests kept as a keyed hash and a time, for HISTORY_RETENTION_DAYS.',
} as const;

export type DatabaseGauge = keyof typeof DATABASE_GAUGES;

/**
 * A gauge read when scraped; one that cannot be read (database closed, failing, not there yet) is NaN, never a
 * made-up 0, and the scrape goes on.
 */
export function readGauge(registry: Registry, name: string, help: string, read: () => number | undefined): void {
  new Gauge({
    name, help, registers: [registry],
    collect() {
      let value: number | undefined;
      try {
        value = read();
      } catch {
        value = undefined;
      }
      this.set(value ?? Number.NaN);
    },
  });
}

export function databaseGauge(registry: Registry, name: DatabaseGauge, read: () => number | undefined): void {
  readGauge(registry, name, DATABASE_GAUGES[name], read);
}

/**
 * Both outbox gauges from one query per scrape: the first gauge collected reads it, the second takes that read
 * while the scrape is still under way (prom-client collects every gauge in one synchronous pass).
 */
export function outboxGauges(registry: Registry, outbox: () => { entries: number; oldestAgeMs: number }): void {
  let read: { entries: number; oldestAgeMs: number } | undefined;
  const once = () => {
    if (read) return read;
    try {
      read = outbox();
    } catch {
      read = { entries: Number.NaN, oldestAgeMs: Number.NaN };
    }
    queueMicrotask(() => { read = undefined; });
    return read;
  };
  databaseGauge(registry, 'bot_ledger_outbox_entries', () => once().entries);
  databaseGauge(registry, 'bot_ledger_outbox_oldest_age_seconds', () => once().oldestAgeMs / 1000);
}
