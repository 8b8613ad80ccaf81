/**
 * A compatible server that answers /imagine with `url`s whatever `response_format` asks: the images were made, and
 * billed, so they are charged; the bot downloads them (no header of its own sent to that host) and posts them like
 * images sent as data. One that can't be downloaded is told to the member, still charged, and the rest are posted.
 */
import { MessageFlags } from 'discord.js';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { formatUsd } from '../../../src/services/pricing/index.ts';
import { BotHarness } from '../../support/botHarness.ts';
import type { FakeInteraction } from '../../support/fakeDiscord.ts';
import { makePng, type HostedFault } from '../../support/fakeOpenAIImages.ts';

type LedgerRow = { state: string; reserved_micros: number; charged_micros: number; units: number | null };

/**
 * Short, so the stalled download gives up soon (nothing here waits on real time beyond it), yet long enough that a
 * loaded machine still downloads the healthy image within it (300 ms lost one in a full run).
 */
const URL_TIMEOUT_MS = 2_000;

describe.each([
  ['dall-e-2', 'a server that sends no usage'],
  ['gpt-image-1', 'usage left out by a proxy'],
])('%s answered with URLs only (%s)', (model) => {
  let h: BotHarness;
  const png = makePng(8, 8, [200, 40, 40]);
  /** What two images made cost: the same whether or not they could be downloaded. */
  let chargedForTwo = 0;
  beforeAll(async () => {
    h = await BotHarness.start({ env: { IMAGE_MODEL: model, OPENAI_MAX_RETRIES: '0', IMAGE_URL_TIMEOUT_MS: String(URL_TIMEOUT_MS) } });
    h.openai.compat = { imagesAsUrls: true };
    h.openai.images.enqueue({ png, usage: () => undefined });
    const i = h.command('imagine', { prompt: 'a lighthouse at dawn', count: 2, size: '1024x1024' });
    await h.settled(i);
    chargedForTwo = ledgerRows().at(-1)!.charged_micros;
  });
  afterAll(async () => { await h?.close(); });

  const ledgerRows = () => h.bot.ctx.db.prepare("SELECT * FROM ledger WHERE command = 'imagine' ORDER BY id").all() as LedgerRow[];
  const said = (i: FakeInteraction) => i.transcript().join('\n');
  const posted = (i: FakeInteraction) => [...i.originalEdits.flatMap((edit) => edit.files), ...i.callbacks.flatMap((c) => c.files)];

  const imagine = async (hosted: HostedFault[], locale = 'en-US') => {
    h.openai.reset();
    h.openai.compat = { imagesAsUrls: true };
    // The proxy drops the usage gpt-image answers carry; dall-e answers have none.
    h.openai.images.enqueue({ png, usage: () => undefined, hosted });
    const i = h.command('imagine', { prompt: 'a lighthouse at dawn', count: hosted.length, size: '1024x1024' }, { locale });
    await h.settled(i);
    const row = ledgerRows().at(-1)!;
    // Charged what was billed, never past what was reserved (a lost image included).
    expect(row.charged_micros).toBeLessThanOrEqual(row.reserved_micros);
    return { i, row };
  };

  beforeEach(() => { expect(chargedForTwo).toBeGreaterThan(0); });

  test.each([
    ['en-US', /1024x1024/],
    ['zh-TW', /1024x1024/],
  ])('every image is downloaded and posted, charged at its price, and the host sees none of the bot\'s headers (%s)', async (locale) => {
    const { i, row } = await imagine(['ok', 'ok'], locale);
    expect(posted(i).map((file) => file.data)).toEqual([png, png]);
    expect(row).toMatchObject({ state: 'settled', units: 2, charged_micros: chargedForTwo });
    expect(said(i)).toContain(formatUsd(chargedForTwo));
    expect(said(i)).not.toMatch(/could not|無法|⚠️/);
    expect(h.openai.images.hostedRequests).toHaveLength(2);
    for (const headers of h.openai.images.hostedRequests) {
      expect(headers.authorization).toBeUndefined();
      expect(Object.keys(headers).filter((name) => /^(x-stainless|openai-)/.test(name))).toEqual([]);
    }
  });

  test.each<[HostedFault, RegExp]>([
    ['404', /the server holding the image answered HTTP 404/],
    ['huge', /larger than Discord's 10 MB upload limit/],
    ['stall', /not downloaded within 2 s/],
    ['html', /what the address held was not an image/],
  ])('one image that fails to download (%s) is told, still charged, and the other is posted', async (fault, reason) => {
    const { i, row } = await imagine(['ok', fault]);
    expect(posted(i).map((file) => file.data)).toEqual([png]);
    expect(row).toMatchObject({ state: 'settled', units: 2, charged_micros: chargedForTwo });
    expect(said(i)).toMatch(/1 image the image service made could not be downloaded from the address it gave/);
    expect(said(i)).toMatch(reason);
    expect(said(i)).toMatch(/The service billed it, so it is in the cost/);
    expect(said(i)).toContain(formatUsd(chargedForTwo));
  });

  test('the member reads why in their language, and with nothing downloadable still sees what was charged (zh-TW)', async () => {
    const { i, row } = await imagine(['404', 'html'], 'zh-TW');
    expect(posted(i)).toEqual([]);
    // No image to show: only the member reads it, as with any other failure.
    expect(i.originalDeleted).toBe(true);
    expect(i.followUps[0]!.flags! & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
    expect(row).toMatchObject({ state: 'settled', units: 2, charged_micros: chargedForTwo });
    expect(said(i)).toMatch(/圖片服務產生的 2 張圖片無法從它給的網址下載（圖片主機回應 HTTP 404；網址上的內容不是圖片）。服務已對這些圖片計費/);
    expect(said(i)).toContain(formatUsd(chargedForTwo));
  });

  test('one image lost is named as one in zh-TW (not "these images")', async () => {
    const { i } = await imagine(['ok', '404'], 'zh-TW');
    expect(said(i)).toMatch(/圖片服務產生的 1 張圖片無法從它給的網址下載（圖片主機回應 HTTP 404）。服務已對這張圖片計費/);
  });
});

describe('URL images with a DOWNLOAD_MEMORY_MB smaller than their rooms together', () => {
  let h: BotHarness;
  afterAll(async () => { await h?.close(); });

  test('every image of the answer is posted: they take one room together, not rooms that wait for their own post', async () => {
    h = await BotHarness.start({ env: { IMAGE_MODEL: 'dall-e-2', OPENAI_MAX_RETRIES: '0', IMAGE_URL_TIMEOUT_MS: String(URL_TIMEOUT_MS), DOWNLOAD_MEMORY_MB: '16' } });
    h.openai.compat = { imagesAsUrls: true };
    const png = makePng(8, 8, [40, 200, 40]);
    h.openai.images.enqueue({ png });
    const i = h.command('imagine', { prompt: 'a lighthouse at dawn', count: 2, size: '1024x1024' });
    await h.settled(i);
    expect(i.transcript().join('\n')).not.toMatch(/could not be downloaded/);
    expect([...i.originalEdits.flatMap((edit) => edit.files), ...i.callbacks.flatMap((c) => c.files)].map((file) => file.data)).toEqual([png, png]);
    expect(h.bot.ctx.services.downloads.inFlight).toBe(0);
  });
});
