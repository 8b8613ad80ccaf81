import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { BudgetStore } from '../src/db/budgetLimits.ts';
import { openDatabase } from '../src/db/connection.ts';
import { LedgerStore } from '../src/db/ledger.ts';
import { MetaStore } from '../src/db/meta.ts';
import { migrate } from '../src/db/migrate.ts';
import { SharedLedgerStore } from '../src/db/sharedLedger.ts';
import { createLogger } from '../src/logger.ts';
import { Ledger, type Payer } from '../src/services/budget/ledger.ts';
import { CoordinatorClient } from '../src/services/budget/shared/client.ts';
import { CoordinatorLink } from '../src/services/budget/shared/link.ts';
import { tempDatabasePath } from '../test/support/tempDb.ts';
import { OPERATOR_BENCH_LIMITS } from './ledgerLimits.ts';
import { summary } from './stats.ts';

const SEQUENTIAL = 3_000;
const CONCURRENT = 5_000;
/** Calls in flight at once on one host, as a busy shard process has. */
const IN_FLIGHT = 32;

/**
 * A host that is not the coordinator: every reservation is a round trip to the coordinator (another process, on
 * loopback here), every settlement goes through the outbox. Goal: reserve p99 < 5 ms on loopback.
 */
export async function benchLedgerHosts(): Promise<void> {
  const secret = randomBytes(32).toString('hex');
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('./ledgerCoordinator.ts', import.meta.url).pathname, tempDatabasePath(), secret], { stdio: ['pipe', 'pipe', 'inherit'] });
  const url = String((await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next()).value);
  const db = openDatabase(tempDatabasePath());
  migrate(db);
  const log = createLogger({ logLevel: 'warn', logFormat: 'json', discordToken: 'x', openaiApiKey: 'x' }, process.stderr);
  const link = new CoordinatorLink({ client: new CoordinatorClient(url, secret), store: new SharedLedgerStore(db), meta: new MetaStore(db), apply: () => undefined, resync: () => undefined, log });
  const ledger = new Ledger(new LedgerStore(db), new BudgetStore(db), null, Date.now, { operator: OPERATOR_BENCH_LIMITS, shared: link });
  ledger.start();
  link.start(ledger.holder);
  const payer = (n: number): Payer => ({ guildId: `g${n % 20}`, userId: `u${n % 500}`, roleIds: [], channelId: 'c' });
  const pair = async (n: number): Promise<number> => {
    const t0 = performance.now();
    const r = await ledger.reserveShared(payer(n), { command: 'ask', model: 'gpt-4o-mini', worstCaseMicros: 900 });
    const reserved = performance.now() - t0;
    if (!r.ok) throw new Error(`unexpected refusal: ${r.refusal.limit.source}`);
    ledger.settle(r.reservation, { chargedMicros: 300 });
    return reserved;
  };

  console.log('\nledger across hosts: this process is a host with LEDGER_URL, the coordinator another process (LEDGER_PORT) on loopback');
  (await import('./ledgerSigning.ts')).benchLedgerSigning();
  for (let n = 0; n < 200; n += 1) await pair(n); // connections and statements warm
  await link.flush();
  // The floor on this machine now: the same round trip answered at once (401, no secret) by the coordinator's process.
  const floor: number[] = [];
  for (let n = 0; n < SEQUENTIAL; n += 1) {
    const t0 = performance.now();
    await (await fetch(`${url}/v1/reserve`, { method: 'POST', body: '{}' })).text();
    floor.push(performance.now() - t0);
  }
  console.log(`  ${summary('floor: an HTTP round trip to the coordinator\'s process doing no work (a 401)', floor)}`);
  const sequential: number[] = [];
  const settles: number[] = [];
  for (let n = 0; n < SEQUENTIAL; n += 1) {
    sequential.push(await pair(n));
    const t0 = performance.now();
    await link.flush();
    settles.push(performance.now() - t0);
  }
  console.log(`  ${summary('reserve (local transaction + the coordinator\'s, one HTTP round trip)', sequential)}   (goal p99 < 5 ms on loopback)`);
  console.log(`  ${summary('settle reaching the coordinator (outbox → HTTP → its transaction)', settles)}`);
  const concurrent: number[] = [];
  const started = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (next < CONCURRENT) concurrent.push(await pair(next++));
  }));
  await link.flush();
  const seconds = (performance.now() - started) / 1000;
  console.log(`  ${summary(`reserve with ${IN_FLIGHT} calls in flight`, concurrent)}`);
  console.log(`  throughput: ${(CONCURRENT / seconds).toFixed(0)} reserve+settle pairs/s through the coordinator (settlements batched by the outbox); ${link.pending} left unsent`);
  await link.stop(1_000);
  ledger.stop();
  db.close();
  child.stdin.end();
  await new Promise((resolve) => child.once('exit', resolve));
}
