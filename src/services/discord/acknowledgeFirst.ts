import type { RepliableInteraction } from 'discord.js';
import { INTERACTION_ACK_DEADLINE_MS } from './limits.ts';

/**
 * Longest the work after an acknowledgement waits for the other interactions' acknowledgements, and longest one
 * interaction holds anyone back after it arrived: half of Discord's 3 s deadline, past which an acknowledgement is at
 * risk anyway (an overloaded machine, one stuck in Discord's rate limits, a command that replies slowly). Shorter
 * (250 ms) let the first answers' work take the CPU from the rest of a burst on a busy machine: 50 asks at once,
 * acknowledged within 1.5 s when the work waited, were strung out to 5 s and two thirds missed the deadline.
 */
export const ACKNOWLEDGE_FIRST_MAX_WAIT_MS = INTERACTION_ACK_DEADLINE_MS / 2;

interface Waiter {
  /** The arrivals it waits for: every interaction delivered before it asked (later ones don't hold it). */
  upTo: number;
  timer: NodeJS.Timeout;
}

/**
 * The interactions the gateway delivered that are not acknowledged yet. In a burst (many members at once, or a
 * gateway catching up) the work after each acknowledgement (settings, history, token counts, the OpenAI call) waits
 * until every interaction delivered by then is acknowledged, so each member sees "thinking…" at once instead of after
 * the first members' answers have taken the event loop. Interactions delivered later don't hold it: under steady load
 * an answer waits only for those already there. Process-wide, like the gateway connection it follows.
 */
export class Acknowledgements {
  /** Each pending interaction's arrival number, oldest first (a Map keeps the order they were added in). */
  readonly #pending = new Map<string, number>();
  #arrivals = 0;
  /** Work waiting for its turn, in the order it asked (so by `upTo`); one whose time ran out leaves, so steady load can't pile them up. */
  readonly #waiters = new Map<() => void, Waiter>();

  /** The gateway delivered `id`; it counts until `settled(id)`, or for ACKNOWLEDGE_FIRST_MAX_WAIT_MS at most. */
  arrived(id: string): void {
    this.#pending.set(id, ++this.#arrivals);
    setTimeout(() => this.settled(id), ACKNOWLEDGE_FIRST_MAX_WAIT_MS).unref();
  }

  /** `id` is acknowledged, answered, or will never be: it no longer holds anyone's work back. */
  settled(id: string): void {
    if (!this.#pending.delete(id)) return;
    const oldest = this.#oldestPending();
    for (const [resume, waiter] of this.#waiters) {
      if (waiter.upTo >= oldest) break;
      this.#wake(resume);
    }
  }

  /** Resolves once every interaction delivered so far is settled, or after ACKNOWLEDGE_FIRST_MAX_WAIT_MS. */
  turn(): Promise<void> {
    const upTo = this.#arrivals;
    if (this.#oldestPending() > upTo) return Promise.resolve();
    // No function here is given a name: the bundle (esbuild's keepNames) would name each one on every call, which
    // costs more than the rest of this in a burst's first moments.
    return new Promise((resume) => {
      this.#waiters.set(resume, { upTo, timer: setTimeout(() => this.#wake(resume), ACKNOWLEDGE_FIRST_MAX_WAIT_MS) });
    });
  }

  #oldestPending(): number {
    const oldest = this.#pending.values().next();
    return oldest.done ? Number.POSITIVE_INFINITY : oldest.value;
  }

  #wake(resume: () => void): void {
    clearTimeout(this.#waiters.get(resume)?.timer);
    this.#waiters.delete(resume);
    resume();
  }

  get pending(): number {
    return this.#pending.size;
  }

  /** Work still waiting for its turn. */
  get waiting(): number {
    return this.#waiters.size;
  }
}

export const acknowledgements = new Acknowledgements();

/**
 * Defers `interaction` ("thinking…"), then lets every other interaction delivered by then be acknowledged before
 * the slow work that follows. Commands use this rather than `deferReply` itself.
 */
export async function deferFirst(interaction: RepliableInteraction, options?: Parameters<RepliableInteraction['deferReply']>[0]): Promise<void> {
  try {
    await interaction.deferReply(options);
  } finally {
    acknowledgements.settled(interaction.id);
  }
  await acknowledgements.turn();
}
