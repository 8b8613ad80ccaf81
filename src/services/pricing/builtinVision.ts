/**
 * Which chat models can read images, and by which token rule (OpenAI's images-vision guide, "Calculating
 * costs", tables of base/tile tokens and patch multipliers). A model in neither table is asked of
 * gpt-tokenizer's model data (`modalities.input` includes `image`), and then priced by FALLBACK_VISION_RULE.
 */
import * as models from 'gpt-tokenizer/models';
import type { ModelSpec } from 'gpt-tokenizer/modelTypes';
import type { VisionRule } from '../vision/imageTokens.ts';
import { fineTuneBase, nameCandidates } from './modelNames.ts';

const TILES_4O = { tiles: { base: 85, tile: 170 } };
const TILES_O_SERIES = { tiles: { base: 75, tile: 150 } };

/** `false`: the model reads text only (the API refuses image parts for it). */
export const BUILTIN_VISION: Readonly<Record<string, VisionRule | false>> = {
  'gpt-4o': TILES_4O,
  'chatgpt-4o-latest': TILES_4O,
  'gpt-4.1': TILES_4O,
  'gpt-4.5-preview': TILES_4O,
  'gpt-4-turbo': TILES_4O,
  // gpt-4o-mini bills many more tokens at a 16.7× lower price: the same dollars per image as gpt-4o.
  'gpt-4o-mini': { tiles: { base: 2833, tile: 5667 } },
  'gpt-5': { tiles: { base: 70, tile: 140 } },
  'gpt-5-chat-latest': { tiles: { base: 70, tile: 140 } },
  o1: TILES_O_SERIES,
  'o1-pro': TILES_O_SERIES,
  o3: TILES_O_SERIES,
  'o3-pro': TILES_O_SERIES,
  'gpt-4.1-mini': { patchMultiplier: 1.62 },
  'gpt-4.1-nano': { patchMultiplier: 2.46 },
  'gpt-5-mini': { patchMultiplier: 1.62 },
  'gpt-5-nano': { patchMultiplier: 2.46 },
  'o4-mini': { patchMultiplier: 1.72 },
  'gpt-3.5-turbo': false,
  'gpt-3.5-turbo-16k': false,
  'gpt-4': false,
  'gpt-4-32k': false,
  'o1-mini': false,
  'o1-preview': false,
  'o3-mini': false,
};

/**
 * A model that sees but whose rule is unpublished (a newer OpenAI model, VISION_MODEL on a compatible
 * server): the larger of gpt-4o's tiles and the highest patch multiplier, the most any listed rule charges
 * except gpt-4o-mini's (whose tokens are priced 16.7× lower).
 */
export const FALLBACK_VISION_RULE: VisionRule = { tiles: { base: 85, tile: 170 }, patchMultiplier: 2.46 };

const specs = models as unknown as Record<string, ModelSpec | undefined>;

export type VisionCapability =
  | { sees: true; rule: VisionRule; source: 'builtin' | 'gpt-tokenizer' }
  | { sees: false; source: 'builtin' | 'gpt-tokenizer' | 'unknown' };

/** Whether a model reads images: our table, then gpt-tokenizer's modalities; a fine-tune reads what its base reads. */
export function visionOf(model: string): VisionCapability {
  const name = fineTuneBase(model) ?? model;
  for (const key of nameCandidates(name)) {
    const own = Object.hasOwn(BUILTIN_VISION, key) ? BUILTIN_VISION[key] : undefined;
    if (own !== undefined) return own ? { sees: true, rule: own, source: 'builtin' } : { sees: false, source: 'builtin' };
  }
  for (const key of nameCandidates(name)) {
    const spec = Object.hasOwn(specs, key) ? specs[key] : undefined;
    if (!spec) continue;
    return spec.modalities.input.includes('image') ? { sees: true, rule: FALLBACK_VISION_RULE, source: 'gpt-tokenizer' } : { sees: false, source: 'gpt-tokenizer' };
  }
  return { sees: false, source: 'unknown' };
}
