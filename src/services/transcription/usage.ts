/**
 * What a transcription response says was billed. whisper-1: `{ type: "duration", seconds }`; gpt-4o-transcribe
 * and gpt-4o-mini-transcribe: `{ type: "tokens", input_tokens, input_token_details: { audio_tokens, text_tokens },
 * output_tokens }` (openai-node `Transcription.usage`, openai-openapi `TranscriptTextUsageTokens`/`...Duration`).
 */
import type { AudioTokenUsage } from '../pricing/index.ts';

export type TranscriptionUsage = ({ type: 'tokens' } & AudioTokenUsage) | { type: 'duration'; seconds: number };

const count = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

/**
 * The usage object as the API sent it, checked; undefined when it is missing or malformed (then nothing is trusted).
 * Audio that was transcribed is never 0 seconds nor 0 input tokens (OpenAI refuses audio under 0.1 s): such figures
 * are a proxy's zeros, not a bill, and count as no usage.
 */
export function parseTranscriptionUsage(usage: unknown): TranscriptionUsage | undefined {
  if (typeof usage !== 'object' || usage === null) return undefined;
  const u = usage as Record<string, unknown>;
  if (u.type === 'duration') {
    return typeof u.seconds === 'number' && Number.isFinite(u.seconds) && u.seconds > 0 ? { type: 'duration', seconds: u.seconds } : undefined;
  }
  if (u.type !== 'tokens' || !count(u.input_tokens) || u.input_tokens === 0 || !count(u.output_tokens)) return undefined;
  const details = (typeof u.input_token_details === 'object' && u.input_token_details !== null ? u.input_token_details : {}) as Record<string, unknown>;
  const textTokens = count(details.text_tokens) ? details.text_tokens : 0;
  // Input tokens the details don't attribute are charged at the audio price, the dearer of the two.
  const audioTokens = Math.max(count(details.audio_tokens) ? details.audio_tokens : 0, u.input_tokens - textTokens);
  return { type: 'tokens', audioTokens, textTokens, outputTokens: u.output_tokens };
}
