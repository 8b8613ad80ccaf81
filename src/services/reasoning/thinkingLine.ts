/** An answer that starts within this long needs no progress line: the first text is shown instead. */
export const THINKING_LINE_AFTER_MS = 1000;
/** The seconds shown change once a second; the reply's edit pacer decides how often that is really shown. */
const TICK_MS = 1000;

/**
 * "Thinking… 12 s" while a model thinks and no answer text has arrived: for a reasoning model from
 * THINKING_LINE_AFTER_MS on, and at once when thinking shows up in the stream (`<think>`, reasoning deltas).
 * Stopped for good by the first answer text, so it adds no edit once the answer streams.
 */
export class ThinkingLine {
  private readonly startedAt = performance.now();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly show: (line: string) => void, private readonly line: (seconds: number) => string) {}

  /** A reasoning model was asked: its thinking is silent, so the line appears unless text comes first. */
  expectSilentThinking(): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => this.tick(), THINKING_LINE_AFTER_MS);
  }

  /** Thinking arrived in the stream: show the line now, if it isn't already ticking. */
  thinking(): void {
    if (this.stopped || this.timer) return;
    this.tick();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private tick(): void {
    if (this.stopped) return;
    const elapsed = performance.now() - this.startedAt;
    this.show(this.line(Math.floor(elapsed / 1000)));
    this.timer = setTimeout(() => this.tick(), TICK_MS - (elapsed % TICK_MS));
  }
}
