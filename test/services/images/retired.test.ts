import { describe, expect, test } from 'vitest';
import { planProblemText } from '../../../src/services/images/messages.ts';
import { ImagineService, type ImagineDependencies } from '../../../src/services/images/imagine.ts';
import { shutDownOn } from '../../../src/services/images/retired.ts';
import { createPricing } from '../../../src/services/pricing/index.ts';
import { TokenCounter } from '../../../src/services/tokens.ts';

const at = (iso: string) => Date.parse(iso);

describe('shutDownOn: OpenAI image models past their shutdown date', () => {
  test.each([
    { model: 'gpt-image-1', now: '2026-10-22T23:59:59Z', date: undefined },
    { model: 'gpt-image-1', now: '2026-10-23T00:00:00Z', date: '2026-10-23' },
    { model: 'dall-e-3', now: '2026-12-06T12:00:00Z', date: '2026-05-12' },
    { model: 'dall-e-2', now: '2026-12-06T12:00:00Z', date: '2026-05-12' },
    { model: 'gpt-image-1-mini', now: '2026-11-30T12:00:00Z', date: undefined },
    { model: 'gpt-image-1-mini', now: '2026-12-06T12:00:00Z', date: '2026-12-01' },
    { model: 'gpt-image-1.5-2025-12-16', now: '2026-12-06T12:00:00Z', date: '2026-12-01' },
    { model: 'gpt-image-2', now: '2026-12-06T12:00:00Z', date: undefined },
    { model: 'gpt-image-2.6-sunburst', now: '2026-12-06T12:00:00Z', date: undefined },
  ])('$model at $now: $date', ({ model, now, date }) => {
    expect(shutDownOn(model, at(now))).toBe(date);
  });
});

describe('ImagineService.plan with a shut-down IMAGE_MODEL', () => {
  const service = (model: string, openaiItself: boolean, now: string) => new ImagineService({
    // plan() reaches neither the generator nor the ledger: nothing is reserved or sent for a refused model.
    generator: undefined as unknown as ImagineDependencies['generator'],
    ledger: undefined as unknown as ImagineDependencies['ledger'],
    pricing: createPricing(), tokens: new TokenCounter(128_000, () => undefined), model, openaiItself, now: () => at(now),
  });

  test('on OpenAI itself, the default gpt-image-1 is refused after 2026-10-23, before any reservation or call', () => {
    expect(service('gpt-image-1', true, '2026-12-06T12:00:00Z').plan({ prompt: 'a fox' }))
      .toEqual({ ok: false, problem: { kind: 'retired', model: 'gpt-image-1', date: '2026-10-23' } });
  });

  test('before its shutdown, and on a compatible server (which may still serve the name), it is planned as before', () => {
    expect(service('gpt-image-1', true, '2026-10-01T00:00:00Z').plan({ prompt: 'a fox' })).toMatchObject({ ok: true, plan: { model: 'gpt-image-1' } });
    expect(service('gpt-image-1', false, '2026-12-06T12:00:00Z').plan({ prompt: 'a fox' })).toMatchObject({ ok: true, plan: { model: 'gpt-image-1' } });
  });

  test.each([
    { language: 'en', says: "OpenAI shut down the image model `dall-e-3` on 2026-05-12, so `/imagine` can't use it. The bot's host needs to set IMAGE_MODEL to a current OpenAI image model (such as gpt-image-2) and give its prices in PRICING_FILE. Nothing was charged." },
    { language: 'zh-TW', says: 'OpenAI 已於 2026-05-12 停用圖片模型 `dall-e-3`，因此 `/imagine` 無法使用它。請機器人的架設者把 IMAGE_MODEL 設為 OpenAI 目前的圖片模型（例如 gpt-image-2），並在 PRICING_FILE 中設定它的價格。這次沒有收費。' },
    { language: 'zh-CN', says: 'OpenAI 已于 2026-05-12 停用图片模型 `dall-e-3`，因此 `/imagine` 无法使用它。请机器人的部署者把 IMAGE_MODEL 设为 OpenAI 当前的图片模型（例如 gpt-image-2），并在 PRICING_FILE 中设置它的价格。这次没有收费。' },
    { language: 'ja', says: 'OpenAI は 2026-05-12 に画像モデル `dall-e-3` の提供を終了したため、`/imagine` では使えません。ボットの運営者が IMAGE_MODEL を現在の OpenAI の画像モデル（gpt-image-2 など）に設定し、PRICING_FILE でその価格を指定する必要があります。料金はかかっていません。' },
  ] as const)('the member reads what the operator must change ($language)', ({ language, says }) => {
    const planned = service('dall-e-3', true, '2026-12-06T12:00:00Z').plan({ prompt: 'a fox' });
    expect(planned.ok).toBe(false);
    if (!planned.ok) expect(planProblemText(planned.problem, language)).toBe(says);
  });
});
