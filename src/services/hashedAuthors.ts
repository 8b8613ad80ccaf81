import type { MemberHasher } from './budget/shared/memberHash.ts';

/**
 * How long the hashes of one catch-up are kept unused: its tombstones come a lease renewal (20 s) apart, at most
 * 1,000 per renewal, so a minute spans the gap between two with room to spare.
 */
export const CATCH_UP_IDLE_MS = 60_000;

/**
 * The members with stored questions, by the keyed hash a /forget-me tombstone names them with (a host catching up
 * on requests it missed: see budget/shared/events.ts). A hash can't be turned back into an ID, so every member is
 * hashed once; the catch-up's later batches reuse that, and cost only a lookup per tombstone. The list is complete for
 * every request made before it was built (a question stored later is not covered by such a request anyway), is
 * built anew for a later one, and dropped once the catch-up has been idle for CATCH_UP_IDLE_MS.
 */
export class HashedAuthors {
  private byHash: Map<string, string> | undefined;
  private builtAt = 0;
  private builtWith: MemberHasher | undefined;
  private usedAt = 0;
  private dropTimer: NodeJS.Timeout | undefined;

  constructor(private readonly authors: () => string[], private readonly now: () => number) {}

  /** The member ID behind each hash that belongs to a member with stored questions, for requests made up to `through`. */
  lookup(hash: MemberHasher, through: number): (hashed: string) => string | undefined {
    const now = this.now();
    if (!this.byHash || this.builtWith !== hash || through > this.builtAt || now - this.usedAt > CATCH_UP_IDLE_MS) {
      this.byHash = new Map(this.authors().map((id) => [hash(id), id]));
      this.builtAt = now;
      this.builtWith = hash;
    }
    this.usedAt = now;
    this.scheduleDrop();
    const byHash = this.byHash;
    return (hashed) => byHash.get(hashed);
  }

  private scheduleDrop(): void {
    clearTimeout(this.dropTimer);
    this.dropTimer = setTimeout(() => { this.byHash = undefined; }, CATCH_UP_IDLE_MS);
    this.dropTimer.unref();
  }
}
