/**
 * Room for members' files held in memory at once. A 512 MB host keeps ~350 MB for the bot's own heap, discord.js
 * caches and SQLite: 160 MB is six of the largest transcriptions (25 MiB) at once; more wait their turn.
 */
export const DEFAULT_DOWNLOAD_BUDGET_BYTES = 160 * 1024 * 1024;

/**
 * The longest a file waits for room. Past a minute, "busy, try again in a minute" serves the member better than
 * silence; it also leaves nearly all of an interaction token's 15 minutes for the work itself.
 */
export const DEFAULT_DOWNLOAD_WAIT_MS = 60_000;

/** Room taken for one file; `release` gives it back (once: later calls do nothing). */
export interface DownloadRoom {
  readonly bytes: number;
  release(): void;
}

interface Waiter {
  bytes: number;
  grant: (room: DownloadRoom) => void;
  timer: NodeJS.Timeout;
}

/**
 * A process-wide bound on the bytes of members' files held in memory (downloads and the uploads made from them).
 * Room is handed out first come, first served: a large file at the head of the line is not passed by smaller ones
 * behind it, so it can't be starved. A file larger than the whole budget still runs, alone (it takes the whole
 * budget): refusing it would make a file the bot accepts unusable forever, and alone it holds no more than it
 * would on an idle bot.
 */
export class DownloadGate {
  private held = 0;
  private readonly line: Waiter[] = [];
  /** Told when a file has to wait for room (the metrics count it). */
  onWaited?: () => void;
  /** Told when a file found no room within its wait and was turned away. */
  onRefused?: () => void;

  /** `maxWaitMs`: the longest any file waits (DOWNLOAD_WAIT_MS); a caller's own deadline may make it shorter. */
  constructor(readonly budgetBytes: number = DEFAULT_DOWNLOAD_BUDGET_BYTES, readonly maxWaitMs: number = DEFAULT_DOWNLOAD_WAIT_MS) {}

  /** Bytes of room taken now (files being downloaded, checked or uploaded). */
  get inFlight(): number {
    return this.held;
  }

  /** Files waiting for room. */
  get waiting(): number {
    return this.line.length;
  }

  /** Room for `bytes`, waiting in line up to `waitMs` (at most maxWaitMs); undefined when none came in time (nothing is then held). */
  take(bytes: number, waitMs: number = this.maxWaitMs): Promise<DownloadRoom | undefined> {
    waitMs = Math.min(waitMs, this.maxWaitMs);
    const need = Math.min(Math.max(0, Math.ceil(bytes)), this.budgetBytes);
    if (this.line.length === 0 && this.fits(need)) return Promise.resolve(this.grant(need));
    if (waitMs <= 0) {
      this.onRefused?.();
      return Promise.resolve(undefined);
    }
    this.onWaited?.();
    return new Promise((resolve) => {
      const waiter: Waiter = {
        bytes: need,
        grant: resolve,
        timer: setTimeout(() => {
          this.line.splice(this.line.indexOf(waiter), 1);
          this.onRefused?.();
          resolve(undefined);
          // The head of the line leaving may let the ones behind it in.
          this.admit();
        }, waitMs),
      };
      this.line.push(waiter);
    });
  }

  private fits(need: number): boolean {
    return this.held + need <= this.budgetBytes;
  }

  private grant(need: number): DownloadRoom {
    this.held += need;
    let released = false;
    return {
      bytes: need,
      release: () => {
        if (released) return;
        released = true;
        this.held -= need;
        this.admit();
      },
    };
  }

  /** Lets in, in order, every waiter at the head of the line that fits now. */
  private admit(): void {
    while (this.line.length > 0 && this.fits(this.line[0]!.bytes)) {
      const waiter = this.line.shift()!;
      clearTimeout(waiter.timer);
      waiter.grant(this.grant(waiter.bytes));
    }
  }
}

/** The rooms one piece of work holds (a question's images), given back together when it is done. */
export class HeldRooms {
  private readonly releases: (() => void)[] = [];

  add(release: () => void): void {
    this.releases.push(release);
  }

  releaseAll(): void {
    for (const release of this.releases.splice(0)) release();
  }
}
