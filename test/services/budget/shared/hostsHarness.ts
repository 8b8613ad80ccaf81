import { BudgetStore } from '../../../../src/db/budgetLimits.ts';
import { openDatabase, type Db } from '../../../../src/db/connection.ts';
import { HistoryStore } from '../../../../src/db/history.ts';
import { LedgerStore } from '../../../../src/db/ledger.ts';
import { LedgerStats } from '../../../../src/db/ledgerStats.ts';
import { MetaStore } from '../../../../src/db/meta.ts';
import { OperatorStore } from '../../../../src/db/operator.ts';
import { migrate } from '../../../../src/db/migrate.ts';
import { SharedLedgerStore } from '../../../../src/db/sharedLedger.ts';
import { createLogger } from '../../../../src/logger.ts';
import { Ledger, NO_OPERATOR_LIMITS, type OperatorLimits, type Payer } from '../../../../src/services/budget/ledger.ts';
import { CoordinatorClient } from '../../../../src/services/budget/shared/client.ts';
import { LedgerCoordinator, tombstonesKeptMs } from '../../../../src/services/budget/shared/coordinator.ts';
import { applyEvent, applyResync } from '../../../../src/services/budget/shared/events.ts';
import type { SharedEvent, Tombstone } from '../../../../src/services/budget/shared/protocol.ts';
import { SharedHosts } from '../../../../src/services/budget/shared/hosts.ts';
import { CoordinatorLink } from '../../../../src/services/budget/shared/link.ts';
import { memberHasher } from '../../../../src/services/budget/shared/memberHash.ts';
import { startLedgerServer } from '../../../../src/services/budget/shared/server.ts';
import { HistoryService } from '../../../../src/services/history.ts';
import { BotMetrics } from '../../../../src/services/metrics/metrics.ts';
import { TokenCounter } from '../../../../src/services/tokens.ts';
import { tempDatabasePath } from '../../../support/tempDb.ts';

/** A coordinator and other hosts on loopback, each on its own file, as the bot builds them (see src/buildContext.ts). */

export const SECRET = 'a-shared-ledger-secret-of-forty-characters!';
export const USD = 1_000_000;
export const GUILD_A = '900000000000000001';
export const GUILD_B = '900000000000000002';
export const START = Date.parse('2026-11-27T10:00:00Z');

export interface Clock { now: number }

/** The coordinator's HISTORY_RETENTION_DAYS here: /forget-me tombstones are kept that long (see tombstonesKeptMs). */
export const RETENTION_DAYS = 90;

const log = createLogger({ logLevel: 'silent', logFormat: 'json', discordToken: 'discord-token-x', openaiApiKey: 'openai-key-x', ledger: { url: undefined, port: undefined, host: '127.0.0.1', secret: SECRET } });

/** Everything opened, closed by `closeAll` (newest first). */
const open: { close(): unknown }[] = [];
export async function closeAll(): Promise<void> {
  for (const item of open.splice(0).reverse()) await item.close();
}

export function database(path = tempDatabasePath()): { db: Db; path: string } {
  const db = openDatabase(path);
  migrate(db);
  open.push(db);
  return { db, path };
}

/** The coordinator: its own ledger on its own file (`path` to start it again on the same one), and the API on `port`. */
export async function coordinatorHost(clock: Clock, options: { operator?: Partial<OperatorLimits>; path?: string; port?: number } = {}) {
  const { db, path } = database(options.path);
  const ledger = new Ledger(new LedgerStore(db), new BudgetStore(db), null, () => clock.now, { operator: { ...NO_OPERATOR_LIMITS, ...options.operator }, log });
  const history = new HistoryStore(db);
  const apply = (event: SharedEvent) => applyEvent(event, { forgetHere: (id, through) => void history.deleteAuthor(id, through), ledger });
  const shared = new SharedLedgerStore(db);
  const coordinator = new LedgerCoordinator({
    ledger, store: new LedgerStore(db), shared, apply, now: () => clock.now, hashMember: memberHasher(SECRET), tombstonesKeptMs: tombstonesKeptMs(RETENTION_DAYS), log,
  });
  const server = await startLedgerServer({ host: '127.0.0.1', port: options.port ?? 0, secret: SECRET, coordinator, log });
  open.push({ close: () => server.close() });
  const metrics = new BotMetrics({ ledger: new LedgerStats(db), inFlight: () => 0 });
  ledger.onSettled = (settled) => metrics.settled(settled);
  metrics.watchSharedEvents(() => shared.eventsKept(), () => shared.tombstonesKept());
  return { db, path, port: Number(new URL(server.url).port), ledger, coordinator, server, history, shared, metrics, hosts: new SharedHosts(ledger, db, { coordinator }, log, () => clock.now) };
}

/** Another host asking the coordinator at `url`, with its /metrics wired as buildContext wires them. */
export function otherHost(url: string, clock: Clock, options: { operator?: Partial<OperatorLimits>; path?: string; secret?: string } = {}) {
  const { db, path } = database(options.path);
  const history = new HistoryStore(db);
  const service = new HistoryService(history, new TokenCounter(128_000), () => clock.now);
  const hash = memberHasher(options.secret ?? SECRET);
  const operatorStore = new OperatorStore(db);
  const target = () => ({
    forgetHere: (id: string, through: number | undefined) => void service.forget(id, through), forgetTombstones: (tombstones: readonly Tombstone[]) => void service.forgetTombstones(tombstones, hash),
    ceilingGuilds: () => operatorStore.ceilingGuilds(), ledger,
  });
  const link = new CoordinatorLink({
    client: new CoordinatorClient(url, options.secret ?? SECRET), store: new SharedLedgerStore(db), meta: new MetaStore(db), log, now: () => clock.now,
    apply: (event) => applyEvent(event, target()), resync: (state, applied) => applyResync(state, target(), applied),
  });
  const ledger = new Ledger(new LedgerStore(db), new BudgetStore(db), null, () => clock.now, { operator: { ...NO_OPERATOR_LIMITS, ...options.operator }, log, shared: link });
  const metrics = new BotMetrics({ ledger: new LedgerStats(db), inFlight: () => 0 });
  ledger.onSettled = (settled) => metrics.settled(settled);
  ledger.onRefused = (refusal) => metrics.refused(refusal.limit.source);
  link.observeCalls(metrics.watchCoordinator(link));
  link.start(ledger.holder);
  open.push({ close: () => link.stop(0) });
  return { db, path, ledger, link, history, metrics, hosts: new SharedHosts(ledger, db, { link }, log, () => clock.now) };
}

export const payer = (guildId: string, userId: string): Payer => ({ guildId, userId, roleIds: [], channelId: 'c1' });
export const call = (usd: number) => ({ command: 'ask', model: 'gpt-4o-mini', worstCaseMicros: usd * USD });
