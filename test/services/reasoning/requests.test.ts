import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { ChatService } from '../../../src/services/openai/chat.ts';
import { compatFetch } from '../../../src/services/openai/compatFetch.ts';
import { ReasoningModels, type ReasoningEffort } from '../../../src/services/reasoning/models.ts';
import { outputTokens } from '../../../src/services/reasoning/usage.ts';
import { DEFAULT_MODELS, FakeOpenAI } from '../../support/fakeOpenAI.ts';

const REASONING_MODELS = ['o1', 'o1-mini', 'o3', 'o3-mini', 'o4-mini', 'gpt-5', 'gpt-5-mini', 'gpt-5-nano', 'gpt-5.1', 'ft:o4-mini-2025-04-16:acme::r1'];
let fake: FakeOpenAI;
let client: OpenAI;
/** As against api.openai.com (max_completion_tokens for every model) and as against a compatible server (max_tokens for ordinary ones). */
let atOpenAI: ChatService;
let elsewhere: ChatService;
beforeAll(async () => {
  fake = await FakeOpenAI.start({ models: [...DEFAULT_MODELS, ...REASONING_MODELS] });
  client = new OpenAI({ apiKey: fake.apiKey, baseURL: fake.baseUrl, maxRetries: 0, fetch: compatFetch(fetch, [fake.apiKey]) });
  atOpenAI = new ChatService(client, { useMaxCompletionTokens: true, idleTimeoutMs: 2000, reasoning: new ReasoningModels() });
  elsewhere = new ChatService(client, { useMaxCompletionTokens: false, idleTimeoutMs: 2000, reasoning: new ReasoningModels() });
});
afterAll(async () => { await fake.close(); });
beforeEach(() => fake.reset());

type Body = Record<string, unknown>;
const ask = (chat: ChatService, model: string, reasoningEffort?: ReasoningEffort) =>
  chat.stream({ model, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hi' }], maxOutputTokens: 500, reasoningEffort }, () => undefined);

describe('the fake refuses what OpenAI refuses, with its 400 bodies', () => {
  test.each([
    [{ model: 'o3', max_tokens: 10 }, 'max_tokens', "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.", 'unsupported_parameter'],
    [{ model: 'gpt-5', temperature: 0.7 }, 'temperature', "Unsupported value: 'temperature' does not support 0.7 with this model. Only the default (1) value is supported.", 'unsupported_value'],
    [{ model: 'o4-mini', top_p: 0.9 }, 'top_p', "Unsupported parameter: 'top_p' is not supported with this model.", 'unsupported_parameter'],
    [{ model: 'o4-mini', reasoning_effort: 'minimal' }, 'reasoning_effort', "Unsupported value: 'reasoning_effort' does not support 'minimal' with this model. Supported values are: 'low', 'medium', and 'high'.", 'unsupported_value'],
    [{ model: 'o1-mini', reasoning_effort: 'low' }, 'reasoning_effort', "Unsupported parameter: 'reasoning_effort' is not supported with this model.", 'unsupported_parameter'],
    [{ model: 'gpt-4o-mini', reasoning_effort: 'low' }, 'reasoning_effort', "Unsupported parameter: 'reasoning_effort' is not supported with this model.", 'unsupported_parameter'],
  ])('%j', async (fields, param, message, code) => {
    const call = client.chat.completions.create({ messages: [{ role: 'user', content: 'hi' }], ...fields } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    await expect(call).rejects.toMatchObject({ status: 400, param, code, type: 'invalid_request_error', error: { message } });
  });

  test('a reasoning model may be sent temperature 1 (its default) and gpt-4o-mini any temperature', async () => {
    await expect(client.chat.completions.create({ model: 'o3', messages: [{ role: 'user', content: 'hi' }], temperature: 1 })).resolves.toBeDefined();
    await expect(client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], temperature: 0.2, max_tokens: 5 })).resolves.toBeDefined();
  });
});

