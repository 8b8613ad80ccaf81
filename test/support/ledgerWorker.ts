/**
 * A second bot process's ledger, for tests of several processes on one SQLite file. Run with
 * `node --import tsx test/support/ledgerWorker.ts <db> <mode> <count>`; it prints one JSON line per event.
 * - `burst`: waits for "go" on stdin, then reserves `count` calls of $0.10 for member u1 as fast as it can,
 *   settling each at its reservation a moment later.
 * - `hold`: reserves one call and one long-running (a fine-tuning job's), prints {"held":id,"job":id} and waits to be killed.
 */
import { BudgetStore } from '../../src/db/budgetLimits.ts';
import { openDatabase } from '../../src/db/connection.ts';
import { LedgerStore } from '../../src/db/ledger.ts';
import { migrate } from '../../src/db/migrate.ts';
import { Ledger } from '../../src/services/budget/ledger.ts';

const [path, mode, count] = process.argv.slice(2) as [string, string, string];
const db = openDatabase(path);
migrate(db);
const ledger = new Ledger(new LedgerStore(db), new BudgetStore(db), null);
ledger.start();
const payer = { guildId: '900000000000000001', userId: 'u1', roleIds: [], channelId: 'c1' };
const call = { command: 'ask', model: 'gpt-4o-mini', worstCaseMicros: 100_000 };
const say = (event: object) => process.stdout.write(`${JSON.stringify(event)}\n`);

if (mode === 'hold') {
  const r = ledger.reserve(payer, call);
  const job = ledger.reserve(payer, { ...call, command: 'finetune', longRunning: true });
  say({ held: r.ok ? r.reservation.id : null, job: job.ok ? job.reservation.id : null });
  setInterval(() => undefined, 1000);
} else {
  say({ ready: true });
  process.stdin.once('data', async () => {
    const settles: Promise<void>[] = [];
    let ok = 0;
    for (let n = 0; n < Number(count); n += 1) {
      const r = ledger.reserve(payer, call);
      if (r.ok) {
        ok += 1;
        settles.push(new Promise((resolve) => setTimeout(() => { ledger.settle(r.reservation, { chargedMicros: call.worstCaseMicros }); resolve(); }, 5)));
      }
      await new Promise((resolve) => setImmediate(resolve)); // let the other process interleave
    }
    await Promise.all(settles);
    say({ ok });
    ledger.stop();
    db.close();
    process.exit(0);
  });
}
