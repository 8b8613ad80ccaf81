import { describe, expect, test } from 'vitest';
import { imagePatches, imageTokens, patchTokens, tileTokens } from '../../../src/services/vision/imageTokens.ts';
import { BUILTIN_VISION, FALLBACK_VISION_RULE, unpublishedImageBound, visionOf } from '../../../src/services/pricing/builtinVision.ts';
import { BUILTIN_CHAT } from '../../../src/services/pricing/builtinPrices.ts';

const GPT_4O = { base: 85, tile: 170 };

describe('tile rule (OpenAI images-vision guide, "Calculating costs")', () => {
  test.each([
    // The guide's own examples for gpt-4o.
    [1024, 1024, 'high', 765],
    [2048, 4096, 'high', 1105],
    [4096, 8192, 'low', 85],
    // Small images are not scaled up: one tile.
    [500, 400, 'high', 255],
    // 768 × 2048 after fitting: 2 × 4 tiles, the most any image costs.
    [3000, 8000, 'high', 85 + 170 * 8],
  ] as const)('gpt-4o %i×%i at %s → %i tokens', (w, h, detail, tokens) => {
    expect(tileTokens(GPT_4O, w, h, detail)).toBe(tokens);
  });

  test('gpt-5 512×513 at high is 2 tiles: 350 (a member measured 367 prompt tokens with the text)', () => {
    expect(tileTokens({ base: 70, tile: 140 }, 512, 513, 'high')).toBe(350);
  });
});

describe('patch rule', () => {
  test.each([
    // The guide's examples: 1024×1024 is 1024 patches; 1800×2400 scales to 1056×1408 = 33 × 44 = 1452.
    [1024, 1024, 1024],
    [1800, 2400, 1452],
    [32, 32, 1],
    [33, 33, 4],
    [10_000, 10_000, 1521],
    // Strips whose short side holds no whole patch once shrunk: the guide's steps would give 0; bounded by the cap.
    [30, 100_000, 1536],
    [100_000, 20, 1536],
    [1, 60_000, 1536],
  ])('%i×%i → %i patches', (w, h, patches) => {
    expect(imagePatches(w, h)).toBe(patches);
  });

  test('never more than 1536 patches, for any shape', () => {
    for (const [w, h] of [[1, 100_000], [100_000, 1], [4000, 3000], [1537 * 32, 32], [2049, 2047]]) {
      expect(imagePatches(w!, h!)).toBeLessThanOrEqual(1536);
    }
  });

  test('multipliers round up: gpt-4.1-mini 1024×1024 is 1024 × 1.62 = 1658.88 → 1659', () => {
    expect(patchTokens(1.62, 1024, 1024)).toBe(1659);
  });
});

describe('imageTokens: the bound used for the reservation', () => {
  test('auto is priced as high', () => {
    expect(imageTokens({ tiles: GPT_4O }, 1024, 1024, 'auto')).toBe(765);
  });

  test('the fallback rule is at least every published rule but gpt-4o-mini, for several sizes', () => {
    const published = [
      { tiles: GPT_4O }, { tiles: { base: 75, tile: 150 } }, { tiles: { base: 70, tile: 140 } },
      { patchMultiplier: 1.62 }, { patchMultiplier: 1.72 }, { patchMultiplier: 2.46 },
    ];
    for (const [w, h] of [[64, 64], [512, 512], [1024, 1024], [1920, 1080], [4032, 3024], [1000, 8000]]) {
      const bound = imageTokens(FALLBACK_VISION_RULE, w!, h!, 'auto');
      for (const rule of published) expect(bound).toBeGreaterThanOrEqual(imageTokens(rule, w!, h!, 'high'));
    }
  });
});

describe('unpublishedImageBound: the reservation of a model whose image rule is unpublished', () => {
  const SIZES = [[64, 64], [512, 512], [1024, 1024], [1920, 1080], [768, 2048], [4032, 3024], [1000, 8000], [10_000, 10_000]] as const;
  /** Input prices, micro-dollars per 1M tokens: gpt-5-nano's, gpt-4o-mini's, o4-mini's, gpt-4o's, gpt-4.5's. */
  const PRICES = [50_000, 150_000, 1_100_000, 2_500_000, 75_000_000];
  const published = Object.entries(BUILTIN_VISION).flatMap(([model, rule]) => (rule ? [{ model, rule }] : []));

  test('covers every published rule: its count at the model\'s own price, or its own dollars per image', () => {
    for (const [w, h] of SIZES) {
      for (const price of PRICES) {
        const bound = unpublishedImageBound(FALLBACK_VISION_RULE, price, w, h, 'high');
        for (const { model, rule } of published) {
          const tokens = imageTokens(rule, w, h, 'high');
          const covered = bound >= tokens || bound * price >= tokens * BUILTIN_CHAT[model]!.input;
          expect(covered, `${model} ${w}×${h} at ${price}`).toBe(true);
        }
      }
    }
  });

  test('at gpt-4o-mini\'s price it reserves gpt-4o-mini\'s count (a 768×2048 image: 48,169, not the 3,779 counted)', () => {
    expect(unpublishedImageBound(FALLBACK_VISION_RULE, 150_000, 768, 2048, 'high')).toBe(2833 + 8 * 5667);
    expect(imageTokens(FALLBACK_VISION_RULE, 768, 2048, 'high')).toBe(3779);
  });

  test('not absurd: at gpt-4o\'s price or dearer, at most twice the count; never below it; a free model its count', () => {
    for (const [w, h] of SIZES) {
      const counted = imageTokens(FALLBACK_VISION_RULE, w, h, 'high');
      for (const price of PRICES) expect(unpublishedImageBound(FALLBACK_VISION_RULE, price, w, h, 'high')).toBeGreaterThanOrEqual(counted);
      for (const price of [2_500_000, 75_000_000]) expect(unpublishedImageBound(FALLBACK_VISION_RULE, price, w, h, 'high')).toBeLessThanOrEqual(2 * counted);
      expect(unpublishedImageBound(FALLBACK_VISION_RULE, 0, w, h, 'high')).toBe(counted);
    }
  });

  test('every published rule that counts more than the fallback on some image has a built-in price (else the bound would miss it)', () => {
    for (const { model, rule } of published) {
      const over = SIZES.some(([w, h]) => imageTokens(rule, w, h, 'high') > imageTokens(FALLBACK_VISION_RULE, w, h, 'high'));
      if (over) expect(BUILTIN_CHAT[model], model).toBeDefined();
    }
  });
});

describe('visionOf', () => {
  test.each([
    ['gpt-4o', true, 'builtin'],
    ['gpt-4o-2024-08-06', true, 'builtin'],
    ['ft:gpt-4o-mini-2024-07-18:org::abc', true, 'builtin'],
    ['gpt-4.1-mini', true, 'builtin'],
    ['gpt-3.5-turbo', false, 'builtin'],
    ['o3-mini', false, 'builtin'],
    ['gpt-5.1', true, 'gpt-tokenizer'],
    ['llama3.1:8b', false, 'unknown'],
  ])('%s sees: %s (%s)', (model, sees, source) => {
    expect(visionOf(model)).toMatchObject({ sees, source });
  });
});
