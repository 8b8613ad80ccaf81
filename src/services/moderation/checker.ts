import OpenAI from 'openai';

/**
 * OpenAI's moderation guide recommends chunks under 2,000 characters for accuracy; a long transcript is
 * sent as several chunks in one request (the endpoint takes an array of texts).
 */
export const MODERATION_CHUNK_CHARS = 2000;
/** Chunks per request: a 25 MB transcript (~1 h, ~60,000 characters) fits in one or two requests. */
const CHUNKS_PER_REQUEST = 32;
/**
 * A member waits for the check before their (paid) request starts: long enough for a loaded endpoint,
 * short enough that a dead one costs seconds, not the SDK's default ten minutes.
 */
export const MODERATION_TIMEOUT_MS = 5000;
/** One quick repeat for a 429/5xx/dropped connection (the SDK's back-off, under a second); more would hold the member. */
export const MODERATION_MAX_RETRIES = 1;

export type CheckResult =
  | { kind: 'clear' }
  | { kind: 'flagged'; categories: string[] }
  /** The check could not run: `missing_route` is a compatible server without /moderations (404). */
  | { kind: 'unavailable'; reason: 'missing_route' | 'timeout' | 'error'; status?: number };

/** Splits on line or word boundaries where it can, so a chunk keeps whole words for the classifier. */
export function chunkText(text: string, size = MODERATION_CHUNK_CHARS): string[] {
  const chunks: string[] = [];
  let rest = text.trim();
  while (rest.length > size) {
    const window = rest.slice(0, size);
    const cut = Math.max(window.lastIndexOf('\n'), window.lastIndexOf(' '));
    const at = cut > size / 2 ? cut : size;
    chunks.push(rest.slice(0, at));
    rest = rest.slice(at).trimStart();
  }
  if (rest !== '') chunks.push(rest);
  return chunks;
}

/** One call (or a few for very long text) to POST /moderations; every failure becomes a value. */
export class ModerationChecker {
  constructor(
    private readonly openai: OpenAI,
    private readonly model: string,
    private readonly limits: { timeoutMs: number; maxRetries: number } = { timeoutMs: MODERATION_TIMEOUT_MS, maxRetries: MODERATION_MAX_RETRIES },
  ) {}

  async check(texts: readonly string[]): Promise<CheckResult> {
    const chunks = texts.flatMap((text) => chunkText(text));
    if (chunks.length === 0) return { kind: 'clear' };
    const categories = new Set<string>();
    try {
      for (let i = 0; i < chunks.length; i += CHUNKS_PER_REQUEST) {
        const response = await this.openai.moderations.create(
          { model: this.model, input: chunks.slice(i, i + CHUNKS_PER_REQUEST) },
          { timeout: this.limits.timeoutMs, maxRetries: this.limits.maxRetries },
        );
        // A server that answers 200 without results did not check anything.
        if (!Array.isArray(response.results) || response.results.length === 0) return { kind: 'unavailable', reason: 'error' };
        for (const result of response.results) {
          if (!result.flagged) continue;
          const named = Object.entries(result.categories ?? {}).filter(([, on]) => on === true).map(([name]) => name);
          for (const name of named.length > 0 ? named : ['unknown']) categories.add(name);
        }
      }
    } catch (error) {
      if (error instanceof OpenAI.APIConnectionTimeoutError) return { kind: 'unavailable', reason: 'timeout' };
      // A 404 naming the model is a wrong MODERATION_MODEL, not a server without the route; a 405 serves the path for another method only.
      if (error instanceof OpenAI.APIError && (error.status === 404 || error.status === 405) && error.code !== 'model_not_found') return { kind: 'unavailable', reason: 'missing_route', status: error.status };
      if (error instanceof OpenAI.APIError) return { kind: 'unavailable', reason: 'error', ...(error.status === undefined ? {} : { status: error.status }) };
      return { kind: 'unavailable', reason: 'error' };
    }
    return categories.size > 0 ? { kind: 'flagged', categories: [...categories].sort() } : { kind: 'clear' };
  }
}
