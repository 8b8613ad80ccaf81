import type { DailySplit, LedgerDaily } from '../../db/ledgerDaily.ts';
import { commandLabel } from '../budget/format.ts';
import { DM_GUILD } from '../budget/ledger.ts';
import { dayWindows, periodWindow, type Period } from '../budget/periods.ts';
import { catalogue, type CatalogueLanguage } from '../i18n.ts';
import { formatUsd } from '../pricing/index.ts';
import { loadRenderer, type ChartRenderer, type ChartSpec } from './render.ts';
import { buildSeries, OTHERS, type SpendSeries } from './series.ts';

type Key = 'title.member' | 'title.server' | 'title.bot' | 'limit.member' | 'limit.server' | 'limit.bot' | 'runningTotal' | 'others'
  | 'directMessages' | 'alt.member' | 'alt.server' | 'alt.bot' | 'alt.limit';
const text = catalogue<Key>('charts');

/** A daily limit makes "this period" one bar: such a chart shows this many days, each its own period. */
export const DAILY_CHART_DAYS = 14;
/** Commands, members or servers drawn as their own stack; the rest share one "others" stack (ten colours stay apart). */
export const TOP_STACKS = 9;
/** A legend entry longer than this is cut (server and display names can be 100 characters). */
const MAX_LABEL_CHARS = 24;
/** Discord's limit on an attachment's description (its alt text). */
const MAX_DESCRIPTION_CHARS = 1024;

export interface ChartLimit {
  amountMicros: number;
  period: Period;
}

/** A chart worked out from the ledger, not drawn yet: what it shows and the alt text it goes out with. */
export interface PlannedChart {
  spec: ChartSpec;
  series: SpendSeries;
  /** The local days it covers, in order. */
  days: { start: number; end: number }[];
  fileName: string;
  description: string;
}

export interface ChartImage {
  png: Buffer;
  fileName: string;
  description: string;
}

type Names = (id: string) => string | undefined;
/** Instead of the limit's period: the local days covering [start, end) (a longer look back). */
type Span = { start: number; end: number };

const cut = (label: string) => ([...label].length > MAX_LABEL_CHARS ? `${[...label].slice(0, MAX_LABEL_CHARS - 1).join('')}…` : label);

/**
 * The spend charts of /usage, /budget show and /operator status: the ledger's calls per local day of the
 * period the text reply talks about, stacked by command, member or server, with the limit as a line.
 */
export class SpendCharts {
  constructor(
    private readonly daily: LedgerDaily,
    private readonly now: () => number = Date.now,
    private readonly renderer: () => Promise<ChartRenderer> = loadRenderer,
  ) {}

  /** The days a chart of this period (or span) covers in a time zone, and which of them is today (-1: none). */
  window(period: Period, timeZone: string, span?: Span): { days: { start: number; end: number }[]; today: number } {
    const now = this.now();
    const today = periodWindow('day', now, timeZone);
    // Noon of the first day: a DST change in between moves it by an hour, never into another day.
    const covered = span ?? (period === 'day' ? { start: today.start - (DAILY_CHART_DAYS - 1) * 86_400_000 + 43_200_000, end: today.end } : periodWindow(period, now, timeZone));
    const days = dayWindows(covered.start, covered.end, timeZone);
    return { days, today: days.findIndex((day) => day.start <= now && now < day.end) };
  }

  /** /usage: one member's spend (in a server, or in DMs when guildId is null) by command, against their own limit. */
  member(input: { guildId: string | null; userId: string; limit: ChartLimit | null; timeZone: string }, language: CatalogueLanguage): PlannedChart | null {
    const split: DailySplit = { by: 'command', guildId: input.guildId ?? DM_GUILD, userId: input.userId };
    return this.plan(split, input.limit, input.timeZone, language, { kind: 'member', top: TOP_STACKS, label: commandLabel });
  }

  /** /budget show: a server's spend by member (the biggest spenders, then everyone else), against the server cap. */
  server(input: { guildId: string; limit: ChartLimit | null; timeZone: string; names: Names; span?: Span }, language: CatalogueLanguage): PlannedChart | null {
    return this.plan({ by: 'member', guildId: input.guildId }, input.limit, input.timeZone, language,
      { kind: 'server', top: TOP_STACKS, label: (id) => input.names(id) ?? id, span: input.span });
  }

  /** /operator status: the bot's spend by server (direct messages as one), against BOT_LIMIT_USD; periods in UTC. */
  bot(input: { period: Period; limit: ChartLimit | null; names: Names; span?: Span }, language: CatalogueLanguage): PlannedChart | null {
    const label = (id: string) => (id === DM_GUILD ? text('directMessages', language) : input.names(id) ?? id);
    return this.plan({ by: 'server' }, input.limit ?? null, 'UTC', language, { kind: 'bot', top: TOP_STACKS, label, span: input.span }, input.period);
  }

  /** Draws a planned chart; null stays null (nothing was spent, so there is nothing to draw). */
  async draw(chart: PlannedChart | null): Promise<ChartImage | null> {
    if (!chart) return null;
    const png = await (await this.renderer()).render(chart.spec);
    return { png, fileName: chart.fileName, description: chart.description };
  }

  private plan(
    split: DailySplit, limit: ChartLimit | null, timeZone: string, language: CatalogueLanguage,
    how: { kind: 'member' | 'server' | 'bot'; top: number; label: (key: string) => string; span?: Span }, period: Period = limit?.period ?? 'month',
  ): PlannedChart | null {
    const { days, today } = this.window(period, timeZone, how.span);
    const rows = this.daily.spendPerDay(split, days);
    const series = buildSeries(rows, {
      days: days.length, top: how.top, limitMicros: limit?.amountMicros ?? null,
      // A week's or month's limit is reached by the running total, not by one day's bar.
      runningTotalThrough: limit && period !== 'day' && !how.span && today >= 0 ? today : null,
    });
    if (series.totalMicros === 0) return null;
    const short = new Intl.DateTimeFormat(language, { timeZone, month: 'short', day: 'numeric' });
    const axis = new Intl.DateTimeFormat(language, { timeZone, month: 'numeric', day: 'numeric' });
    const range = { from: short.format(days[0]!.start), to: short.format(days.at(-1)!.start), zone: timeZone };
    const limitLabel = limit && text(`limit.${how.kind}`, language, { amount: formatUsd(limit.amountMicros), period: limit.period });
    const spec: ChartSpec = {
      title: text(`title.${how.kind}`, language, range),
      dayLabels: days.map((day) => axis.format(day.start)),
      stacks: series.stacks.map((stack) => ({
        label: cut(stack.key === OTHERS ? text('others', language) : how.label(stack.key)), values: stack.values, others: stack.key === OTHERS,
      })),
      limit: limitLabel ? { label: limitLabel, micros: limit.amountMicros } : null,
      runningTotal: series.runningTotal && { label: text('runningTotal', language, { period }), values: series.runningTotal },
    };
    const alt = text(`alt.${how.kind}`, language, { ...range, total: formatUsd(series.totalMicros), top: how.top });
    const description = limitLabel ? `${alt} ${text('alt.limit', language, { label: limitLabel })}` : alt;
    return { spec, series, days, fileName: `${how.kind}-spending.png`, description: [...description].slice(0, MAX_DESCRIPTION_CHARS).join('') };
  }
}
