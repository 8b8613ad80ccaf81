import { createCanvas, GlobalFonts } from '@napi-rs/canvas';
import { beforeEach, describe, expect, test } from 'vitest';
import { BudgetStore } from '../../../src/db/budgetLimits.ts';
import { openDatabase, type Db } from '../../../src/db/connection.ts';
import { LedgerDaily } from '../../../src/db/ledgerDaily.ts';
import { LedgerStore } from '../../../src/db/ledger.ts';
import { migrate } from '../../../src/db/migrate.ts';
import { DM_GUILD, Ledger, type Payer } from '../../../src/services/budget/ledger.ts';
import { CHART_HEIGHT, CHART_WIDTH, FONT_FAMILY, loadRenderer } from '../../../src/services/charts/render.ts';
import { OTHERS } from '../../../src/services/charts/series.ts';
import { DAILY_CHART_DAYS, SpendCharts, TOP_STACKS } from '../../../src/services/charts/spendCharts.ts';
import { tempDatabasePath } from '../../support/tempDb.ts';

let clock = 0;
let db: Db;
let budgets: BudgetStore;
let ledger: Ledger;
let charts: SpendCharts;
beforeEach(() => {
  db = openDatabase(tempDatabasePath());
  migrate(db);
  budgets = new BudgetStore(db);
  ledger = new Ledger(new LedgerStore(db), budgets, null, () => clock);
  charts = new SpendCharts(new LedgerDaily(db), () => clock);
});

