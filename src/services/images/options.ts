import type { Pricing } from '../pricing/index.ts';
import { imageUnitBound } from './cost.ts';

/** Every size a current OpenAI image model accepts: gpt-image-1(-mini), dall-e-3, dall-e-2 (API reference, images/create); names in the `images` catalogue. */
export const IMAGE_SIZES = ['1024x1024', '1536x1024', '1024x1536', '1792x1024', '1024x1792', '512x512', '256x256'] as const;

/** Every quality a current OpenAI image model accepts; "auto" is left out because it could not be priced before the call. */
export const IMAGE_QUALITIES = ['low', 'medium', 'high', 'standard', 'hd'] as const;

/** The cap: up to four images, which also keeps a reply's uploads small enough for Discord. */
export const MAX_IMAGES = 4;
/** The one size every image model accepts. */
const DEFAULT_SIZE = '1024x1024';
/** Without a quality, the mid tier where there is one (gpt-image "medium"), else dall-e's "standard". */
const DEFAULT_QUALITIES = ['medium', 'standard'];
/** Longest prompt each model accepts (API reference); gpt-image-1's 32,000 is above Discord's 6,000-character option cap. */
const PROMPT_LIMITS: readonly [RegExp, number][] = [[/^dall-e-2/, 1000], [/^dall-e-3/, 4000]];

export interface ImageRequest {
  prompt: string;
  size?: string | null;
  quality?: string | null;
  count?: number | null;
}

export interface ImagePlan {
  model: string;
  prompt: string;
  size: string;
  quality: string;
  count: number;
  /** The table's price of one image. */
  unitMicros: number;
  /** The most one image can be billed (gpt-image: its output tokens may cost more than the rounded table price). */
  unitBoundMicros: number;
  /** unitBound × count: the images' share of what is reserved before any call (the prompt is added to it). */
  worstCaseMicros: number;
}

export type PlanProblem =
  | { kind: 'no-price'; model: string }
  /** OpenAI has shut the model down (retired.ts): refused before anything is reserved or sent. */
  | { kind: 'retired'; model: string; date: string }
  | { kind: 'bad-size'; model: string; size: string; sizes: string[] }
  | { kind: 'bad-quality'; model: string; size: string; quality: string; qualities: string[] }
  | { kind: 'prompt-too-long'; model: string; length: number; max: number }
  | { kind: 'empty-prompt' };

export type PlanResult = { ok: true; plan: ImagePlan } | { ok: false; problem: PlanProblem };

/** Checks size, quality and prompt against what the model accepts (the pricing table lists exactly what it can price). */
export function planImages(pricing: Pricing, model: string, request: ImageRequest): PlanResult {
  if (request.prompt.trim() === '') return { ok: false, problem: { kind: 'empty-prompt' } };
  const options = pricing.imageOptions(model);
  if (!options) return { ok: false, problem: { kind: 'no-price', model } };
  const max = PROMPT_LIMITS.find(([pattern]) => pattern.test(model))?.[1];
  if (max !== undefined && request.prompt.length > max) return { ok: false, problem: { kind: 'prompt-too-long', model, length: request.prompt.length, max } };

  const size = request.size ?? (options.sizes.includes(DEFAULT_SIZE) ? DEFAULT_SIZE : options.sizes[0] ?? DEFAULT_SIZE);
  if (!options.sizes.includes(size)) return { ok: false, problem: { kind: 'bad-size', model, size, sizes: options.sizes } };
  const qualities = options.qualities.filter((quality) => pricing.imagePrice(model, size, quality).known);
  const quality = request.quality ?? DEFAULT_QUALITIES.find((q) => qualities.includes(q)) ?? qualities[0] ?? '';
  const price = pricing.imagePrice(model, size, quality);
  if (!price.known) return { ok: false, problem: { kind: 'bad-quality', model, size, quality, qualities } };

  const count = Math.min(MAX_IMAGES, Math.max(1, Math.trunc(request.count ?? 1)));
  const unitBoundMicros = imageUnitBound(model, size, quality, price.micros);
  return { ok: true, plan: { model, prompt: request.prompt, size, quality, count, unitMicros: price.micros, unitBoundMicros, worstCaseMicros: unitBoundMicros * count } };
}
