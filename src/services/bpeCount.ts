import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { createRequire } from 'node:module';
import { CL100K_TOKEN_SPLIT_REGEX, O200K_TOKEN_SPLIT_REGEX } from 'gpt-tokenizer/encodingParams/constants';

/**
 * Counts tokens exactly as gpt-tokenizer (and OpenAI's tiktoken) do, in a fraction of the memory: the
 * vocabulary is read from the official `.tiktoken` files gpt-tokenizer ships and kept in three typed arrays
 * (about 4 MB for o200k and 2 MB for cl100k) instead of a JavaScript string and map entry per token (about
 * 28 MB for both, plus tens of MB to parse the 2.4 MB module they live in). The text is split with
 * gpt-tokenizer's own patterns and byte pairs are merged in its order, lowest rank first, leftmost on ties.
 * Text that spells a special token (`<|endoftext|>`) is counted as the ordinary text it is, as OpenAI counts a
 * message's content; gpt-tokenizer's `countTokens` would throw on it.
 */

export type EncodingName = 'o200k_base' | 'cl100k_base';

const SPLIT: Record<EncodingName, RegExp> = { o200k_base: O200K_TOKEN_SPLIT_REGEX, cl100k_base: CL100K_TOKEN_SPLIT_REGEX };
const requireFile = createRequire(import.meta.url);
const fileOf = (name: EncodingName) => requireFile.resolve(`gpt-tokenizer/data/${name}.tiktoken`);
/** Base64 digit values by character code; -1 for characters outside the alphabet. */
const BASE64 = new Int8Array(128).fill(-1);
for (const [n, char] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].entries()) BASE64[char.charCodeAt(0)] = n;
const NEWLINE = 10;
const SPACE = 32;
const EQUALS = 61;
/**
 * Pieces counted lately, with their counts: a word seen again (most words of a conversation) is one map lookup
 * instead of its UTF-8, hashing and merging. Bounded, oldest out first: about 0.3 MB per encoding when full.
 */
const RECENT_PIECES = 5_000;
/** The longest piece's UTF-8 encoding is at most three bytes per UTF-16 unit; the buffer grows for longer pieces. */
const INITIAL_PIECE_BYTES = 4096;

/** FNV-1a over bytes[start, end): spreads the vocabulary evenly over the table. */
function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let hash = 0x811c9dc5;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193);
  return hash >>> 0;
}

/** Lines read (or tokens indexed) between two points where a load in slices may yield: well under a millisecond of work. */
const STEP_LINES = 1_000;

