import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Requests to the coordinator and its answers are signed (HMAC-SHA256) with a key derived from LEDGER_SECRET, so the
 * secret itself never travels: whoever answers at LEDGER_URL learns nothing that lets it sign, and an answer it makes
 * up (a reservation "granted", a ceiling) is not acted on. An answer is bound to its request's nonce, so an old one
 * cannot be replayed to a new request. The link is still unencrypted: this proves who wrote a message, not who reads it.
 */

/** HKDF's "info" for the link's key: distinct from the /forget-me tombstone key's (memberHash.ts). */
export const LINK_KEY_INFO = 'discord-bot shared-ledger link signing v2';
/** HMAC-SHA256's own size: a longer key adds nothing. */
const LINK_KEY_BYTES = 32;
/** 128 random bits: never repeated by chance, so a repeat is a replay. */
const NONCE_BYTES = 16;
/**
 * A request whose timestamp is further than this from the coordinator's clock is refused: NTP keeps machines within
 * milliseconds (the README asks for synchronised clocks), and a request takes at most its 10 s timeout; a minute each
 * way leaves room for a clock drifting between syncs while keeping the nonces to remember small.
 */
export const CLOCK_SKEW_MS = 60_000;

/** The version this protocol calls itself in every signed message, and in the header an answer carries. */
export const LINK_PROTOCOL = 'ledger-hmac-v2';
export const HEADER = {
  protocol: 'x-ledger-protocol',
  timestamp: 'x-ledger-timestamp',
  nonce: 'x-ledger-nonce',
  signature: 'x-ledger-signature',
} as const;

/** The request's parts that are signed: the method, path with its query, when, a nonce, and the body's digest. */
export interface RequestParts {
  method: string;
  path: string;
  timestamp: number;
  nonce: string;
  body: Buffer | string;
}

/** The answer's parts that are signed: the request it answers (its nonce, method, path), its status and body. */
export interface AnswerParts {
  nonce: string;
  method: string;
  path: string;
  status: number;
  body: Buffer | string;
}

const bodyDigest = (body: Buffer | string) => createHash('sha256').update(body).digest('hex');

/**
 * Signs and checks the link's messages. The key lives only inside this object (not enumerable, never serialised), so
 * logging one by mistake shows nothing of it.
 */
export class LinkSigner {
  readonly #key: Buffer;

  constructor(secret: string) {
    this.#key = Buffer.from(hkdfSync('sha256', secret, '', LINK_KEY_INFO, LINK_KEY_BYTES));
  }

  static nonce(): string {
    return randomBytes(NONCE_BYTES).toString('base64url');
  }

  signRequest(parts: RequestParts): string {
    return this.mac(['request', parts.method, parts.path, String(parts.timestamp), parts.nonce, bodyDigest(parts.body)]);
  }

  signAnswer(parts: AnswerParts): string {
    return this.mac(['answer', parts.nonce, parts.method, parts.path, String(parts.status), bodyDigest(parts.body)]);
  }

  requestValid(parts: RequestParts, signature: string): boolean {
    return same(this.signRequest(parts), signature);
  }

  answerValid(parts: AnswerParts, signature: string): boolean {
    return same(this.signAnswer(parts), signature);
  }

  toJSON(): string {
    return '[LinkSigner]';
  }

  private mac(fields: string[]): string {
    // Newlines cannot occur in any field (header values, a URL path, hex digests), so the joined text is unambiguous.
    return createHmac('sha256', this.#key).update([LINK_PROTOCOL, ...fields].join('\n')).digest('base64url');
  }
}

/** Constant-time: a signature cannot be found a byte at a time from response times. */
function same(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The coordinator's memory of the nonces it accepted, so a request is taken once. A nonce is kept until its request's
 * timestamp is out of the window anyway (2 × CLOCK_SKEW_MS after it arrived). Past MAX entries the oldest goes early,
 * and from then on any request no newer than it is refused: memory stays bounded without letting a replay in.
 */
export class NonceWindow {
  private readonly seen = new Map<string, { timestamp: number; forgetAt: number }>();
  private floor = Number.NEGATIVE_INFINITY;

  constructor(private readonly max: number, private readonly now: () => number = Date.now) {}

  /**
   * 'ok' (recorded), 'stale' (timestamp out of the window: the clocks disagree), 'overtaken' (in the window, but no newer
   * than a request forgotten early: a replay, or a request signed before ones already taken), or 'replayed'.
   */
  accept(nonce: string, timestamp: number): 'ok' | 'stale' | 'overtaken' | 'replayed' {
    const now = this.now();
    for (const [key, entry] of this.seen) {
      // Kept through forgetAt itself: until then its timestamp may still be exactly CLOCK_SKEW_MS away, and accepted.
      if (entry.forgetAt >= now) break;
      this.seen.delete(key);
    }
    if (Math.abs(now - timestamp) > CLOCK_SKEW_MS) return 'stale';
    if (timestamp <= this.floor) return 'overtaken';
    if (this.seen.has(nonce)) return 'replayed';
    if (this.seen.size >= this.max) {
      const [oldest, entry] = this.seen.entries().next().value!;
      this.seen.delete(oldest);
      this.floor = Math.max(this.floor, entry.timestamp);
      if (timestamp <= this.floor) return 'overtaken';
    }
    this.seen.set(nonce, { timestamp, forgetAt: now + 2 * CLOCK_SKEW_MS });
    return 'ok';
  }

  get size(): number {
    return this.seen.size;
  }
}