describe('request fields', () => {
  test.each(REASONING_MODELS)('%s gets max_completion_tokens and no sampling field, at OpenAI and behind any other URL', async (model) => {
    for (const chat of [atOpenAI, elsewhere]) {
      fake.chat.enqueue({ text: 'ok' });
      expect(await ask(chat, model)).toMatchObject({ ok: true, text: 'ok' });
      const body = fake.chat.lastRequest as unknown as Body;
      expect(body.max_completion_tokens).toBe(500);
      for (const refused of ['max_tokens', 'temperature', 'top_p', 'presence_penalty', 'frequency_penalty', 'reasoning_effort']) expect(body).not.toHaveProperty(refused);
    }
  });

  test.each([
    ['gpt-5', 'minimal', 'minimal'],
    ['gpt-5-nano', 'high', 'high'],
    ['o4-mini', 'medium', 'medium'],
    ['o4-mini', 'minimal', 'low'],
    ['o3', 'high', 'high'],
    ['gpt-5.1', 'minimal', 'low'],
    ['o1-mini', 'high', undefined],
  ] as const)('%s with effort %s sends reasoning_effort %s (accepted by the fake)', async (model, wanted, sent) => {
    fake.chat.enqueue({ text: 'ok' });
    expect(await ask(atOpenAI, model, wanted)).toMatchObject({ ok: true });
    expect((fake.chat.lastRequest as unknown as Body).reasoning_effort).toBe(sent);
  });

  test('ordinary models keep what they had: max_completion_tokens at OpenAI, max_tokens elsewhere, never an effort or a temperature', async () => {
    fake.chat.enqueue({ text: 'a' }, { text: 'b' });
    await ask(atOpenAI, 'gpt-4o-mini', 'high');
    expect(fake.chat.requests[0]).toMatchObject({ max_completion_tokens: 500 });
    await ask(elsewhere, 'gpt-4o-mini', 'high');
    expect(fake.chat.requests[1]).toMatchObject({ max_tokens: 500 });
    for (const body of fake.chat.requests as unknown as Body[]) {
      expect(body).not.toHaveProperty('reasoning_effort');
      expect(body).not.toHaveProperty('temperature');
    }
  });
});

describe('reasoning tokens', () => {
  test('OpenAI counts them inside completion_tokens: read once, kept apart for the log', async () => {
    fake.chat.enqueue({ text: 'Forty-two.', reasoningTokens: 320 });
    const outcome = await ask(atOpenAI, 'o4-mini');
    expect(outcome).toMatchObject({ ok: true, text: 'Forty-two.' });
    expect(outcome.usage).toEqual({ promptTokens: expect.any(Number), completionTokens: 3 + 320, reasoningTokens: 320, cachedTokens: 0, totalTokens: outcome.usage!.promptTokens! + 3 + 320 });
  });

  test('max_completion_tokens bounds reasoning and answer together: thinking past it leaves no answer', async () => {
    fake.chat.enqueue({ text: 'An answer that never comes.', reasoningTokens: 5000 });
    const outcome = await ask(atOpenAI, 'o3');
    expect(outcome).toMatchObject({ ok: true, text: '', finishReason: 'length', usage: { completionTokens: 500, reasoningTokens: 500 } });
  });

  test.each([
    ['OpenAI: inside completion_tokens', { prompt_tokens: 10, completion_tokens: 130, total_tokens: 140, completion_tokens_details: { reasoning_tokens: 100 } }, 130],
    ['a server that adds them on top (total says so)', { prompt_tokens: 10, completion_tokens: 30, total_tokens: 140, completion_tokens_details: { reasoning_tokens: 100 } }, 130],
    ['no total, more reasoning than completion', { prompt_tokens: 10, completion_tokens: 30, completion_tokens_details: { reasoning_tokens: 100 } }, 130],
    ['total says inside, but more reasoning than completion can hold', { prompt_tokens: 10, completion_tokens: 30, total_tokens: 40, completion_tokens_details: { reasoning_tokens: 100 } }, 130],
    ['no details', { prompt_tokens: 10, completion_tokens: 30, total_tokens: 40 }, 30],
    ['null details', { prompt_tokens: 10, completion_tokens: 30, total_tokens: 40, completion_tokens_details: null }, 30],
  ])('%s', (_case, usage, billed) => {
    expect(outputTokens(usage).completionTokens).toBe(billed);
  });
});