const member = (userId: string, guildId: string | null = 'g1'): Payer => ({ guildId, userId, roleIds: [], channelId: null });
/** One paid call at an instant: settled at `charged`, or left open, or released (then it counts nothing). */
function call(payer: Payer, iso: string, command: string, charged: number | 'open' | 'released'): void {
  clock = Date.parse(iso);
  const reserved = ledger.reserve(payer, { command, model: 'gpt-4o-mini', worstCaseMicros: 10_000 });
  if (!reserved.ok) throw new Error('refused');
  if (charged === 'released') ledger.release(reserved.reservation);
  else if (charged !== 'open') ledger.settle(reserved.reservation, { chargedMicros: charged });
}
const limitOf = (userId: string, guildId: string, amountMicros: number, period: 'day' | 'week' | 'month', scope: 'user' | 'server' = 'user') =>
  budgets.setLimit(guildId, { scope, targetId: scope === 'user' ? userId : '', period, amountMicros, updatedBy: 'admin', updatedAt: 0 });
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('what the charts are fed equals the ledger', () => {
  test('/usage: a member\'s month by command, on the server\'s local days, against their limit with a running total', () => {
    budgets.setTimeZone('g1', 'Asia/Taipei');
    limitOf('amy', 'g1', 2_000_000, 'month');
    const amy = member('amy');
    call(amy, '2027-01-02T03:00:00Z', 'ask', 1_500);
    call(amy, '2027-01-14T17:30:00Z', 'ask', 700); // 01:30 on January 15 in Taipei
    call(amy, '2027-01-15T02:00:00Z', 'imagine', 40_000);
    call(amy, '2027-01-15T03:00:00Z', 'translate', 'released');
    call(amy, '2027-01-15T04:00:00Z', 'ask', 'open'); // an open reservation counts at its reserved amount, as the ledger counts it
    call(member('bob'), '2027-01-15T04:00:00Z', 'ask', 999); // someone else's
    clock = Date.parse('2027-01-15T10:00:00Z');
    const report = ledger.usage(amy);
    const chart = charts.member({ guildId: 'g1', userId: 'amy', limit: report.personal!.limit, timeZone: report.timeZone }, 'en')!;

    expect(chart.days).toHaveLength(31);
    expect(chart.days[0]!.start).toBe(Date.parse('2027-01-01T00:00:00+08:00'));
    const byCommand = Object.fromEntries(chart.series.stacks.map((s) => [s.key, s.totalMicros]));
    expect(byCommand).toEqual(Object.fromEntries(report.byCommand.map((c) => [c.command, c.micros])));
    expect(chart.series.totalMicros).toBe(report.personal!.spentMicros);
    const ask = chart.series.stacks.find((s) => s.key === 'ask')!;
    expect(ask.values[1]).toBe(1_500);
    expect(ask.values[14]).toBe(700 + 10_000);
    expect(chart.series.limitMicros).toBe(2_000_000);
    expect(chart.series.runningTotal![14]).toBe(chart.series.totalMicros);
    expect(chart.series.runningTotal![15]).toBeNull();
    expect(chart.spec.stacks.map((s) => s.label)).toEqual(['/imagine', '/ask']);
    expect(chart.spec.limit).toEqual({ label: 'Your limit ($2.00 a month)', micros: 2_000_000 });
    expect(chart.spec.title).toBe('Your spending per day, Jan 1 – Jan 31 (Asia/Taipei)');
    expect(chart.description).toBe('Bar chart of your spending per day from Jan 1 to Jan 31, stacked by command: $0.0522 in total. Dashed line: Your limit ($2.00 a month).');
  });

  test('a daily limit shows the last two weeks, each day its own period; DMs are their own ledger', () => {
    limitOf('cy', 'g1', 50_000, 'day');
    call(member('cy', null), '2027-02-01T12:00:00Z', 'ask', 300);
    call(member('cy', null), '2027-02-10T12:00:00Z', 'ask', 200);
    clock = Date.parse('2027-02-10T13:00:00Z');
    const chart = charts.member({ guildId: null, userId: 'cy', limit: { amountMicros: 50_000, period: 'day' }, timeZone: 'UTC' }, 'en')!;
    expect(chart.days).toHaveLength(DAILY_CHART_DAYS);
    expect(chart.days.at(-1)!.start).toBe(Date.parse('2027-02-10T00:00:00Z'));
    expect(chart.series.stacks[0]!.values.filter((v) => v > 0)).toEqual([300, 200]);
    expect(chart.series.runningTotal).toBeNull();
    expect(charts.member({ guildId: 'g1', userId: 'cy', limit: null, timeZone: 'UTC' }, 'en')).toBeNull(); // nothing spent in the server
  });

  test('a day across a DST change is 23 hours, and a late-evening call lands on its local day', () => {
    budgets.setTimeZone('g1', 'America/New_York');
    call(member('dee'), '2027-03-15T03:30:00Z', 'ask', 400); // 23:30 on March 14, the day clocks go forward
    clock = Date.parse('2027-03-20T12:00:00Z');
    const chart = charts.member({ guildId: 'g1', userId: 'dee', limit: null, timeZone: 'America/New_York' }, 'en')!;
    expect(chart.days[13]!.end - chart.days[13]!.start).toBe(23 * 3_600_000);
    expect(chart.series.stacks[0]!.values[13]).toBe(400);
  });

  test('/budget show: a server by member, the top ones then "others", against the server cap', () => {
    limitOf('', 'g1', 30_000_000, 'week', 'server');
    const spenders = Array.from({ length: TOP_STACKS + 3 }, (_, n) => `m${String(n).padStart(2, '0')}`);
    spenders.forEach((id, n) => call(member(id), `2027-04-0${1 + (n % 5)}T12:00:00Z`, 'ask', 1_000 * (n + 1)));
    call(member('x', 'g2'), '2027-04-02T12:00:00Z', 'ask', 77_777); // another server
    clock = Date.parse('2027-04-05T12:00:00Z');
    const chart = charts.server({ guildId: 'g1', limit: { amountMicros: 30_000_000, period: 'month' }, timeZone: 'UTC', names: (id) => `@${id}` }, 'zh-TW')!;
    const top = ledger.topSpenders('g1', 'month', 100);
    expect(chart.series.stacks.slice(0, TOP_STACKS).map((s) => [s.key, s.totalMicros])).toEqual(top.slice(0, TOP_STACKS).map((r) => [r.userId, r.micros]));
    expect(chart.series.stacks.at(-1)).toMatchObject({ key: OTHERS, totalMicros: top.slice(TOP_STACKS).reduce((sum, r) => sum + r.micros, 0) });
    expect(chart.series.totalMicros).toBe(top.reduce((sum, r) => sum + r.micros, 0));
    expect(chart.spec.stacks.at(-1)).toMatchObject({ label: '其他', others: true });
    expect(chart.spec.stacks[0]!.label).toBe('@m11');
    expect(chart.spec.limit!.label).toBe('伺服器總額度（每月 $30.00）');
  });

  test('/operator status: the bot by server, direct messages named in the reader\'s language, days in UTC', () => {
    call(member('a', 'g1'), '2027-05-03T23:30:00Z', 'ask', 5_000);
    call(member('b', 'g2'), '2027-05-04T00:30:00Z', 'ask', 3_000);
    call(member('c', null), '2027-05-04T01:00:00Z', 'ask', 2_000);
    clock = Date.parse('2027-05-04T12:00:00Z');
    const overview = ledger.overview(10);
    const chart = charts.bot({ period: 'day', limit: { amountMicros: 1_000_000, period: 'day' }, names: (id) => (id === 'g1' ? 'First' : undefined) }, 'ja')!;
    // Today's column holds what the text reply lists for today (yesterday's server spent nothing today).
    expect(Object.fromEntries(chart.series.stacks.filter((s) => s.values.at(-1)! > 0).map((s) => [s.key, s.values.at(-1)]))).toEqual(Object.fromEntries(overview.servers.map((s) => [s.guildId, s.micros])));
    expect(chart.series.stacks.find((s) => s.key === 'g1')!.values.at(-2)).toBe(5_000);
    expect(chart.spec.stacks.map((s) => s.label).sort()).toEqual(['First', 'g2', 'ダイレクトメッセージ'].sort());
    expect(DM_GUILD).toBe('@dm');
  });

  test('each day is read through an index that covers it (never the whole ledger)', () => {
    const plan = (sql: string, ...args: unknown[]) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[]).map((r) => r.detail).join('; ');
    expect(plan("SELECT user_id, SUM(charged_micros) FROM ledger WHERE guild_id = ? AND state != 'released' AND created_at >= ? AND created_at < ? GROUP BY user_id", 'g', 0, 1))
      .toContain('COVERING INDEX ledger_by_guild_day');
    expect(plan("SELECT guild_id, SUM(charged_micros) FROM ledger WHERE state != 'released' AND created_at >= ? AND created_at < ? GROUP BY guild_id", 0, 1))
      .toContain('COVERING INDEX ledger_by_day');
  });
});

