import { Counter, Gauge, type Registry } from 'prom-client';
import type { CoordinatorCall, CoordinatorOutcome } from '../budget/shared/client.ts';
import { outboxGauges } from './database.ts';

/** What a host with LEDGER_URL shows of its link to the coordinator (see budget/shared/link.ts). */
export interface CoordinatorWatch {
  outbox(): { entries: number; oldestAgeMs: number };
  readonly reachable: boolean;
}

/**
 * The link's gauges, read from it at each scrape, and the counter of its calls; returns what counts a call. The outbox
 * gauges read the host's database, shared by its processes (see database.ts): with SHARDS the manager reads them.
 */
export function coordinatorMetrics(registry: Registry, link: CoordinatorWatch): (call: CoordinatorCall, outcome: CoordinatorOutcome) => void {
  outboxGauges(registry, () => link.outbox());
  new Gauge({
    name: 'bot_ledger_coordinator_reachable', help: "Whether the ledger coordinator (LEDGER_URL) answered this process's last call (1) or not (0: no answer, timeout, 5xx, wrong LEDGER_SECRET, an unsigned answer, or no call yet).",
    // Over a host's shard processes (src/sharding/metrics.ts): 0 when any of them could not reach it.
    registers: [registry], aggregator: 'min', collect() { this.set(link.reachable ? 1 : 0); },
  });
  const calls = new Counter({
    name: 'bot_ledger_coordinator_requests_total', help: 'Calls to the ledger coordinator, by call (reserve, apply, lease, totals, overview) and outcome (ok, refused, unauthorized, error, timeout, network, unsigned).',
    labelNames: ['call', 'outcome'], registers: [registry],
  });
  return (call, outcome) => calls.inc({ call, outcome });
}
