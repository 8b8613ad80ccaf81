/** Tracks work in flight so a stop can refuse new work and wait, within a bound, for the rest. */
export class Lifecycle {
  private readonly running = new Set<Promise<unknown>>();
  /** Answers being shown to a member, each with how to tell them it will not finish (one per key). */
  private readonly answers = new Map<unknown, () => Promise<void>>();
  private stopping = false;

  get accepting(): boolean {
    return !this.stopping;
  }

  get inFlight(): number {
    return this.running.size;
  }

  /** Answers registered with `answering` and not finished yet. */
  get unfinishedAnswers(): number {
    return this.answers.size;
  }

  track<T>(work: Promise<T>): Promise<T> {
    this.running.add(work);
    const forget = () => this.running.delete(work);
    work.then(forget, forget);
    return work;
  }

  /**
   * Registers an answer in progress with how to interrupt it; call the returned function when it is done.
   * A later registration under the same key (e.g. an interaction's id) replaces the earlier, less precise one.
   */
  answering(interrupt: () => Promise<void>, key: unknown = Symbol('answer')): () => void {
    this.answers.set(key, interrupt);
    return () => {
      if (this.answers.get(key) === interrupt) this.answers.delete(key);
    };
  }

  /** Stops accepting; resolves true when everything finished, false when the wait ran out. */
  async drain(maxWaitMs: number): Promise<boolean> {
    this.stopping = true;
    return this.waitFor(Promise.allSettled([...this.running]).then(() => true as const), maxWaitMs);
  }

  /**
   * Interrupts every answer still in progress (each tells its member), then waits up to `maxWaitMs`
   * for the interruptions and the work they belong to; returns how many answers were interrupted.
   */
  async interruptAnswers(maxWaitMs: number): Promise<number> {
    const interrupts = [...this.answers.values()];
    this.answers.clear();
    const notices = Promise.allSettled(interrupts.map((interrupt) => interrupt()));
    await this.waitFor(Promise.allSettled([notices, ...this.running]).then(() => true as const), maxWaitMs);
    return interrupts.length;
  }

  private async waitFor(done: Promise<true>, maxWaitMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), maxWaitMs); });
    const finished = await Promise.race([done, timeout]);
    clearTimeout(timer);
    return finished;
  }
}
