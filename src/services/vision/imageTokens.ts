/**
 * What one image costs in prompt tokens, by OpenAI's published rules (platform.openai.com/docs/guides/
 * images-vision, "Calculating costs"). Two schemes:
 *  - tiles (gpt-4o, gpt-4.1, gpt-5, o1/o3…): `low` is the base; `high` scales the image to fit 2048×2048,
 *    then its shortest side down to 768 px, and adds one tile price per 512 px square to the base.
 *  - patches (gpt-4.1-mini/-nano, gpt-5-mini/-nano, o4-mini): one token per 32 px patch, at most 1,536
 *    (larger images are scaled down onto the patch grid), times a per-model multiplier; detail is ignored.
 * Every rounding goes up, so the count is never below what OpenAI bills.
 */

export type ImageDetail = 'low' | 'high' | 'auto';

export interface TileRule { base: number; tile: number }
/** A model's rule; both given means: the larger of the two (the rule for a model whose scheme is not known). */
export interface VisionRule { tiles?: TileRule; patchMultiplier?: number }

const TILE_FIT = 2048;
const TILE_SHORT_SIDE = 768;
const TILE_SIZE = 512;
const PATCH_SIZE = 32;
const PATCH_BUDGET = 1536;
/** Float steps of the scaling (e.g. 1055.9999 for 1056) must not add a patch or tile the exact rule has not. */
const EPSILON = 1e-9;
const ceilTo = (value: number) => Math.ceil(value - EPSILON);

export function tileTokens(rule: TileRule, width: number, height: number, detail: ImageDetail): number {
  if (detail === 'low') return rule.base;
  // Images are only scaled down (a 512×513 image on gpt-5 bills 2 tiles, not the 4 an upscale would need).
  let w = width;
  let h = height;
  const fit = Math.min(1, TILE_FIT / Math.max(w, h));
  w *= fit;
  h *= fit;
  const shorten = Math.min(1, TILE_SHORT_SIDE / Math.min(w, h));
  w *= shorten;
  h *= shorten;
  return rule.base + rule.tile * ceilTo(w / TILE_SIZE) * ceilTo(h / TILE_SIZE);
}

/** Patches covering the image after OpenAI's scale-down onto the 32 px grid (the "1800 × 2400 → 1452" example). */
export function imagePatches(width: number, height: number): number {
  const raw = ceilTo(width / PATCH_SIZE) * ceilTo(height / PATCH_SIZE);
  if (raw <= PATCH_BUDGET) return raw;
  const shrink = Math.sqrt((PATCH_SIZE * PATCH_SIZE * PATCH_BUDGET) / (width * height));
  const across = (width * shrink) / PATCH_SIZE;
  const down = (height * shrink) / PATCH_SIZE;
  // A strip whose short side holds no whole patch once shrunk (30×100,000): the guide's next step would scale it to
  // nothing, and OpenAI does not bill an image it read at nothing. Its steps don't say what it bills; the cap bounds it.
  if (Math.floor(across) === 0 || Math.floor(down) === 0) return PATCH_BUDGET;
  const fit = shrink * Math.min(Math.floor(across) / across, Math.floor(down) / down);
  return Math.min(PATCH_BUDGET, ceilTo((width * fit) / PATCH_SIZE) * ceilTo((height * fit) / PATCH_SIZE));
}

export function patchTokens(multiplier: number, width: number, height: number): number {
  return ceilTo(imagePatches(width, height) * multiplier);
}

/** Tokens one image may cost under a model's rule. */
export function imageTokens(rule: VisionRule, width: number, height: number, detail: ImageDetail): number {
  // `auto` lets the model pick high: the bound assumes it does.
  const worst = detail === 'auto' ? 'high' : detail;
  const tiles = rule.tiles ? tileTokens(rule.tiles, width, height, worst) : 0;
  const patches = rule.patchMultiplier !== undefined ? patchTokens(rule.patchMultiplier, width, height) : 0;
  return Math.max(tiles, patches);
}
