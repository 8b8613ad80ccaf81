import type { OpenAI } from 'openai';
import { describe, expect, test } from 'vitest';
import { BudgetStore } from '../../../src/db/budgetLimits.ts';
import { openDatabase } from '../../../src/db/connection.ts';
import { FineTuneStore } from '../../../src/db/fineTunes.ts';
import { LedgerStore } from '../../../src/db/ledger.ts';
import { migrate } from '../../../src/db/migrate.ts';
import { createLogger } from '../../../src/logger.ts';
import { Ledger, type Payer } from '../../../src/services/budget/ledger.ts';
import { JobTracker } from '../../../src/services/finetune/tracker.ts';
import { createPricing } from '../../../src/services/pricing/index.ts';
import { TokenCounter } from '../../../src/services/tokens.ts';
import { loadConfig } from '../../../src/config.ts';
import { tempDatabasePath } from '../../support/tempDb.ts';

const admin: Payer = { guildId: '900000000000000001', userId: 'admin', roleIds: [], channelId: 'c1' };
const call = (longRunning: boolean) => ({ command: longRunning ? 'finetune' : 'ask', model: 'gpt-4o-mini', worstCaseMicros: 1000, longRunning });

/** A second process on the same file, as after a restart. */
function open(path: string) {
  const db = openDatabase(path);
  migrate(db);
  const ledger = new Ledger(new LedgerStore(db), new BudgetStore(db), null);
  const store = new FineTuneStore(db);
  const logger = createLogger(loadConfig({ DISCORD_TOKEN: 'x', OPENAI_API_KEY: 'y', LOG_LEVEL: 'silent' }));
  const tracker = new JobTracker({ openai: {} as OpenAI, store, ledger, pricing: createPricing(), tokens: new TokenCounter(8192), logger, now: Date.now });
  const state = (id: number) => db.prepare('SELECT state FROM ledger WHERE id = ?').pluck().get(id);
  return { db, ledger, store, tracker, state };
}

describe('long-running reservations (fine-tuning jobs)', () => {
  test('start-up charges crash leftovers as reserved but keeps a running job\'s reservation, which still settles later', () => {
    const path = tempDatabasePath();
    const first = open(path);
    const chat = first.ledger.reserve(admin, call(false));
    const job = first.ledger.reserve(admin, call(true));
    if (!chat.ok || !job.ok) throw new Error('unreachable');
    first.store.addJob({
      jobId: 'ftjob-1', guildId: admin.guildId!, channelId: 'c1', userId: 'admin', language: 'en', fileId: 'file-1', baseModel: 'gpt-4o-mini-2024-07-18',
      epochs: 3, reservedEpochs: 3, suffix: null, status: 'running', reservationId: job.reservation.id, reservedMicros: 1000, createdAt: Date.now(),
    });
    first.db.close();

    const second = open(path);
    expect(second.ledger.chargeOrphans()).toBe(1);
    expect(second.tracker.releaseStrays()).toBe(0);
    expect([second.state(chat.reservation.id), second.state(job.reservation.id)]).toEqual(['settled', 'reserved']);
    second.ledger.settle(job.reservation, { chargedMicros: 900 });
    expect(second.state(job.reservation.id)).toBe('settled');
    second.db.close();
  });

  test('a start recorded as unconfirmed (the bot stopped while its create was out) keeps its reservation at start-up', () => {
    const path = tempDatabasePath();
    const first = open(path);
    const job = first.ledger.reserve(admin, call(true));
    if (!job.ok) throw new Error('unreachable');
    first.store.addJob({
      jobId: 'unconfirmed-tag-1', guildId: admin.guildId!, channelId: 'c1', userId: 'admin', language: 'en', fileId: 'file-1', baseModel: 'gpt-4o-mini-2024-07-18',
      epochs: 3, reservedEpochs: 3, suffix: null, status: 'unconfirmed', reservationId: job.reservation.id, reservedMicros: 1000, createdAt: Date.now(),
    });
    first.db.close();

    const second = open(path);
    expect(second.ledger.chargeOrphans()).toBe(0);
    expect(second.tracker.releaseStrays()).toBe(0);
    expect(second.state(job.reservation.id)).toBe('reserved');
    expect(second.store.openJobs().map((j) => j.jobId)).toEqual(['unconfirmed-tag-1']);
    second.db.close();
  });

  test('another live process\'s start, between reserving and recording its job, keeps its reservation when this one starts', () => {
    const path = tempDatabasePath();
    const running = open(path);
    running.ledger.start(); // its lease: it is alive
    const starting = running.ledger.reserve(admin, call(true));
    if (!starting.ok) throw new Error('unreachable');
    // A second process (another shard, or a restarted one) starts while that start awaits its create.
    const second = open(path);
    second.ledger.start();
    expect(second.tracker.releaseStrays()).toBe(0);
    expect(second.state(starting.reservation.id)).toBe('reserved');
    // Once the first is gone (its lease ended), what it left unrecorded is a stray.
    running.ledger.stop();
    expect(second.tracker.releaseStrays()).toBe(1);
    expect(second.state(starting.reservation.id)).toBe('released');
    second.ledger.stop();
    running.db.close();
    second.db.close();
  });

  test('a process that died while starting a job: its reservation is released by the first poll after its lease expires', async () => {
    const path = tempDatabasePath();
    const died = open(path);
    died.ledger.start();
    const starting = died.ledger.reserve(admin, call(true));
    if (!starting.ok) throw new Error('unreachable');
    const restarted = open(path);
    restarted.ledger.start();
    expect(restarted.tracker.releaseStrays()).toBe(0); // its lease still runs for a while
    await restarted.tracker.checkAll();
    expect(restarted.state(starting.reservation.id)).toBe('reserved');
    restarted.db.prepare('UPDATE ledger_holders SET expires_at = ? WHERE holder = ?').run(Date.now() - 1, died.ledger.holder);
    await restarted.tracker.checkAll();
    expect(restarted.state(starting.reservation.id)).toBe('released');
    restarted.ledger.stop();
    died.db.close();
    restarted.db.close();
  });

  test('a long-running reservation no recorded job owns (the bot stopped while starting it) is released at start-up', () => {
    const path = tempDatabasePath();
    const first = open(path);
    const stray = first.ledger.reserve(admin, call(true));
    if (!stray.ok) throw new Error('unreachable');
    first.db.close();

    const second = open(path);
    expect(second.ledger.chargeOrphans()).toBe(0);
    expect(second.tracker.releaseStrays()).toBe(1);
    expect(second.state(stray.reservation.id)).toBe('released');
    expect(second.ledger.usage(admin).spentMicros).toBe(0);
    second.db.close();
  });
});