/** The size a PNG declares in its IHDR chunk. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  expect(png.toString('latin1', 12, 16)).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe('drawing', () => {
  test('a chart in Japanese and one in Traditional Chinese come out as PNGs of the chart size', async () => {
    call(member('amy'), '2027-06-02T12:00:00Z', 'ask', 1_000);
    clock = Date.parse('2027-06-03T12:00:00Z');
    for (const language of ['ja', 'zh-TW'] as const) {
      const image = (await charts.draw(charts.member({ guildId: 'g1', userId: 'amy', limit: { amountMicros: 5_000, period: 'week' }, timeZone: 'UTC' }, language)))!;
      expect(pngSize(image.png)).toEqual({ width: CHART_WIDTH, height: CHART_HEIGHT });
      expect(image.fileName).toBe('member-spending.png');
    }
  });

  test('CJK labels are drawn with the npm font\'s glyphs, not as empty boxes', async () => {
    await loadRenderer();
    expect(GlobalFonts.has(FONT_FAMILY)).toBe(true);
    const pixels = (text: string) => {
      const canvas = createCanvas(200, 60);
      const ctx = canvas.getContext('2d');
      ctx.fillStyle = '#fff';
      ctx.fillRect(0, 0, 200, 60);
      ctx.fillStyle = '#000';
      ctx.font = `32px ${FONT_FAMILY}`;
      ctx.fillText(text, 4, 44);
      return Buffer.from(canvas.getContext('2d').getImageData(0, 0, 200, 60).data);
    };
    const blank = pixels('');
    // Missing glyphs would all draw as the same box: different characters must make different pixels.
    const drawn = ['花費', '额度', 'その他'].map(pixels);
    for (const image of drawn) expect(image.equals(blank)).toBe(false);
    expect(drawn[0]!.equals(drawn[1]!)).toBe(false);
    expect(drawn[1]!.equals(drawn[2]!)).toBe(false);
    // And a code point no font has (a private-use one) does look like nothing the CJK text looks like.
    expect(pixels('\uE000\uE001').equals(drawn[0]!)).toBe(false);
  });

  test('nothing spent: no chart to draw', async () => {
    clock = Date.parse('2027-06-03T12:00:00Z');
    const plan = charts.member({ guildId: 'g1', userId: 'nobody', limit: null, timeZone: 'UTC' }, 'en');
    expect(plan).toBeNull();
    expect(await charts.draw(plan)).toBeNull();
  });
});
