import type { APIActionRowComponent, APIComponentInMessageActionRow } from 'discord.js';
import type { Logger } from '../../logger.ts';
import { DISCORD_MESSAGE_LIMIT, closeOpenFence, splitMessage } from '../messageSplitter.ts';
import { deadEndDetails, isDeadEnd } from './deadEnd.ts';
import type { EditPacer } from './editPacer.ts';

/** Room kept in every message for the fence closed while a chunk is still streaming. */
const STREAMING_DECORATION_ROOM = 8;
export const CHUNK_LIMIT = DISCORD_MESSAGE_LIMIT - STREAMING_DECORATION_ROOM;

/** Buttons under a message (e.g. "Show reasoning"), in Discord's wire shape. */
export type MessageComponents = APIActionRowComponent<APIComponentInMessageActionRow>[];

/** Where an answer's messages go: an interaction's reply and follow-ups, or a channel reply. */
export interface MessageSink {
  /** Writes message `index` (0 = the first); creates it if it does not exist yet. `components` are set only when given. */
  write(index: number, content: string, components?: MessageComponents): Promise<void>;
  /** Deletes message `index` (> 0), when a final text is shorter than the drafts already shown (e.g. withheld by moderation). */
  remove?(index: number): Promise<void>;
}

/**
 * Shows a growing answer as Discord messages: edits paced by the shared EditPacer,
 * finished 2,000-character chunks frozen and continued in the next message.
 */
export class ReplyStream {
  private text = '';
  /** Shown while no answer text has arrived (e.g. "thinking… 12 s"); never part of the answer. */
  private status = '';
  private shown: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private lastEditAt = Number.NEGATIVE_INFINITY;
  /** Joined at the first text, so a reply that never streams (a refusal) never holds a share of the budget. */
  private leave: (() => void) | undefined;
  private closed = false;
  /** Set when Discord refused a write for good (401/403/404): no further call is made for this answer. */
  private stopped = false;
  /** Set when the bot stopped before the answer could finish: what comes later is not shown. */
  private interrupted = false;

  constructor(private readonly sink: MessageSink, private readonly pacer: EditPacer, private readonly log: Logger) {}

  /** Discord refused a write for good (the reply, its thread or its token is gone): the rest of the answer can't be shown. */
  get abandoned(): boolean {
    return this.stopped;
  }

  /** Call with the whole text so far; the first call is shown at once, later ones at the paced interval. */
  update(text: string): void {
    if (this.closed) return;
    this.leave ??= this.pacer.join();
    this.text = text;
    this.schedule();
  }

  /** A progress line shown, paced like any edit, until the first text arrives; ignored once it has. */
  showStatus(line: string): void {
    if (this.closed || this.text !== '') return;
    this.leave ??= this.pacer.join();
    this.status = line;
    this.schedule();
  }

  /**
   * Shows the final text now (after any edit in flight) and releases this stream's share of the budget.
   * `components` go on the last message. A stopped stream resolves without a call: the place the answer was going to is gone.
   */
  async finish(finalText: string, components?: MessageComponents): Promise<void> {
    if (this.interrupted) return;
    this.close();
    await this.inFlight?.catch(() => undefined);
    if (this.stopped) return;
    this.text = closeOpenFence(finalText);
    await this.render(true, components).catch((error: unknown) => {
      if (!this.stopped) throw error;
    });
  }

  /**
   * The bot is stopping before this answer could finish: shows `notice` under the text shown so far and
   * ignores every later update and finish. An answer already finishing or stopped is left as it is.
   */
  async interrupt(notice: string): Promise<void> {
    if (this.closed) return;
    this.interrupted = true;
    this.close();
    await this.inFlight?.catch(() => undefined);
    if (this.stopped) return;
    this.text = this.text.trim() === '' ? notice : `${closeOpenFence(this.text.trimEnd())}\n\n${notice}`;
    await this.render(true).catch((error: unknown) => {
      if (!this.stopped) throw error;
    });
  }

  private close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.leave?.();
    this.leave = () => undefined;
  }

  /** A 401/403/404 answer: repeating it would only add to Discord's count of invalid requests. */
  private stop(error: unknown): void {
    this.stopped = true;
    this.close();
    this.log.warn(deadEndDetails(error), 'Discord refused the reply for good; nothing more is sent for this answer');
  }

  private schedule(): void {
    if (this.timer || this.inFlight) return;
    const wait = Math.max(0, this.lastEditAt + this.pacer.intervalMs() - performance.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.inFlight = this.render(false)
        .catch((error: unknown) => {
          if (!this.stopped) this.log.debug({ err: error }, 'progress edit failed; the final edit will retry');
        })
        .finally(() => {
          this.inFlight = undefined;
          if (!this.closed && this.rendered(false).some((chunk, i) => chunk !== this.shown[i])) this.schedule();
        });
    }, wait);
  }

  private rendered(final: boolean): string[] {
    const chunks = splitMessage(this.text || this.status, CHUNK_LIMIT);
    if (!final && chunks.length > 0) chunks[chunks.length - 1] = closeOpenFence(chunks[chunks.length - 1]!);
    return chunks;
  }

  private async render(final: boolean, components?: MessageComponents): Promise<void> {
    const chunks = this.rendered(final);
    this.lastEditAt = performance.now();
    for (const [index, chunk] of chunks.entries()) {
      const extra = index === chunks.length - 1 ? components : undefined;
      if (this.shown[index] === chunk && !extra) continue;
      if (this.stopped) return;
      try {
        await this.sink.write(index, chunk, extra);
      } catch (error) {
        if (isDeadEnd(error)) this.stop(error);
        throw error;
      }
      this.shown[index] = chunk;
    }
    if (!final) return;
    // Drafts past the final text's end would otherwise stay visible under it.
    while (this.shown.length > Math.max(chunks.length, 1) && this.sink.remove && !this.stopped) {
      await this.sink.remove(this.shown.length - 1);
      this.shown.pop();
    }
  }
}
