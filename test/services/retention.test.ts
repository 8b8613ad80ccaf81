import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { openDatabase, type Db } from '../../src/db/connection.ts';
import { HistoryStore } from '../../src/db/history.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createLogger } from '../../src/logger.ts';
import { HistoryRetention, RETENTION_BATCH_ROWS } from '../../src/services/retention.ts';
import { BotHarness, TEST_CHANNEL_IDS } from '../support/botHarness.ts';
import { tempDatabasePath } from '../support/tempDb.ts';

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.UTC(2026, 5, 1, 12);

function setup() {
  const db = openDatabase(tempDatabasePath());
  migrate(db);
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({ write: (chunk, _e, done) => { lines.push(JSON.parse(String(chunk)) as Record<string, unknown>); done(); } });
  const log = createLogger(loadConfig({ DISCORD_TOKEN: 'x', OPENAI_API_KEY: 'y', LOG_LEVEL: 'debug', LOG_FORMAT: 'json' }), sink);
  return { db, log, lines, store: new HistoryStore(db) };
}

/** Inserts `count` turns written at `createdAt`, in one transaction (fast enough for tens of thousands). */
function insertTurns(db: Db, count: number, createdAt: number, channelId = 'c1'): void {
  const insert = db.prepare(`INSERT INTO turns (channel_id, role, author_id, content, tokens, tokens_cl100k, created_at) VALUES (?, 'user', 'u1', 'words', 1, 1, ?)`);
  db.transaction(() => { for (let n = 0; n < count; n += 1) insert.run(channelId, createdAt); })();
}
const countTurns = (db: Db) => db.prepare('SELECT COUNT(*) FROM turns').pluck().get() as number;

