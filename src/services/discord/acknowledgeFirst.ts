import type { RepliableInteraction } from 'discord.js';

/**
 * Longest the work after an acknowledgement waits for the other interactions' acknowledgements, and longest one
 * interaction holds anyone back after it arrived (an acknowledgement stuck in Discord's rate limits, a command that
 * replies slowly): under steady load some interaction is always waiting for its own, and answers must not stall behind them.
 */
export const ACKNOWLEDGE_FIRST_MAX_WAIT_MS = 250;

/**
 * The interactions the gateway delivered that are not acknowledged yet. In a burst (many members at once, or a
 * gateway catching up) the work after each acknowledgement (settings, history, token counts, the OpenAI call) waits
 * until every delivered interaction is acknowledged, so each member sees "thinking…" at once instead of after the
 * first members' answers have taken the event loop. Process-wide, like the gateway connection it follows.
 */
export class Acknowledgements {
  readonly #pending = new Set<string>();
  /** Work waiting for its turn, with its time limit; one that stopped waiting (its time ran out) leaves, so steady load can't pile them up. */
  readonly #waiters = new Map<() => void, NodeJS.Timeout>();

  /** The gateway delivered `id`; it counts until `settled(id)`, or for ACKNOWLEDGE_FIRST_MAX_WAIT_MS at most. */
  arrived(id: string): void {
    this.#pending.add(id);
    setTimeout(() => this.settled(id), ACKNOWLEDGE_FIRST_MAX_WAIT_MS).unref();
  }

  /** `id` is acknowledged, answered, or will never be: it no longer holds anyone's work back. */
  settled(id: string): void {
    if (!this.#pending.delete(id) || this.#pending.size > 0) return;
    for (const resume of [...this.#waiters.keys()]) this.#wake(resume);
  }

  /** Resolves once no delivered interaction waits for its acknowledgement, or after ACKNOWLEDGE_FIRST_MAX_WAIT_MS. */
  turn(): Promise<void> {
    if (this.#pending.size === 0) return Promise.resolve();
    // No function here is given a name: the bundle (esbuild's keepNames) would name each one on every call, which
    // costs more than the rest of this in a burst's first moments.
    return new Promise((resume) => {
      this.#waiters.set(resume, setTimeout(() => this.#wake(resume), ACKNOWLEDGE_FIRST_MAX_WAIT_MS));
    });
  }

  #wake(resume: () => void): void {
    clearTimeout(this.#waiters.get(resume));
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
 * Defers `interaction` ("thinking…"), then lets every other interaction delivered meanwhile be acknowledged before
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
