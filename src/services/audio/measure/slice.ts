/**
 * Long scans of a member's file (the measure walks) yield to the event loop in slices, so that a 25 MB file, honest
 * or crafted, doesn't hold a Discord heartbeat or another member's defer (see bench/audioMeasure.ts).
 */

/** The longest a scan holds the event loop before letting other work run (a Discord heartbeat, a defer). */
const WALK_SLICE_MS = 8;
/** Steps between clock reads (reading the clock costs more than a small step). */
const CLOCK_EVERY_STEPS = 256;

/** Lets other work run once the event loop has been held WALK_SLICE_MS (the clock read every CLOCK_EVERY_STEPS calls). */
export class Slice {
  private since = performance.now();
  private steps = 0;

  /**
   * A promise to await when it is time to yield, else undefined (awaiting nothing on every box costs a microtask each).
   * `weight`: steps this one counts for (a step that sums a whole Ogg page counts for its size).
   */
  pause(weight = 1): Promise<void> | undefined {
    this.steps += weight;
    if (this.steps < CLOCK_EVERY_STEPS) return undefined;
    this.steps = 0;
    if (performance.now() - this.since <= WALK_SLICE_MS) return undefined;
    return new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      this.since = performance.now();
    });
  }
}

