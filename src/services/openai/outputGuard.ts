/**
 * Ends a streamed answer once its output passes the allowance, for servers that ignore the output limit (a
 * compatible server that does not read max_tokens, a REASONING_MODELS entry sending max_completion_tokens to a
 * server that only knows max_tokens): without it such a stream could go on, and be spent, past what was reserved.
 *
 * Cheap on the way: a byte-level BPE token stands for at least one UTF-8 byte, so output with no more bytes than
 * the allowance has tokens can't be over it, and nothing is counted until then. Past that, the text new since the
 * last count is counted once it has enough bytes to make a difference (the allowance left), so each piece of
 * the answer is tokenized about once; the whole text is counted only to confirm an answer is over.
 */
export class OutputGuard {
  private readonly pieces: string[] = [];
  private bytes = 0;
  /** Byte total past which the output may be over: before it, nothing needs counting. */
  private nextCount: number;
  /** Tokens of `pieces[0, countedPieces)`. */
  private counted = 0;
  private countedPieces = 0;

  constructor(private readonly allowance: number, private readonly count: (text: string) => number) {
    this.nextCount = allowance;
  }

  /** Adds a piece of streamed output (answer, reasoning or refusal); true once the output is over the allowance. */
  add(piece: string): boolean {
    if (piece === '') return false;
    this.pieces.push(piece);
    this.bytes += Buffer.byteLength(piece);
    if (this.bytes <= this.nextCount) return false;
    this.counted += this.count(this.pieces.slice(this.countedPieces).join(''));
    this.countedPieces = this.pieces.length;
    // Counting in parts may add a token at each seam: the whole text decides.
    if (this.counted > this.allowance) this.counted = this.count(this.pieces.join(''));
    if (this.counted > this.allowance) return true;
    // Each token to come is at least one more byte: the output can't be over before the allowance left has arrived.
    this.nextCount = this.bytes + (this.allowance - this.counted);
    return false;
  }
}
