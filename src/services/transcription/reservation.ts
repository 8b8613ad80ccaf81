/**
 * What a transcription may cost at most, and what it did cost, from the price table. Token-billed models
 * (gpt-4o-transcribe) are reserved at the bounds below; every model is also reserved at its per-minute price,
 * and the larger of the two is held.
 */
import { ceilCost, TOKENS_PER_PRICE_UNIT } from '../pricing/units.ts';
import type { AudioTokenPrice } from '../pricing/index.ts';

/**
 * Audio tokens per second of audio, at most. OpenAI documents no exact rate for the transcription models; its
 * per-minute estimates ($0.006/min for gpt-4o-transcribe at $6 per 1M audio tokens) imply about 16.7 tokens a
 * second, and its Realtime guide counts user audio at 1 token per 100 ms (10/s). 25 leaves half as much again.
 */
export const AUDIO_TOKENS_PER_SECOND_BOUND = 25;
/** Text input tokens: the bot sends no prompt; OpenAI caps a transcription prompt at 1024 tokens, so this bounds any. */
export const TEXT_INPUT_TOKENS_BOUND = 1_024;
/** The models' documented limit: "2,000 max output tokens" (OpenAI model pages for gpt-4o(-mini)-transcribe). */
export const TRANSCRIPT_MAX_OUTPUT_TOKENS = 2_000;
/** Should a long file be transcribed past that limit, no one speaks more than 10 tokens a second (CJK included). */
export const SPOKEN_TOKENS_PER_SECOND_BOUND = 10;

/** The most a token-billed transcription of `seconds` of audio can cost, in micro-dollars. */
export function tokenWorstCase(price: AudioTokenPrice, seconds: number): number {
  const whole = Math.ceil(seconds);
  const outputTokens = Math.max(TRANSCRIPT_MAX_OUTPUT_TOKENS, whole * SPOKEN_TOKENS_PER_SECOND_BOUND);
  return ceilCost(
    [
      [whole * AUDIO_TOKENS_PER_SECOND_BOUND, price.audioInput],
      [TEXT_INPUT_TOKENS_BOUND, price.textInput],
      [outputTokens, price.output],
    ],
    TOKENS_PER_PRICE_UNIT,
  );
}
