/** The fake's image parts, through the real openai SDK: as strict as the API, and billed by the published rules. */
import OpenAI, { BadRequestError } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { FakeOpenAI } from './fakeOpenAI.ts';
import { craftPdf, craftPng } from './craftedImages.ts';

let fake: FakeOpenAI;
let client: OpenAI;
beforeAll(async () => {
  fake = await FakeOpenAI.start({ models: ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1-mini', 'gpt-3.5-turbo'] });
  client = new OpenAI({ apiKey: fake.apiKey, baseURL: fake.baseUrl, maxRetries: 0 });
});
afterAll(async () => { await fake.close(); });
beforeEach(() => fake.reset());

const dataUrl = (bytes: Uint8Array, mime = 'image/png') => `data:${mime};base64,${Buffer.from(bytes).toString('base64')}`;
const ask = (model: string, url: string, detail?: string) =>
  client.chat.completions.create({
    model,
    messages: [{ role: 'user', content: [{ type: 'text', text: 'What is it?' }, { type: 'image_url', image_url: { url, ...(detail ? { detail: detail as 'high' } : {}) } }] }],
  });

async function refusal(call: Promise<unknown>): Promise<BadRequestError> {
  const error = await call.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(BadRequestError);
  return error as BadRequestError;
}

describe('image_url parts', () => {
  test.each([
    ['gpt-4o', 1024, 1024, 'high', 765],
    ['gpt-4o', 2048, 4096, 'high', 1105],
    ['gpt-4o', 4096, 8192, 'low', 85],
    ['gpt-4o-mini', 1024, 1024, 'high', 2833 + 4 * 5667],
    ['gpt-4.1-mini', 1800, 2400, 'high', Math.ceil(1452 * 1.62)],
  ])('%s %i×%i at %s bills %i image tokens in prompt_tokens', async (model, width, height, detail, imageTokens) => {
    const withImage = await ask(model, dataUrl(craftPng(width, height)), detail);
    const textOnly = await client.chat.completions.create({ model, messages: [{ role: 'user', content: [{ type: 'text', text: 'What is it?' }] }] });
    expect(withImage.usage!.prompt_tokens - textOnly.usage!.prompt_tokens).toBe(imageTokens);
  });

  test('a text-only model refuses image parts, naming the part', async () => {
    const error = await refusal(ask('gpt-3.5-turbo', dataUrl(craftPng(10, 10))));
    expect(error.message).toMatch(/Invalid content type\. image_url is only supported by certain models\./);
    expect(error.param).toBe('messages.[0].content.[1].type');
  });

  test('a detail other than auto, low or high is refused', async () => {
    const error = await refusal(ask('gpt-4o', dataUrl(craftPng(10, 10)), 'medium'));
    expect(error.param).toBe('messages[0].content[1].image_url.detail');
    expect(error.code).toBe('invalid_value');
  });

  test.each([
    ['a data URL of another type', dataUrl(craftPng(10, 10), 'image/bmp'), 'invalid_value'],
    ['not a data URL', 'data:image/png,not-base64', 'invalid_value'],
    ['bytes that are no image', dataUrl(craftPdf(200)), 'invalid_image_format'],
  ])('%s is refused', async (_name, url, code) => {
    expect((await refusal(ask('gpt-4o', url))).code).toBe(code);
  });
});
