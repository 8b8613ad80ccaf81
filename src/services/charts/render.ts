import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ChartConfiguration, ChartDataset, ChartItem, Plugin, Scale, Tick } from 'chart.js';

/**
 * Charts are drawn by Chart.js on @napi-rs/canvas (Skia; its binary comes as a per-platform npm package),
 * loaded on the first chart, not at start-up: neither the ~35 MB native module nor the font weighs on a
 * bot nobody asked for a chart.
 */

/** The name the chart font is registered under: only this family is asked for, so the host's fonts never matter. */
export const FONT_FAMILY = 'BotChartSans';
/** Pixels: room for 90 daily bars and a legend, small enough to upload quickly (Discord scales it to fit). */
export const CHART_WIDTH = 960;
export const CHART_HEIGHT = 480;

/**
 * Noto Sans (Simplified Chinese subset, 8.4 MB OTF from @embedpdf/fonts-sc): it covers all 20,902 basic CJK
 * ideographs (Traditional as well as Simplified), kana and Latin, so one font draws every catalogue language.
 */
const FONT_PACKAGE = '@embedpdf/fonts-sc';
const FONT_FILE = 'NotoSansHans-Regular.otf';

export function chartFontPath(): string {
  // The package exports only its script; the fonts sit beside it (fonts/*.otf, listed in its `files`).
  return join(dirname(createRequire(import.meta.url).resolve(FONT_PACKAGE)), '..', 'fonts', FONT_FILE);
}

/** What one chart shows, its texts already in the reader's language; amounts in micro-dollars. */
export interface ChartSpec {
  title: string;
  dayLabels: string[];
  stacks: { label: string; values: number[]; others: boolean }[];
  limit: { label: string; micros: number } | null;
  runningTotal: { label: string; values: (number | null)[] } | null;
}

/** Tableau 10: tells ten stacks apart, also for the common kinds of colour blindness; "others" is the grey. */
const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f'];
const OTHERS_COLOR = '#bab0ac';
const LIMIT_COLOR = '#c0392b';
const RUNNING_TOTAL_COLOR = '#2c3e50';

const dollars = (micros: number) => micros / 1_000_000;
/** Day labels measured to lay out the axis: they all have the same shape, and measuring 90 of them is most of the drawing. */
const LABEL_SAMPLES = 8;
/** PNG row filter "up": bars repeat from row to row, so it packs a chart smaller and faster than trying every filter. */
const PNG_FILTER_UP = 0x20;

/** Discord shows images on a dark or light theme: the chart brings its own white background. */
const whiteBackground: Plugin = {
  id: 'whiteBackground',
  beforeDraw(chart) {
    const { ctx } = chart;
    ctx.save();
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, chart.width, chart.height);
    ctx.restore();
  },
};

type Formatter = (this: Scale, value: number, index: number, ticks: Tick[]) => string;

function configuration(spec: ChartSpec, numeric: Formatter): ChartConfiguration<'bar' | 'line', (number | null)[], string> {
  const datasets: ChartDataset<'bar' | 'line', (number | null)[]>[] = spec.stacks.map((stack, n) => ({
    type: 'bar', label: stack.label, data: stack.values.map(dollars), stack: 'spend', order: 2,
    backgroundColor: stack.others ? OTHERS_COLOR : PALETTE[n % PALETTE.length],
  }));
  // Each line is its own stack: lines on a stacked axis would otherwise be added on top of each other.
  if (spec.runningTotal) {
    datasets.push({
      type: 'line', label: spec.runningTotal.label, data: spec.runningTotal.values.map((v) => (v === null ? null : dollars(v))), stack: 'runningTotal', order: 1,
      borderColor: RUNNING_TOTAL_COLOR, backgroundColor: RUNNING_TOTAL_COLOR, borderWidth: 2, pointRadius: 2,
    });
  }
  if (spec.limit) {
    const level = dollars(spec.limit.micros);
    datasets.push({
      type: 'line', label: spec.limit.label, data: spec.dayLabels.map(() => level), stack: 'limit', order: 0,
      borderColor: LIMIT_COLOR, backgroundColor: LIMIT_COLOR, borderWidth: 2, borderDash: [8, 5], pointRadius: 0,
    });
  }
  return {
    type: 'bar',
    data: { labels: spec.dayLabels, datasets },
    plugins: [whiteBackground],
    options: {
      responsive: false, animation: false, devicePixelRatio: 1, events: [],
      plugins: {
        title: { display: true, text: spec.title, font: { size: 16 } },
        legend: { position: 'bottom', labels: { boxWidth: 14, font: { size: 12 } } },
      },
      scales: {
        x: { stacked: true, grid: { display: false }, ticks: { autoSkip: true, maxRotation: 0, sampleSize: LABEL_SAMPLES } },
        y: { stacked: true, beginAtZero: true, ticks: { callback(value, index, ticks) { return `$${numeric.call(this, Number(value), index, ticks)}`; } } },
      },
    },
  };
}

export interface ChartRenderer {
  render(spec: ChartSpec): Promise<Buffer>;
}

async function load(): Promise<ChartRenderer> {
  const [{ createCanvas, GlobalFonts }, chartjs] = await Promise.all([import('@napi-rs/canvas'), import('chart.js')]);
  if (!GlobalFonts.registerFromPath(chartFontPath(), FONT_FAMILY)) throw new Error(`the chart font ${FONT_FILE} (${FONT_PACKAGE}) could not be loaded`);
  const { Chart, BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Legend, Title, Ticks } = chartjs;
  Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Legend, Title);
  Chart.defaults.font.family = FONT_FAMILY;
  Chart.defaults.color = '#333333';
  const numeric: Formatter = Ticks.formatters.numeric;
  return {
    async render(spec) {
      const canvas = createCanvas(CHART_WIDTH, CHART_HEIGHT);
      // Chart.js draws on any object with getContext('2d') outside a browser (its basic platform).
      const chart = new Chart(canvas as unknown as ChartItem, configuration(spec, numeric));
      try {
        // Encoding runs on libuv's thread pool: only drawing holds the event loop.
        return await canvas.encode('png', { filters: PNG_FILTER_UP });
      } finally {
        chart.destroy();
      }
    },
  };
}

let loading: Promise<ChartRenderer> | undefined;

/** The renderer, loaded once (modules and font) on first use; a failed load is tried again next time. */
export function loadRenderer(): Promise<ChartRenderer> {
  loading ??= load().catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}
