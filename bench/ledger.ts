import { BudgetStore } from '../src/db/budgetLimits.ts';
import { openDatabase } from '../src/db/connection.ts';
import { LedgerStore } from '../src/db/ledger.ts';
import { migrate } from '../src/db/migrate.ts';
import { Ledger, type Payer } from '../src/services/budget/ledger.ts';
import { BUCKET_MS, bucketOf } from '../src/services/budget/periods.ts';
import { tempDatabasePath } from '../test/support/tempDb.ts';
import { startWalCheckpoints } from '../src/db/checkpoint.ts';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { summary } from './stats.ts';
import { OPERATOR_BENCH_LIMITS } from './ledgerLimits.ts';

const ROWS = 1_000_000;
const GUILDS = 20;
const USERS_PER_GUILD = 500;
const DAYS = 90;

/** A second bot process on the same file, reserving and settling for its own members until stopped. */
async function startSecondWriter(path: string): Promise<() => Promise<number>> {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('./ledgerWriter.ts', import.meta.url).pathname, path], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  await lines.next(); // ready
  return async () => {
    child.stdin.end();
    return Number((await lines.next()).value);
  };
}

/** Reserve + settle throughput and latency with a 1,000,000-row ledger, every limit checked (goal p99 < 1 ms), alone and with a second process writing. */
export async function benchLedger(): Promise<void> {
  const path = tempDatabasePath();
  const db = openDatabase(path);
  migrate(db);
  const now = Date.parse('2026-11-27T12:00:00Z');
  const store = new LedgerStore(db);
  const budgets = new BudgetStore(db);
  const fill = performance.now();
  db.transaction(() => {
    for (let n = 0; n < ROWS; n += 1) {
      const at = now - Math.floor((n / ROWS) * DAYS * 86_400_000);
      const guildId = `g${n % GUILDS}`;
      const id = store.reserve({ guildId, userId: `u${n % USERS_PER_GUILD}`, channelId: 'c', command: 'ask', model: 'gpt-4o-mini', reservedMicros: 900, bucket: bucketOf(at), createdAt: at, holder: 'bench' });
      store.settle(id, { chargedMicros: 300, inputTokens: 500, outputTokens: 200, settledAt: at });
    }
    for (let g = 0; g < GUILDS; g += 1) {
      budgets.setLimit(`g${g}`, { scope: 'default', targetId: '', period: 'month', amountMicros: 1_000_000_000, updatedBy: 'a', updatedAt: now });
      budgets.setLimit(`g${g}`, { scope: 'server', targetId: '', period: 'month', amountMicros: 100_000_000_000, updatedBy: 'a', updatedAt: now });
    }
  })();
  store.trimJournal(50_000); // as the running bot's sweep keeps it
  const fillSeconds = (performance.now() - fill) / 1000;
  const buckets = db.prepare('SELECT COUNT(*) FROM spend_buckets').pluck().get() as number;
  const ledger = new Ledger(store, budgets, null, () => now, { operator: OPERATOR_BENCH_LIMITS });
  const stopCheckpoints = startWalCheckpoints(db, 1000); // as the bot runs it
  const payer = (n: number): Payer => ({ guildId: `g${n % GUILDS}`, userId: `u${n % USERS_PER_GUILD}`, roleIds: ['r1', 'r2'], channelId: 'c' });
  const measure = async (label: string, N: number, offset: number) => {
    const reserveTimes: number[] = [];
    const pairTimes: number[] = [];
    const firstOfPeriod: number[] = [];
    const seen = new Set<string>();
    const started = performance.now();
    for (let i = 0; i < N; i += 1) {
      const n = i + offset;
      // Let the checkpoint timer (and the other process) run between calls, as between interactions in the bot.
      if (n % 200 === 0) await new Promise((resolve) => setImmediate(resolve));
      const who = `${n % GUILDS}/${n % USERS_PER_GUILD}`;
      const t0 = performance.now();
      const r = ledger.reserve(payer(n), { command: 'ask', model: 'gpt-4o-mini', worstCaseMicros: 900 });
      const t1 = performance.now();
      if (!r.ok) throw new Error('unexpected refusal');
      ledger.settle(r.reservation, { chargedMicros: 300, inputTokens: 500, outputTokens: 200 });
      const pair = performance.now() - t0;
      if (seen.has(who)) {
        reserveTimes.push(t1 - t0);
        pairTimes.push(pair);
      } else {
        seen.add(who);
        firstOfPeriod.push(pair);
      }
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(`  ${label}:`);
    console.log(`    ${summary('reserve (every limit checked + insert, one immediate transaction)', reserveTimes)}`);
    console.log(`    ${summary('reserve + settle', pairTimes)}   (goal p99 < 1 ms)`);
    console.log(`    ${summary(`first call of a member this period (${firstOfPeriod.length}: sums buckets from disk once)`, firstOfPeriod)}`);
    console.log(`    throughput: ${(N / seconds).toFixed(0)} reserve+settle pairs/s (WAL, synchronous=NORMAL)`);
  };
  console.log(`\nledger: ${ROWS.toLocaleString()} rows over ${DAYS} days, ${GUILDS} servers x ${USERS_PER_GUILD} members, monthly limits; the operator's bot, member and server limits checked too (${buckets.toLocaleString()} spend buckets of ${BUCKET_MS / 60000} min; filled in ${fillSeconds.toFixed(1)} s)`);
  await measure('one process', 20_000, 0);
  const stopWriter = await startSecondWriter(path);
  await measure('while a second process reserves and settles on the same file', 20_000, 20_000);
  const otherPairs = await stopWriter();
  console.log(`    the second process made ${otherPairs.toLocaleString()} reserve+settle pairs meanwhile`);
  stopCheckpoints();
  db.close();
}
