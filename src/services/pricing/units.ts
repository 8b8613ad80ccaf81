/** Conversions between human dollars and the integer micro-dollars the ledger stores. */

export const MICROS_PER_USD = 1_000_000;
/** Token prices are quoted per 1M tokens, so a token count times a price is divided by this. */
export const TOKENS_PER_PRICE_UNIT = 1_000_000;

/**
 * USD → integer micro-dollars. Math.round absorbs binary floating point noise
 * (0.15 * 1e6 is 149999.99999999997, which must become 150000, not 149999).
 */
export function usdToMicros(usd: number): number {
  if (!Number.isFinite(usd) || usd < 0) throw new RangeError(`price must be a finite, non-negative number of USD (got ${usd})`);
  const micros = Math.round(usd * MICROS_PER_USD);
  if (!Number.isSafeInteger(micros)) throw new RangeError(`price too large: ${usd} USD`);
  return micros;
}

/** Token and second counts come from the API or Discord; anything else is a programming error. */
export function assertCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer (got ${value})`);
}

/**
 * Σ quantity × rate / divisor, rounded UP to a whole micro-dollar so we never under-charge.
 * BigInt keeps it exact: a million tokens at a few hundred dollars per 1M overflows 2^53 as a float product.
 */
export function ceilCost(terms: ReadonlyArray<readonly [quantity: number, rate: number]>, divisor: number): number {
  let numerator = 0n;
  for (const [quantity, rate] of terms) numerator += BigInt(quantity) * BigInt(rate);
  const d = BigInt(divisor);
  const micros = Number((numerator + d - 1n) / d);
  if (!Number.isSafeInteger(micros)) throw new RangeError('cost exceeds the safe integer range');
  return micros;
}
