/** Tracks work in flight so a stop can refuse new work and wait, within a bound, for the rest. */
export class Lifecycle {
  private readonly running = new Set<Promise<unknown>>();
  private stopping = false;

  get accepting(): boolean {
    return !this.stopping;
  }

  get inFlight(): number {
    return this.running.size;
  }

  track<T>(work: Promise<T>): Promise<T> {
    this.running.add(work);
    const forget = () => this.running.delete(work);
    work.then(forget, forget);
    return work;
  }

  /** Stops accepting; resolves true when everything finished, false when the wait ran out. */
  async drain(maxWaitMs: number): Promise<boolean> {
    this.stopping = true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), maxWaitMs); });
    const done = Promise.allSettled([...this.running]).then(() => true as const);
    const finished = await Promise.race([done, timeout]);
    clearTimeout(timer);
    return finished;
  }
}
