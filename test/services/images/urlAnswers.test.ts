/**
 * A compatible server that answers /imagine with `url`s whatever `response_format` asks: the images were made, and
 * billed, even though the bot posts only images it receives as data (a URL expires). They are charged, never free.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { formatUsd } from '../../../src/services/pricing/index.ts';
import { BotHarness } from '../../support/botHarness.ts';
import type { FakeInteraction } from '../../support/fakeDiscord.ts';

type LedgerRow = { state: string; reserved_micros: number; charged_micros: number; units: number | null; output_tokens: number | null };

describe.each([
  ['dall-e-2', 'a server that sends no usage'],
  ['gpt-image-1', 'usage left out by a proxy'],
])('%s answered with URLs only (%s)', (model) => {
  let h: BotHarness;
  beforeAll(async () => { h = await BotHarness.start({ env: { IMAGE_MODEL: model, OPENAI_MAX_RETRIES: '0' } }); });
  afterAll(async () => { await h?.close(); });
  beforeEach(() => {
    h.openai.reset();
    h.openai.compat = { imagesAsUrls: true };
    // The proxy drops the usage gpt-image answers carry; dall-e answers have none.
    h.openai.images.enqueue({ usage: () => undefined });
  });

  const ledgerRows = () => h.bot.ctx.db.prepare("SELECT * FROM ledger WHERE command = 'imagine' ORDER BY id").all() as LedgerRow[];
  const said = (i: FakeInteraction) => i.transcript().join('\n');

  test.each([
    ['en-US', /could not handle this request: the image service sent no image data\. OpenAI billed this request, so you were charged/],
    ['zh-TW', /圖片服務沒有傳回任何圖片資料。\s?OpenAI 已對這個請求計費，所以已向你收取/],
  ])('the images made are charged at their price and the member is told so (%s)', async (locale, text) => {
    const i = h.command('imagine', { prompt: 'a lighthouse at dawn', count: 2, size: '1024x1024' }, { locale });
    await h.settled(i);
    const [row] = ledgerRows();
    expect(row).toMatchObject({ state: 'settled' });
    expect(row!.charged_micros).toBeGreaterThan(0);
    expect(row!.charged_micros).toBeLessThanOrEqual(row!.reserved_micros);
    expect(said(i)).toMatch(text);
    expect(said(i)).toContain(formatUsd(row!.charged_micros));
    expect(i.originalEdits.flatMap((edit) => edit.files)).toEqual([]);
  });
});
