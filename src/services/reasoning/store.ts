import { randomBytes } from 'node:crypto';

/** How long "Show reasoning" works after an answer: long enough for the conversation around it. */
export const REASONING_KEEP_MS = 60 * 60_000;
/** The most answers whose thinking is kept at once: older ones are forgotten first. */
export const MAX_KEPT_REASONINGS = 500;
/** Thinking kept per answer: four ephemeral messages of 2,000 characters; a longer one is cut, and says so. */
export const MAX_REASONING_CHARS = 8_000;
/** All kept thinking together (about 4 MB as UTF-16): a small host's memory is not spent on it. */
export const MAX_KEPT_REASONING_CHARS = 2_000_000;

export interface KeptReasoning {
  text: string;
  /** Characters cut from the end to keep within MAX_REASONING_CHARS. */
  omitted: number;
}

/**
 * The thinking of recent answers, in memory only: it is never written to the database (members' data stays
 * what the README lists) and a restart forgets it, like the time limit does.
 */
export class ReasoningStore {
  private readonly entries = new Map<string, KeptReasoning & { expiresAt: number }>();
  private chars = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Keeps `text` and returns the key a button can name (12 URL-safe characters). */
  keep(text: string): string {
    const key = randomBytes(9).toString('base64url');
    const characters = [...text];
    const kept = characters.length > MAX_REASONING_CHARS ? characters.slice(0, MAX_REASONING_CHARS).join('') : text;
    const omitted = Math.max(0, characters.length - MAX_REASONING_CHARS);
    this.entries.set(key, { text: kept, omitted, expiresAt: this.now() + REASONING_KEEP_MS });
    this.chars += kept.length;
    this.trim();
    return key;
  }

  get(key: string): KeptReasoning | undefined {
    this.trim();
    const entry = this.entries.get(key);
    return entry && { text: entry.text, omitted: entry.omitted };
  }

  get size(): number {
    return this.entries.size;
  }

  /** Oldest first: Map keeps insertion order, and every entry lives equally long. */
  private trim(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt > now && this.entries.size <= MAX_KEPT_REASONINGS && this.chars <= MAX_KEPT_REASONING_CHARS) break;
      this.entries.delete(key);
      this.chars -= entry.text.length;
    }
  }
}
