/**
 * A second bot process writing to the ledger while bench/ledger.ts measures: reserve + settle in a loop
 * for its own members until stdin closes. Run as `node --import tsx bench/ledgerWriter.ts <db>`.
 */
import { BudgetStore } from '../src/db/budgetLimits.ts';
import { openDatabase } from '../src/db/connection.ts';
import { LedgerStore } from '../src/db/ledger.ts';
import { Ledger } from '../src/services/budget/ledger.ts';
import { OPERATOR_BENCH_LIMITS } from './ledgerLimits.ts';

const db = openDatabase(process.argv[2]!);
const ledger = new Ledger(new LedgerStore(db), new BudgetStore(db), null, () => Date.parse('2026-11-27T12:00:00Z'), { operator: OPERATOR_BENCH_LIMITS });
ledger.start();
let running = true;
let pairs = 0;
process.stdin.on('end', () => { running = false; });
process.stdin.resume();
process.stdout.write('ready\n');
while (running) {
  for (let n = 0; n < 50; n += 1) {
    const r = ledger.reserve({ guildId: `g${n % 20}`, userId: `w${pairs % 500}`, roleIds: [], channelId: 'c' }, { command: 'ask', model: 'gpt-4o-mini', worstCaseMicros: 900 });
    if (r.ok) ledger.settle(r.reservation, { chargedMicros: 300 });
    pairs += 1;
  }
  await new Promise((resolve) => setImmediate(resolve));
}
process.stdout.write(`${pairs}\n`);
ledger.stop();
db.close();
