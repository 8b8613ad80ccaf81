/**
 * Which chat models can read images, and by which token rule (OpenAI's images-vision guide, "Calculating
 * costs", tables of base/tile tokens and patch multipliers). A model in neither table is asked of
 * gpt-tokenizer's model data (`modalities.input` includes `image`), and then priced by FALLBACK_VISION_RULE.
 */
import * as models from 'gpt-tokenizer/models';
import type { ModelSpec } from 'gpt-tokenizer/modelTypes';
import { imageTokens, type ImageDetail, type VisionRule } from '../vision/imageTokens.ts';
import { BUILTIN_CHAT } from './builtinPrices.ts';
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
 * server): the larger of gpt-4o's tiles and the highest patch multiplier, the most any listed rule counts
 * except gpt-4o-mini's (whose tokens are priced 16.7× lower). Its count is the estimate; the reservation also
 * covers unpublishedImageBound().
 */
export const FALLBACK_VISION_RULE: VisionRule = { tiles: { base: 85, tile: 170 }, patchMultiplier: 2.46 };

/** Each published rule with its model's published input price (micro-dollars per 1M tokens): an image's price there. */
const PRICED_RULES = Object.entries(BUILTIN_VISION).flatMap(([model, rule]) => {
  const input = rule ? BUILTIN_CHAT[model]?.input : undefined;
  return rule && input !== undefined ? [{ rule, input }] : [];
});

/**
 * The most prompt tokens one image may bill, at the model's own input price (micro-dollars per 1M tokens), on a
 * model whose rule is unpublished. Counting like any rule up to `rule` (FALLBACK_VISION_RULE), it bills that
 * count at its own price. Published rules that count more tokens than that are those of cheap models: gpt-4o-mini
 * counts 33× gpt-4o's tokens at 1/16.7 of its price (one image costs it about what it costs gpt-4o, at most 2×).
 * So the bound assumes an unpublished rule costs no more dollars per image than the dearest published rule that
 * counts more than `rule` does, and turns those dollars into tokens at the model's price. Reserving gpt-4o-mini's
 * count for every such model instead would reserve ~33× too much on all the others; a free model (price 0) is
 * reserved the count.
 */
export function unpublishedImageBound(rule: VisionRule, inputMicrosPerMillion: number, width: number, height: number, detail: ImageDetail): number {
  const counted = imageTokens(rule, width, height, detail);
  if (!(inputMicrosPerMillion > 0)) return counted;
  let bound = counted;
  for (const priced of PRICED_RULES) {
    const tokens = imageTokens(priced.rule, width, height, detail);
    // Rounded up: a float quotient a hair over a whole number costs one token of margin, never one too few.
    if (tokens > counted) bound = Math.max(bound, Math.ceil((tokens * priced.input) / inputMicrosPerMillion));
  }
  return bound;
}

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
