import { afterEach, describe, expect, test } from 'vitest';
import { BudgetStore } from '../../../src/db/budgetLimits.ts';
import { openDatabase, type Db } from '../../../src/db/connection.ts';
import { LedgerStats } from '../../../src/db/ledgerStats.ts';
import { LedgerStore } from '../../../src/db/ledger.ts';
import { migrate } from '../../../src/db/migrate.ts';
import { LEASE_MS, Ledger, type Payer, type Reservation } from '../../../src/services/budget/ledger.ts';
import { BotMetrics } from '../../../src/services/metrics/metrics.ts';
import { parseSamples, valueOf } from '../../support/metricsScrape.ts';
import { BotHarness } from '../../support/botHarness.ts';
import { tempDatabasePath } from '../../support/tempDb.ts';

const USD = 1_000_000;
const GUILD = '900000000000000001';
const member: Payer = { guildId: GUILD, userId: 'u1', roleIds: [], channelId: 'c1' };
const call = (usd: number) => ({ command: 'ask', model: 'gpt-4o-mini', worstCaseMicros: usd * USD });
const LABELS = { command: 'ask', model: 'gpt-4o-mini' };

const opened: Db[] = [];
afterEach(() => {
  for (const db of opened.splice(0)) db.close();
});

/** One bot process on the shared file, its ledger and /metrics wired as src/buildContext.ts wires them. */
function botProcess(path: string, clock: { now: number }) {
  const db = openDatabase(path);
  migrate(db);
  opened.push(db);
  const ledger = new Ledger(new LedgerStore(db), new BudgetStore(db), null, () => clock.now);
  const metrics = new BotMetrics({ ledger: new LedgerStats(db), inFlight: () => 0 });
  ledger.onSettled = (settled) => metrics.settled(settled);
  const read = async () => {
    const samples = parseSamples((await metrics.exposition()).body);
    return { spent: valueOf(samples, 'bot_spend_microdollars_total', LABELS), returned: valueOf(samples, 'bot_spend_returned_microdollars_total', LABELS) };
  };
  return { ledger, read };
}

/** What Prometheus would show summed over the processes: spent less returned. */
async function netOf(...processes: ReturnType<typeof botProcess>[]): Promise<number> {
  let net = 0;
  for (const each of processes) {
    const { spent, returned } = await each.read();
    net += spent - returned;
  }
  return net;
}

describe('bot_spend_microdollars_total counts interrupted calls, once, and ends at what was finally charged', () => {
  test.each([
    ['no settlement of its own ever comes: the charge as reserved stands', null, 0.9 * USD, 0],
    ['its late settlement is lower: the difference is returned', (l: Ledger, r: Reservation) => l.settle(r, { chargedMicros: 0.2 * USD }), 0.2 * USD, 0.7 * USD],
    ['its late settlement is higher (an overrun): the difference is added', (l: Ledger, r: Reservation) => l.settle(r, { chargedMicros: 1.1 * USD }), 1.1 * USD, 0],
    ['its late release (never billed): all of it is returned', (l: Ledger, r: Reservation) => l.release(r), 0, 0.9 * USD],
  ])('%s', async (_name, close, finalMicros, returnedMicros) => {
    const path = tempDatabasePath();
    const clock = { now: Date.parse('2026-11-27T10:00:00Z') };
    const frozen = botProcess(path, clock);
    const held = frozen.ledger.reserve(member, call(0.9));
    if (!held.ok) throw new Error('expected a reservation');
    // Another process of the bot sweeps once the frozen one's lease is long gone; a third one sweeps too.
    clock.now += 10 * LEASE_MS;
    const sweeper = botProcess(path, clock);
    const other = botProcess(path, clock);
    expect(sweeper.ledger.chargeOrphans()).toBe(1);
    expect(other.ledger.chargeOrphans()).toBe(0);
    expect(await sweeper.read()).toEqual({ spent: 0.9 * USD, returned: 0 });
    expect(await netOf(frozen, sweeper, other)).toBe(0.9 * USD);
    if (close) {
      close(frozen.ledger, held.reservation);
      // Repeated, or the other kind after it: changes nothing, in the ledger or the counters.
      frozen.ledger.settle(held.reservation, { chargedMicros: 0.5 * USD });
      frozen.ledger.release(held.reservation);
    }
    expect((await frozen.read()).returned).toBe(returnedMicros);
    expect(await netOf(frozen, sweeper, other)).toBe(finalMicros);
    expect(sweeper.ledger.usage(member).spentMicros).toBe(finalMicros);
  });

  test('the sweep of a process starting up (Ledger.start) counts too', async () => {
    const path = tempDatabasePath();
    const clock = { now: Date.parse('2026-11-27T10:00:00Z') };
    const crashed = botProcess(path, clock);
    expect(crashed.ledger.reserve(member, call(0.4)).ok).toBe(true);
    clock.now += 10 * LEASE_MS;
    const restarted = botProcess(path, clock);
    expect(restarted.ledger.start()).toBe(1);
    restarted.ledger.stop();
    expect(await restarted.read()).toEqual({ spent: 0.4 * USD, returned: 0 });
  });
});

describe('the bot as it starts (src/buildContext.ts)', () => {
  test('the calls its start-up sweep charges are in /metrics', async () => {
    const path = tempDatabasePath();
    const clock = { now: Date.now() - 10 * LEASE_MS };
    const crashed = botProcess(path, clock);
    expect(crashed.ledger.reserve(member, call(0.4)).ok).toBe(true);
    const harness = await BotHarness.start({ databasePath: path });
    try {
      const samples = parseSamples((await harness.bot.ctx.services.metrics.exposition()).body);
      expect(valueOf(samples, 'bot_spend_microdollars_total', LABELS)).toBe(0.4 * USD);
    } finally {
      await harness.close();
    }
  });
});