describe('HistoryRetention', () => {
  test('deletes only turns older than HISTORY_RETENTION_DAYS; a turn exactly that old stays', async () => {
    const { db, log, store } = setup();
    insertTurns(db, 3, NOW - 31 * DAY);
    insertTurns(db, 1, NOW - 30 * DAY);
    insertTurns(db, 2, NOW - 29 * DAY);
    insertTurns(db, 2, NOW);
    const run = await new HistoryRetention(store, 30, log, () => NOW).runOnce();
    expect(run).toEqual({ deleted: 3, batches: 1 });
    expect(db.prepare('SELECT created_at FROM turns ORDER BY id').pluck().all()).toEqual([NOW - 30 * DAY, NOW - 29 * DAY, NOW - 29 * DAY, NOW, NOW]);
  });

  test(`deletes a large backlog in batches of ${RETENTION_BATCH_ROWS}, letting the event loop run between them, and logs the count`, async () => {
    const { db, log, lines, store } = setup();
    insertTurns(db, 2 * RETENTION_BATCH_ROWS + 345, NOW - 100 * DAY);
    insertTurns(db, 10, NOW - DAY);
    // Each tick counted while the run is going shows the loop was free between two batches.
    let ticks = 0;
    let counting = true;
    const tick = () => { ticks += 1; if (counting) setImmediate(tick); };
    setImmediate(tick);
    const started = performance.now();
    const run = await new HistoryRetention(store, 90, log, () => NOW).runOnce();
    counting = false;
    console.log(`retention: ${run.deleted} turns in ${run.batches} batches, ${(performance.now() - started).toFixed(0)} ms`);
    expect(run).toEqual({ deleted: 2 * RETENTION_BATCH_ROWS + 345, batches: 3 });
    expect(ticks).toBeGreaterThanOrEqual(2);
    expect(countTurns(db)).toBe(10);
    const logged = lines.find((l) => String(l.msg).startsWith('history retention: deleted'));
    expect(logged).toMatchObject({ deleted: 2 * RETENTION_BATCH_ROWS + 345, batches: 3, days: 90 });
  });

  test('deleted text is overwritten in the file, not left in free pages (secure_delete)', async () => {
    const { db, log, store } = setup();
    const path = db.name;
    db.prepare(`INSERT INTO turns (channel_id, role, content, tokens, tokens_cl100k, created_at) VALUES ('c1', 'user', ?, 1, 1, 0)`).run(`my secret plan ${'z'.repeat(5000)}`);
    db.pragma('wal_checkpoint(TRUNCATE)');
    expect(readFileSync(path).includes('my secret plan')).toBe(true);
    await new HistoryRetention(store, 1, log, () => NOW).runOnce();
    db.pragma('wal_checkpoint(TRUNCATE)');
    expect(readFileSync(path).includes('my secret plan')).toBe(false);
    db.close();
  });

  test('the delete uses the age index, not a scan of every turn', () => {
    const { db } = setup();
    const plan = db.prepare('EXPLAIN QUERY PLAN SELECT id FROM turns WHERE created_at < ? LIMIT ?').all(0, 1) as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/USING COVERING INDEX turns_by_age|USING INDEX turns_by_age/);
  });

  test('the timer runs when due after start, then on its interval; stop waits for a run and ends it', async () => {
    const { db, log, lines, store } = setup();
    let now = NOW;
    const retention = new HistoryRetention(store, 1, log, () => now, 2);
    insertTurns(db, 5, NOW - 2 * DAY);
    const runsLogged = () => lines.filter((l) => String(l.msg).startsWith('history retention: deleted')).length;
    /** A run goes on between its batches on setImmediate (left real): waits for the n-th run to end and log. */
    const ranTimes = async (n: number) => { while (runsLogged() < n) await new Promise((resolve) => setImmediate(resolve)); };
    // The timers are the subject: fake ones fire when due and in order, however long a busy machine held the event loop
    // (real ones let a sleep's callback run in the same turn as the retention's, before its later batches).
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    try {
      const stop = retention.start(20, 60);
      await vi.advanceTimersByTimeAsync(19);
      expect(countTurns(db)).toBe(5);
      await vi.advanceTimersByTimeAsync(1);
      expect(countTurns(db)).toBeLessThan(5); // its first batch ran in the timer's callback
      await ranTimes(1);
      expect(countTurns(db)).toBe(0);
      insertTurns(db, 3, NOW);
      now = NOW + 2 * DAY;
      await vi.advanceTimersByTimeAsync(39);
      expect(countTurns(db)).toBe(3);
      await vi.advanceTimersByTimeAsync(1);
      expect(countTurns(db)).toBeLessThan(3);
      await ranTimes(2);
      expect(countTurns(db)).toBe(0);
      insertTurns(db, 1_000, NOW - 5 * DAY);
      const running = retention.runOnce();
      await stop();
      await running;
      // Stopped after its first small batch: the database can be closed right after stop() returns.
      const left = countTurns(db);
      expect(left).toBeGreaterThan(900);
      // Stopped timers stay stopped.
      await vi.advanceTimersByTimeAsync(120);
      expect(countTurns(db)).toBe(left);
    } finally {
      vi.useRealTimers();
      db.close();
    }
  });
});

describe('HISTORY_RETENTION_DAYS in the running bot', () => {
  let h: BotHarness;
  let now = NOW;
  beforeAll(async () => { h = await BotHarness.start({ env: { HISTORY_RETENTION_DAYS: '7' }, now: () => now }); });
  afterAll(async () => { await h?.close(); });

  test('conversations older than the setting leave the next answer\'s context', async () => {
    const channelId = TEST_CHANNEL_IDS[0]!;
    await h.settled(h.command('ask', { prompt: 'an old question' }, { channelId }));
    now = NOW + 6 * DAY;
    await h.settled(h.command('ask', { prompt: 'a recent question' }, { channelId }));
    now = NOW + 8 * DAY;
    expect(await h.bot.ctx.services.retention.runOnce()).toEqual({ deleted: 2, batches: 1 });
    await h.settled(h.command('ask', { prompt: 'what do you remember?' }, { channelId }));
    const sent = (h.openai.chat.lastRequest as { messages: { role: string; content: string }[] }).messages;
    expect(sent.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(sent[1]!.content).toMatch(/a recent question$/);
  });

  test('a bad value stops start-up with its name', () => {
    expect(() => loadConfig({ ...h.env(), HISTORY_RETENTION_DAYS: '0' })).toThrow(/HISTORY_RETENTION_DAYS must be at least 1/);
    expect(() => loadConfig({ ...h.env(), HISTORY_RETENTION_DAYS: '3651' })).toThrow(/HISTORY_RETENTION_DAYS must be at most 3650/);
    expect(loadConfig({ ...h.env(), HISTORY_RETENTION_DAYS: '' }).historyRetentionDays).toBe(90);
  });
});
