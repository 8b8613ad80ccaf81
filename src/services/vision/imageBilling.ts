import { unpublishedImageBound } from '../pricing/builtinVision.ts';
import { imageTokens, type ImageDetail, type VisionRule } from './imageTokens.ts';

/**
 * How a model's images are counted. A published rule counts what OpenAI bills: the reservation and the charge of
 * a server that sends no usage both use it. An unpublished one (a model known only from gpt-tokenizer, a
 * VISION_MODEL nothing describes) is counted by its fallback rule for that charge (the estimate), but reserved up
 * to unpublishedImageBound(), which needs the model's input price.
 */
export interface VisionBilling {
  rule: VisionRule;
  /** Set only when the rule is unpublished: the model's input price, micro-dollars per 1M tokens. */
  unpublishedInputPrice?: number;
}

/** One image: `tokens` the estimate (what a charge without usage counts), `reserveTokens` the most it may bill. */
export interface ImageCount {
  tokens: number;
  reserveTokens: number;
}

export function countImage(billing: VisionBilling, width: number, height: number, detail: ImageDetail): ImageCount {
  const tokens = imageTokens(billing.rule, width, height, detail);
  if (billing.unpublishedInputPrice === undefined) return { tokens, reserveTokens: tokens };
  return { tokens, reserveTokens: Math.max(tokens, unpublishedImageBound(billing.rule, billing.unpublishedInputPrice, width, height, detail)) };
}