/** Runs a loading generator to its end in one go. */
function runToEnd<T>(steps: Generator<void, T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * One encoding's vocabulary: token bytes back to back, where each starts, its rank, and an open-addressing index.
 * `ranks` is undefined when every token's rank is its line number, as in OpenAI's files (1.2 MB less for both encodings).
 */
class Vocabulary {
  private readonly mask: number;

  private constructor(
    private readonly bytes: Uint8Array,
    private readonly starts: Uint32Array,
    private readonly ranks: Int32Array | undefined,
    /** Slot → token number + 1 (0: empty); twice as many slots as tokens keeps probes short. */
    private readonly slots: Int32Array,
  ) {
    this.mask = slots.length - 1;
  }

  /**
   * Reads a `.tiktoken` file (one `<base64 bytes> <rank>` line per token) and indexes it, pausing every
   * STEP_LINES lines: run to the end at once (`runToEnd`), or in slices between other work (BpeCounter.loadInSlices).
   */
  static *parse(read: Uint8Array): Generator<void, Vocabulary> {
    // A plain Uint8Array's indexOf is V8's own; a Buffer's is a call into Node's C++ (three per line, ~0.1 µs each).
    const file = new Uint8Array(read.buffer, read.byteOffset, read.byteLength);
    let lines = 0;
    for (let at = file.indexOf(NEWLINE); at !== -1; at = file.indexOf(NEWLINE, at + 1)) {
      if (++lines % STEP_LINES === 0) yield;
    }
    const bytes = new Uint8Array(Math.ceil((file.length * 3) / 4));
    const starts = new Uint32Array(lines + 2);
    const ranks = new Int32Array(lines + 1);
    let tokens = 0;
    let length = 0;
    let at = 0;
    while (at < file.length) {
      const newline = file.indexOf(NEWLINE, at);
      const lineEnd = newline === -1 ? file.length : newline;
      const space = file.indexOf(SPACE, at);
      if (space === -1 || space > lineEnd) {
        at = lineEnd + 1;
        continue;
      }
      starts[tokens] = length;
      let bits = 0;
      let buffered = 0;
      for (let i = at; i < space && file[i] !== EQUALS; i++) {
        const digit = BASE64[file[i]!] ?? -1;
        if (digit < 0) throw new Error('malformed .tiktoken file');
        bits = (bits << 6) | digit;
        buffered += 6;
        if (buffered >= 8) {
          buffered -= 8;
          bytes[length++] = (bits >> buffered) & 0xff;
        }
      }
      let rank = 0;
      for (let i = space + 1; i < lineEnd; i++) rank = rank * 10 + (file[i]! - 48);
      ranks[tokens++] = rank;
      at = lineEnd + 1;
      if (tokens % STEP_LINES === 0) yield;
    }
    starts[tokens] = length;
    const inOrder = ranks.subarray(0, tokens).every((rank, token) => rank === token);
    const kept = starts.slice(0, tokens + 1);
    const slots = yield* Vocabulary.index(bytes, kept);
    return new Vocabulary(bytes.slice(0, length), kept, inOrder ? undefined : ranks.slice(0, tokens), slots);
  }

  /** The open-addressing index of the tokens in `bytes` (`starts`: where each begins, plus the end). */
  private static *index(bytes: Uint8Array, starts: Uint32Array): Generator<void, Int32Array> {
    const tokens = starts.length - 1;
    let size = 1;
    while (size < tokens * 2) size *= 2;
    const mask = size - 1;
    const slots = new Int32Array(size);
    for (let token = 0; token < tokens; token++) {
      let slot = hashBytes(bytes, starts[token]!, starts[token + 1]!) & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = token + 1;
      if (token % STEP_LINES === STEP_LINES - 1) yield;
    }
    return slots;
  }

  /** The rank of bytes[start, end) as one token, or Infinity when it is not one. */
  rank(bytes: Uint8Array, start: number, end: number): number {
    const length = end - start;
    let slot = hashBytes(bytes, start, end) & this.mask;
    for (;;) {
      const entry = this.slots[slot]!;
      if (entry === 0) return Number.POSITIVE_INFINITY;
      const token = entry - 1;
      const from = this.starts[token]!;
      if (this.starts[token + 1]! - from === length) {
        let same = true;
        for (let i = 0; i < length; i++) {
          if (this.bytes[from + i] !== bytes[start + i]) {
            same = false;
            break;
          }
        }
        if (same) return this.ranks === undefined ? token : this.ranks[token]!;
      }
      slot = (slot + 1) & this.mask;
    }
  }

  /** Bytes the tables hold (for the record; V8's heap does not count them). */
  get size(): number {
    return this.bytes.byteLength + this.starts.byteLength + (this.ranks?.byteLength ?? 0) + this.slots.byteLength;
  }
}

/**
 * UTF-8 of a short string into `out` (faster than TextEncoder for the few characters of a piece), a lone
 * surrogate written as U+FFFD as TextEncoder, and so gpt-tokenizer, writes it.
 */
function utf8(text: string, out: Uint8Array): { length: number; wellFormed: boolean } {
  let length = 0;
  let wellFormed = true;
  for (let i = 0; i < text.length; i++) {
    let code = text.charCodeAt(i);
    if (code < 0x80) {
      out[length++] = code;
      continue;
    }
    if (code < 0x800) {
      out[length++] = 0xc0 | (code >> 6);
      out[length++] = 0x80 | (code & 63);
      continue;
    }
    if (code >= 0xd800 && code <= 0xdfff) {
      const next = text.charCodeAt(i + 1);
      if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
        i++;
        out[length++] = 0xf0 | (code >> 18);
        out[length++] = 0x80 | ((code >> 12) & 63);
        out[length++] = 0x80 | ((code >> 6) & 63);
        out[length++] = 0x80 | (code & 63);
        continue;
      }
      wellFormed = false;
      code = 0xfffd;
    }
    out[length++] = 0xe0 | (code >> 12);
    out[length++] = 0x80 | ((code >> 6) & 63);
    out[length++] = 0x80 | (code & 63);
  }
  return { length, wellFormed };
}

