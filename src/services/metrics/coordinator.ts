import { Counter, Gauge, type Registry } from 'prom-client';
import type { CoordinatorCall, CoordinatorOutcome } from '../budget/shared/client.ts';

/** What a host with LEDGER_URL shows of its link to the coordinator (see budget/shared/link.ts). */
export interface CoordinatorWatch {
  outbox(): { entries: number; oldestAgeMs: number };
  readonly reachable: boolean;
}

/**
 * The link's gauges, read from it at each scrape (one indexed query on the outbox for both), and the counter of its calls.
 * Returns what counts a call. A gauge that cannot be read (database closed) is NaN, never a made-up 0. The outbox
 * gauges read the host's database, shared by its processes: taken once when shard processes are combined.
 */
export function coordinatorMetrics(registry: Registry, link: CoordinatorWatch): (call: CoordinatorCall, outcome: CoordinatorOutcome) => void {
  // Both outbox gauges come from one query per scrape: the first gauge collected reads it, the second takes that
  // read while the scrape is still under way (prom-client collects every gauge in one synchronous pass).
  let read: { entries: number; oldestAgeMs: number } | undefined;
  const outbox = () => {
    if (read) return read;
    try {
      read = link.outbox();
    } catch {
      read = { entries: Number.NaN, oldestAgeMs: Number.NaN };
    }
    queueMicrotask(() => { read = undefined; });
    return read;
  };
  new Gauge({
    name: 'bot_ledger_outbox_entries', help: "Settlements, releases and broadcasts written on this host that the ledger coordinator has not acknowledged yet (this host's database, every process on it).",
    registers: [registry], aggregator: 'first', collect() { this.set(outbox().entries); },
  });
  new Gauge({
    name: 'bot_ledger_outbox_oldest_age_seconds', help: 'Age of the oldest entry waiting in the ledger outbox; 0 when it is empty.',
    registers: [registry], aggregator: 'first', collect() { this.set(outbox().oldestAgeMs / 1000); },
  });
  new Gauge({
    name: 'bot_ledger_coordinator_reachable', help: "Whether the ledger coordinator (LEDGER_URL) answered this process's last call (1) or not (0: no answer, timeout, 5xx, wrong LEDGER_SECRET, or no call yet).",
    // Over a host's shard processes (src/sharding/metrics.ts): 0 when any of them could not reach it.
    registers: [registry], aggregator: 'min', collect() { this.set(link.reachable ? 1 : 0); },
  });
  const calls = new Counter({
    name: 'bot_ledger_coordinator_requests_total', help: 'Calls to the ledger coordinator, by call (reserve, apply, lease, totals, overview) and outcome (ok, refused, unauthorized, error, timeout, network).',
    labelNames: ['call', 'outcome'], registers: [registry],
  });
  return (call, outcome) => calls.inc({ call, outcome });
}
