import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { chunkText, MODERATION_CHUNK_CHARS, ModerationChecker } from '../../../src/services/moderation/checker.ts';
import { describeCategories } from '../../../src/services/moderation/service.ts';
import { compatFetch } from '../../../src/services/openai/compatFetch.ts';
import { FakeOpenAI, type NotFoundStyle } from '../../support/fakeOpenAI.ts';

let fake: FakeOpenAI;
let client: OpenAI;
beforeAll(async () => {
  fake = await FakeOpenAI.start();
  client = new OpenAI({ apiKey: fake.apiKey, baseURL: fake.baseUrl, maxRetries: 0 });
});
afterAll(async () => { await fake.close(); });
beforeEach(() => { fake.reset(); });

describe('chunkText', () => {
  test('keeps short text whole and cuts long text at spaces, never past the chunk size, losing nothing', () => {
    expect(chunkText('  short  ')).toEqual(['short']);
    const words = Array.from({ length: 1500 }, (_, n) => `word${n}`).join(' ');
    const chunks = chunkText(words);
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(MODERATION_CHUNK_CHARS);
    expect(chunks.join(' ')).toBe(words);
    // Text without spaces (e.g. Chinese) is cut at the size.
    const han = '字'.repeat(5000);
    expect(chunkText(han).map((c) => c.length)).toEqual([2000, 2000, 1000]);
  });
});

describe('ModerationChecker', () => {
  test('sends the configured model and the chunks as one array; names every flagged category once', async () => {
    fake.moderation.rule = (text) => (text.includes('bad') ? ['harassment', 'violence'] : []);
    const checker = new ModerationChecker(client, 'omni-moderation-latest');
    const long = `${'fine words '.repeat(300)}bad ${'fine words '.repeat(300)}bad`;
    expect(await checker.check([long])).toEqual({ kind: 'flagged', categories: ['harassment', 'violence'] });
    const body = fake.requestsTo('/v1/moderations')[0]!.body as { model: string; input: string[] };
    expect(body.model).toBe('omni-moderation-latest');
    expect(body.input.length).toBe(chunkText(long).length);
    expect(await checker.check(['all fine'])).toEqual({ kind: 'clear' });
    expect(await checker.check(['   '])).toEqual({ kind: 'clear' });
    expect(fake.requestsTo('/v1/moderations')).toHaveLength(2);
  });

  test('a slow endpoint is given up after the timeout, not waited for', async () => {
    fake.moderation.enqueue({ delayMs: 2000 });
    const checker = new ModerationChecker(client, 'omni-moderation-latest', { timeoutMs: 200, maxRetries: 0 });
    const started = performance.now();
    expect(await checker.check(['hello'])).toEqual({ kind: 'unavailable', reason: 'timeout' });
    expect(performance.now() - started).toBeLessThan(1500);
  });

  test('errors become values: 429 and 5xx (after the one repeat), an unknown model, a missing route', async () => {
    const checker = new ModerationChecker(client, 'omni-moderation-latest', { timeoutMs: 2000, maxRetries: 1 });
    fake.moderation.enqueue({ error: 'rate_limit', retryAfterMs: 10, times: 2 });
    expect(await checker.check(['a'])).toEqual({ kind: 'unavailable', reason: 'error', status: 429 });
    expect(fake.requestsTo('/v1/moderations')).toHaveLength(2);
    fake.moderation.enqueue({ error: 'server_error', status: 502 });
    fake.moderation.rule = () => ['hate'];
    expect(await checker.check(['b'])).toEqual({ kind: 'flagged', categories: ['hate'] });
    expect(await new ModerationChecker(client, 'no-such-moderation-model').check(['c'])).toEqual({ kind: 'unavailable', reason: 'error', status: 404 });
    fake.compat = { missingRoutes: ['moderations'] };
    expect(await checker.check(['d'])).toEqual({ kind: 'unavailable', reason: 'missing_route', status: 404 });
  });
});

test.each<[NotFoundStyle]>([['gin'], ['fastapi'], ['llamacpp'], ['lmstudio'], ['method']])(
  'a missing route as each server says it (%s; LM Studio answers 200 {"error": …}), read through the bot\'s fetch', async (notFoundStyle) => {
    const bots = new OpenAI({ apiKey: fake.apiKey, baseURL: fake.baseUrl, maxRetries: 0, fetch: compatFetch(fetch, [fake.apiKey]) });
    fake.compat = { missingRoutes: ['moderations'], notFoundStyle };
    expect(await new ModerationChecker(bots, 'omni-moderation-latest').check(['e'])).toEqual({ kind: 'unavailable', reason: 'missing_route', status: notFoundStyle === 'method' ? 405 : 404 });
  },
);

describe('describeCategories', () => {
  test('reads category ids as words in each language, joined as that language lists things', () => {
    expect(describeCategories(['harassment', 'self-harm/intent'], 'en')).toBe('harassment and self-harm intent');
    expect(describeCategories(['harassment', 'self-harm/intent'], 'zh-TW')).toBe('騷擾和自我傷害意圖');
    expect(describeCategories(['violence'], 'ja')).toBe('暴力');
    expect(describeCategories(['something-new'], 'en')).toBe('unsafe');
  });
});