/** A count-only byte-pair encoder for one encoding. */
export class BpeCounter {
  private piece = new Uint8Array(INITIAL_PIECE_BYTES);
  private readonly recent = new Map<string, number>();

  private constructor(private readonly vocabulary: Vocabulary, private readonly split: RegExp) {}

  /** Reads the encoding's vocabulary from gpt-tokenizer's copy of OpenAI's file (synchronously: 45–110 ms). */
  static load(name: EncodingName): BpeCounter {
    return new BpeCounter(runToEnd(Vocabulary.parse(readFileSync(fileOf(name)))), SPLIT[name]);
  }

  /**
   * The same, without holding the event loop for more than about `sliceMs` at a time: the file is read off the
   * main thread and the parse yields a turn of the event loop whenever a slice is used up, so an interaction
   * arriving meanwhile is acknowledged at once.
   */
  static async loadInSlices(name: EncodingName, sliceMs: number): Promise<BpeCounter> {
    const steps = Vocabulary.parse(await readFile(fileOf(name)));
    let sliceStart = performance.now();
    for (;;) {
      const step = steps.next();
      if (step.done) return new BpeCounter(step.value, SPLIT[name]);
      if (performance.now() - sliceStart < sliceMs) continue;
      await nextTurn();
      sliceStart = performance.now();
    }
  }

  get tableBytes(): number {
    return this.vocabulary.size;
  }

  count(text: string): number {
    let total = 0;
    for (const [piece] of text.matchAll(this.split)) total += this.countPiece(piece);
    return total;
  }

  private countPiece(piece: string): number {
    const known = this.recent.get(piece);
    if (known !== undefined) return known;
    const counted = this.countNew(piece);
    if (this.recent.size >= RECENT_PIECES) this.recent.delete(this.recent.keys().next().value!);
    this.recent.set(piece, counted);
    return counted;
  }

  private countNew(piece: string): number {
    if (this.piece.length < piece.length * 3) this.piece = new Uint8Array(piece.length * 3);
    const { length, wellFormed } = utf8(piece, this.piece);
    // gpt-tokenizer looks a whole piece up by string, which a lone surrogate never matches.
    if (wellFormed && this.vocabulary.rank(this.piece, 0, length) !== Number.POSITIVE_INFINITY) return 1;
    return this.mergeCount(length);
  }

  /** Merges the piece's lowest-ranked adjacent pair (the leftmost of equals) until no pair is a token; returns the parts. */
  private mergeCount(length: number): number {
    const bytes = this.piece;
    const starts: number[] = [];
    const ranks: number[] = [];
    for (let i = 0; i <= length; i++) {
      starts.push(i);
      ranks.push(i < length - 1 ? this.vocabulary.rank(bytes, i, i + 2) : Number.POSITIVE_INFINITY);
    }
    const pairRank = (index: number): number => {
      const end = starts[index + 2];
      return end === undefined ? Number.POSITIVE_INFINITY : this.vocabulary.rank(bytes, starts[index]!, end);
    };
    while (starts.length > 1) {
      let lowest = Number.POSITIVE_INFINITY;
      let at = -1;
      for (let i = 0; i < ranks.length - 1; i++) {
        if (ranks[i]! < lowest) {
          lowest = ranks[i]!;
          at = i;
        }
      }
      if (at === -1) break;
      starts.splice(at + 1, 1);
      ranks.splice(at, 1);
      ranks[at] = pairRank(at);
      if (at > 0) ranks[at - 1] = pairRank(at - 1);
    }
    return starts.length - 1;
  }
}
