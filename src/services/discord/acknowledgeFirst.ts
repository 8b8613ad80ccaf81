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
  /**
   * A look already held it for interactions it found. One look only: under steady load each look may read one more
   * interaction, and look after look would hold the answer to the cap while never more than one was pending.
   */
  looked?: boolean;
}

/**
 * The interactions the gateway delivered that are not acknowledged yet. In a burst (many members at once, or a
 * gateway catching up) the work after each acknowledgement (settings, history, token counts, the OpenAI call) waits
 * until every interaction delivered by then is acknowledged, so each member sees "thinking…" at once instead of after
 * the first members' answers have taken the event loop. Interactions delivered later don't hold it: under steady load
 * an answer waits only for those already there. Process-wide, like the gateway connection it follows.
 *
 * Before work is let go, the event loop reads its sockets once more: a burst's later frames may already wait in the
 * gateway's socket, unread while the bot was busy acknowledging the first ones. Read then, they hold the work too
 * (once: the work is let go when they are settled, without another look); a look that finds nothing new lets it go.
 * The cap still counts from when the work first asked.
 */
export class Acknowledgements {
  /** Each pending interaction's arrival number, oldest first (a Map keeps the order they were added in). */
  readonly #pending = new Map<string, number>();
  #arrivals = 0;
  /** Work waiting for its turn, in the order it asked (so by `upTo`); one whose time ran out leaves, so steady load can't pile them up. */
  readonly #waiters = new Map<() => void, Waiter>();
  /** Work whose interactions are all settled, held while the event loop reads its sockets once more (see #lookAgain). */
  readonly #looking = new Map<() => void, Waiter>();
  /** Arrivals counted when the current look began. */
  #arrivalsBeforeLook = 0;

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
      this.#lookAgain(resume, waiter);
    }
  }

  /**
   * Resolves once every interaction delivered so far is settled (and those the event loop then finds already
   * delivered: see the class), or after ACKNOWLEDGE_FIRST_MAX_WAIT_MS.
   */
  turn(): Promise<void> {
    const upTo = this.#arrivals;
    // No function here is given a name: the bundle (esbuild's keepNames) would name each one on every call, which
    // costs more than the rest of this in a burst's first moments.
    return new Promise((resume) => {
      const waiter = { upTo, timer: setTimeout(() => this.#wake(resume), ACKNOWLEDGE_FIRST_MAX_WAIT_MS) };
      if (this.#oldestPending() > upTo) this.#lookAgain(resume, waiter);
      else this.#waiters.set(resume, waiter);
    });
  }

  /**
   * Holds `resume` through one poll phase of the event loop (the second setImmediate runs after it), with all the
   * work released meanwhile. If the gateway's socket gave more interactions in that phase, the work waits for every
   * interaction delivered by then; otherwise it goes on.
   */
  #lookAgain(resume: () => void, waiter: Waiter): void {
    this.#waiters.delete(resume);
    if (waiter.looked) {
      clearTimeout(waiter.timer);
      resume();
      return;
    }
    this.#looking.set(resume, waiter);
    if (this.#looking.size > 1) return;
    this.#arrivalsBeforeLook = this.#arrivals;
    setImmediate(() => setImmediate(() => this.#afterLook()));
  }

  #afterLook(): void {
    const upTo = this.#arrivals;
    const burstGoesOn = upTo > this.#arrivalsBeforeLook && this.#oldestPending() <= upTo;
    for (const [resume, waiter] of this.#looking) {
      this.#looking.delete(resume);
      // Appended after every earlier waiter, whose `upTo` is no higher: the list stays in order.
      if (burstGoesOn) {
        waiter.upTo = upTo;
        waiter.looked = true;
        this.#waiters.set(resume, waiter);
      } else {
        clearTimeout(waiter.timer);
        resume();
      }
    }
  }

  #oldestPending(): number {
    const oldest = this.#pending.values().next();
    return oldest.done ? Number.POSITIVE_INFINITY : oldest.value;
  }

  #wake(resume: () => void): void {
    clearTimeout((this.#waiters.get(resume) ?? this.#looking.get(resume))?.timer);
    this.#waiters.delete(resume);
    this.#looking.delete(resume);
    resume();
  }

  get pending(): number {
    return this.#pending.size;
  }

  /** Work still waiting for its turn. */
  get waiting(): number {
    return this.#waiters.size + this.#looking.size;
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
