/**
 * A bit reader over one MP4 sample and table-driven Huffman decoding for the AAC block reader (aacBlock.ts).
 * Bits past the sample's end read as zeros: FFmpeg hands its decoder each packet followed by zero padding.
 */

export class Bits {
  /** position, in bits from the start of the buffer */
  pos: number;

  constructor(readonly b: Uint8Array, start: number, readonly endByte: number) {
    this.pos = start * 8;
  }

  /** Bits left before the sample's end (negative once read past it). */
  left(): number {
    return this.endByte * 8 - this.pos;
  }

  /** The next `n` bits (0 to 25) without consuming them. */
  peek(n: number): number {
    if (n === 0) return 0;
    const i = this.pos >>> 3;
    const b = this.b;
    const e = this.endByte;
    const w = i + 4 <= e
      ? ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!)
      : (((i < e ? b[i]! : 0) << 24) | ((i + 1 < e ? b[i + 1]! : 0) << 16) | ((i + 2 < e ? b[i + 2]! : 0) << 8) | (i + 3 < e ? b[i + 3]! : 0));
    return ((w << (this.pos & 7)) >>> (32 - n)) >>> 0;
  }

  read(n: number): number {
    const v = this.peek(n);
    this.pos += n;
    return v;
  }

  skip(n: number): void {
    this.pos += n;
  }

  /** Skips to the next byte boundary (blocks start on one, so this is FFmpeg's relative alignment too). */
  align(): void {
    this.pos = (this.pos + 7) & ~7;
  }
}

/** Bits the first table level looks up at once; longer codes go on to a second level. */
const ROOT_BITS = 8;

/**
 * A two-level lookup table built from a prefix code (codes and lengths per symbol). A leaf entry is
 * `value << 5 | length`, where `value` is the symbol, or what `values` maps it to; a link is
 * `-(offset << 5 | bits) - 1` into the second level; 0 marks no code.
 */
export interface HuffmanTable {
  entries: Int32Array;
}

export function huffmanTable(codes: readonly number[], lengths: readonly number[], values?: (symbol: number) => number): HuffmanTable {
  const subBits = new Map<number, number>();
  codes.forEach((code, symbol) => {
    const length = lengths[symbol]!;
    if (length > ROOT_BITS) {
      const prefix = code >>> (length - ROOT_BITS);
      subBits.set(prefix, Math.max(subBits.get(prefix) ?? 0, length - ROOT_BITS));
    }
  });
  let size = 1 << ROOT_BITS;
  const offsets = new Map<number, number>();
  for (const [prefix, bits] of subBits) {
    offsets.set(prefix, size);
    size += 1 << bits;
  }
  const entries = new Int32Array(size);
  for (const [prefix, bits] of subBits) entries[prefix] = -((offsets.get(prefix)! << 5) | bits) - 1;
  codes.forEach((code, symbol) => {
    const length = lengths[symbol]!;
    const value = values ? values(symbol) : symbol;
    if (length <= ROOT_BITS) {
      const spread = ROOT_BITS - length;
      for (let k = 0; k < 1 << spread; k++) entries[(code << spread) + k] = (value << 5) | length;
    } else {
      const prefix = code >>> (length - ROOT_BITS);
      const bits = subBits.get(prefix)!;
      const rest = code & ((1 << (length - ROOT_BITS)) - 1);
      const spread = bits - (length - ROOT_BITS);
      for (let k = 0; k < 1 << spread; k++) entries[offsets.get(prefix)! + (rest << spread) + k] = (value << 5) | (length - ROOT_BITS);
    }
  });
  return { entries };
}

/** The next symbol (or its mapped value) of `table`, or -1 where the bits are no code of it. */
export function decodeSymbol(r: Bits, table: HuffmanTable): number {
  const e = table.entries[r.peek(ROOT_BITS)]!;
  if (e > 0) {
    r.pos += e & 31;
    return e >> 5;
  }
  if (e === 0) return -1;
  const link = -e - 1;
  const bits = link & 31;
  const sub = table.entries[(link >> 5) + (r.peek(ROOT_BITS + bits) & ((1 << bits) - 1))]!;
  if (sub <= 0) return -1;
  r.pos += ROOT_BITS + (sub & 31);
  return sub >> 5;
}
