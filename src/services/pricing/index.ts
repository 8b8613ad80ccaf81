/** Public API of the pricing table: everything in integer micro-dollars (1 USD = 1,000,000). */
export { createPricing } from './pricingTable.ts';
export type { Pricing, PricingOptions } from './pricingTable.ts';
export { loadPricingFile, parsePricingFile, PricingFileError } from './pricingFile.ts';
export { formatUsd, parseUsd, MAX_PARSED_USD } from './usd.ts';
export type { UsdParseError, UsdParseResult } from './usd.ts';
export { MICROS_PER_USD, usdToMicros } from './units.ts';
export { stripSnapshot, fineTuneBase } from './modelNames.ts';
export type {
  AudioTokenPrice,
  AudioTokenUsage,
  ChatEntry,
  ChatPrice,
  ChatPriceSource,
  ChatRates,
  ChatResolution,
  ChatUsage,
  ImageOptions,
  ImageTable,
  LongContextRule,
  LongContextTier,
  PriceLookup,
  PricingOverrides,
} from './types.ts';
