import { writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Db } from '../src/db/connection.ts';
import { LedgerDaily } from '../src/db/ledgerDaily.ts';
import { migrate } from '../src/db/migrate.ts';
import { DM_GUILD } from '../src/services/budget/ledger.ts';
import { bucketOf, periodWindow } from '../src/services/budget/periods.ts';
import { loadRenderer } from '../src/services/charts/render.ts';
import { SpendCharts, type PlannedChart } from '../src/services/charts/spendCharts.ts';
import { tempDatabasePath } from '../test/support/tempDb.ts';
import { mb, ms, percentile } from './stats.ts';

const DAYS = 90;
const MEMBERS = 500;
/** Calls a member makes a day in the big server: 90 × 500 × 2 = 90,000 ledger rows for its chart to read. */
const CALLS_PER_MEMBER_DAY = 2;
const SERVERS = 300;
/** Calls a day in each other server (the bot-wide chart reads these too): 300 × 5 × 90 = 135,000 more rows. */
const CALLS_PER_SERVER_DAY = 5;
const RUNS = 15;
const GOAL_MS = 200;
const DAY_MS = 86_400_000;

/**
 * A ledger of settled calls spread over the last 90 days, members spending unevenly (so the top ones differ by
 * day). Written as settled rows directly: the charts read only the ledger's rows, not its running totals.
 */
function fill(db: Db, now: number): number {
  let rows = 0;
  const insert = db.prepare(`INSERT INTO ledger (guild_id, user_id, channel_id, command, model, state, reserved_micros, charged_micros, bucket, created_at, settled_at)
    VALUES (?, ?, 'c', ?, 'gpt-4o-mini', 'settled', ?, ?, ?, ?, ?)`);
  const call = (guildId: string, userId: string, at: number, micros: number) => {
    insert.run(guildId, userId, ['ask', 'translate', 'imagine'][rows % 3]!, micros * 2, micros, bucketOf(at), at, at);
    rows += 1;
  };
  db.transaction(() => {
    for (let day = 0; day < DAYS; day += 1) {
      const dayStart = now - (DAYS - day) * DAY_MS;
      for (let m = 0; m < MEMBERS; m += 1) {
        for (let c = 0; c < CALLS_PER_MEMBER_DAY; c += 1) call('g0', `u${m}`, dayStart + ((m * 7 + c * 3_600_000) % DAY_MS), 100 + ((m * 37 + day * 11) % 500) * (m % 17 === 0 ? 20 : 1));
      }
      for (let s = 1; s <= SERVERS; s += 1) {
        for (let c = 0; c < CALLS_PER_SERVER_DAY; c += 1) call(s === SERVERS ? DM_GUILD : `g${s}`, `v${c}`, dayStart + c * 3_600_000, 50 + ((s * 13 + day) % 900));
      }
    }
  })();
  return rows;
}

/** Wall-clock ms, and this process's CPU ms (all threads): on a shared machine the second says more. */
async function time<T>(fn: () => T | Promise<T>): Promise<[T, number, number]> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await fn();
  const used = process.cpuUsage(cpu);
  return [result, performance.now() - started, (used.user + used.system) / 1000];
}

/**
 * `npm run bench charts`: the /budget show chart of one server over 90 days × 500 members, and the /operator chart
 * over 90 days × 300 servers, each from the ledger to PNG (goal < 200 ms); the first chart's loading apart.
 */
export async function benchCharts(): Promise<void> {
  const path = tempDatabasePath();
  const db = openDatabase(path);
  migrate(db);
  const now = Date.parse('2026-11-27T12:00:00Z');
  const [rows, fillMs] = await time(() => fill(db, now));
  const charts = new SpendCharts(new LedgerDaily(db), () => now);
  const span = { start: periodWindow('day', now - (DAYS - 1) * DAY_MS, 'Asia/Taipei').start, end: periodWindow('day', now, 'Asia/Taipei').end };
  const names = (id: string) => `member ${id}`;
  const server = () => charts.server({ guildId: 'g0', limit: { amountMicros: 5_000_000, period: 'day' }, timeZone: 'Asia/Taipei', names, span }, 'zh-TW');
  const bot = () => charts.bot({ period: 'day', limit: { amountMicros: 20_000_000, period: 'day' }, names: (id) => `server ${id}`, span: { start: periodWindow('day', now - (DAYS - 1) * DAY_MS).start, end: periodWindow('day', now).end } }, 'ja');
  console.log(`\n# charts (${rows.toLocaleString('en-US')} ledger rows filled in ${(fillMs / 1000).toFixed(1)} s; PNG ${960}×${480})`);

  const rssBefore = process.memoryUsage().rss / 2 ** 20;
  const [, loadMs] = await time(() => loadRenderer());
  const [firstPlan] = await time(server);
  const [firstImage, firstDrawMs] = await time(() => charts.draw(firstPlan));
  const rssAfter = process.memoryUsage().rss / 2 ** 20;
  console.log(`first chart: loading the drawing code and font ${ms(loadMs)}, then drawing ${ms(firstDrawMs)}; RSS ${mb(rssBefore)} → ${mb(rssAfter)}`);
  writeFileSync(join(path, '..', 'server.png'), firstImage!.png);
  writeFileSync(join(path, '..', 'bot.png'), (await charts.draw(bot()))!.png);

  const measure = async (label: string, plan: () => PlannedChart | null) => {
    const query: number[] = [];
    const draw: number[] = [];
    const total: number[] = [];
    const cpu: number[] = [];
    let last: PlannedChart | null = null;
    for (let run = 0; run < RUNS; run += 1) {
      const [planned, planMs, planCpu] = await time(plan);
      const [, drawMs, drawCpu] = await time(() => charts.draw(planned));
      query.push(planMs);
      draw.push(drawMs);
      total.push(planMs + drawMs);
      cpu.push(planCpu + drawCpu);
      last = planned;
    }
    const p50 = percentile(total, 50);
    console.log(`${label} (${last?.days.length} days, ${last?.spec.stacks.length} stacks): ledger → PNG p50 ${ms(p50)}, p99 ${ms(percentile(total, 99))} `
      + `(goal < ${GOAL_MS} ms: ${p50 < GOAL_MS ? 'met' : 'NOT met'}), CPU p50 ${ms(percentile(cpu, 50))}; `
      + `of which reading the ledger and building the series p50 ${ms(percentile(query, 50))}, drawing + PNG p50 ${ms(percentile(draw, 50))}`);
  };
  await measure(`/budget show, ${DAYS} days × ${MEMBERS} members`, server);
  await measure(`/operator status, ${DAYS} days × ${SERVERS} servers`, bot);
  console.log(`(machine load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores; charts written next to ${path})`);
  db.close();
}
