/**
 * The coordinator host for bench/ledgerHosts.ts: its own bot ledger on its own file, and the API the other hosts
 * call, on loopback. Run as `node --import tsx bench/ledgerCoordinator.ts <db> <secret>`; prints its URL, stops when stdin closes.
 */
import { DEFAULT_HISTORY_RETENTION_DAYS } from '../src/config.ts';
import { BudgetStore } from '../src/db/budgetLimits.ts';
import { openDatabase } from '../src/db/connection.ts';
import { LedgerStore } from '../src/db/ledger.ts';
import { migrate } from '../src/db/migrate.ts';
import { SharedLedgerStore } from '../src/db/sharedLedger.ts';
import { createLogger } from '../src/logger.ts';
import { Ledger } from '../src/services/budget/ledger.ts';
import { LedgerCoordinator, tombstonesKeptMs } from '../src/services/budget/shared/coordinator.ts';
import { memberHasher } from '../src/services/budget/shared/memberHash.ts';
import { startLedgerServer } from '../src/services/budget/shared/server.ts';
import { startWalCheckpoints } from '../src/db/checkpoint.ts';
import { OPERATOR_BENCH_LIMITS } from './ledgerLimits.ts';

const [path, secret] = process.argv.slice(2) as [string, string];
const db = openDatabase(path);
migrate(db);
const store = new LedgerStore(db);
const ledger = new Ledger(store, new BudgetStore(db), null, Date.now, { operator: OPERATOR_BENCH_LIMITS });
ledger.start();
const stopCheckpoints = startWalCheckpoints(db, 1000);
const log = createLogger({ logLevel: 'warn', logFormat: 'json', discordToken: 'x', openaiApiKey: 'x', ledger: { url: undefined, port: 0, host: '127.0.0.1', secret } }, process.stderr);
const coordinator = new LedgerCoordinator({
  ledger, store, shared: new SharedLedgerStore(db), apply: () => undefined, hashMember: memberHasher(secret), tombstonesKeptMs: tombstonesKeptMs(DEFAULT_HISTORY_RETENTION_DAYS), log,
});
const server = await startLedgerServer({ host: '127.0.0.1', port: 0, secret, coordinator, log });
process.stdout.write(`${server.url}\n`);
process.stdin.on('end', () => {
  void server.close().then(() => {
    stopCheckpoints();
    ledger.stop();
    db.close();
  });
});
process.stdin.resume();
