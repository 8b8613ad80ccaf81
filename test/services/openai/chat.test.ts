import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { ChatService } from '../../../src/services/openai/chat.ts';
import { compatFetch } from '../../../src/services/openai/compatFetch.ts';
import { FakeOpenAI } from '../../support/fakeOpenAI.ts';

let fake: FakeOpenAI;
let chat: ChatService;
beforeAll(async () => {
  fake = await FakeOpenAI.start();
  const client = new OpenAI({ apiKey: fake.apiKey, baseURL: fake.baseUrl, maxRetries: 0, fetch: compatFetch(fetch, [fake.apiKey]) });
  chat = new ChatService(client, { useMaxCompletionTokens: true, idleTimeoutMs: 2000 });
});
afterAll(async () => { await fake.close(); });
beforeEach(() => fake.reset());

const ask = () => chat.stream({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], maxOutputTokens: 100 }, () => undefined);

describe('ChatService against compatible servers', () => {
  test('a clean end without finish_reason or usage is a complete answer', async () => {
    fake.compat = { noFinishReason: true, noUsage: true, noRole: true };
    fake.chat.enqueue({ text: 'Done.' });
    expect(await ask()).toEqual({ ok: true, text: 'Done.', usage: undefined, finishReason: 'stop' });
  });

  test('an error event after text comes back as a failure value with the partial text (the ledger charges what was shown)', async () => {
    fake.chat.enqueue({ text: 'Half. Rest', chunks: ['Half.', ' Rest'], afterChunks: 1, streamError: { code: 503, message: 'Loading model', type: 'unavailable_error' } });
    expect(await ask()).toEqual({ ok: false, failure: { kind: 'server_error', status: 503 }, partialText: 'Half.', usage: undefined });
  });

  test('a dropped connection after text is cut_off, with the partial text', async () => {
    fake.chat.enqueue({ cutAfterChunks: 2, text: 'Some. More.', chunks: ['Some.', ' More.'] });
    expect(await ask()).toMatchObject({ ok: false, failure: { kind: 'cut_off' }, partialText: 'Some.' });
  });

  test('reasoning is kept apart from the answer', async () => {
    fake.chat.enqueue({ reasoning: 'Let me think.', reasoningField: 'reasoning', text: 'Yes.' });
    expect(await ask()).toMatchObject({ ok: true, text: 'Yes.', reasoning: 'Let me think.' });
  });

  test('a usage object without counts is ignored rather than charged as NaN', async () => {
    fake.chat.enqueue({ text: 'ok' });
    const outcome = await ask();
    expect(outcome.ok && outcome.usage).toMatchObject({ promptTokens: expect.any(Number), completionTokens: expect.any(Number) });
  });
});

describe('keep-alive comments (llama.cpp pings a silent stream every second: ggml-org/llama.cpp#24013, #25241)', () => {
  /** Far above a loaded machine's pauses; the pings come 25 times as often. */
  const IDLE_MS = 1000;
  const pinged = (keepAliveSilenceMs: number) => {
    const client = new OpenAI({ apiKey: fake.apiKey, baseURL: fake.baseUrl, maxRetries: 0, timeout: IDLE_MS, fetch: compatFetch(fetch, [fake.apiKey]) });
    return new ChatService(client, { useMaxCompletionTokens: true, idleTimeoutMs: IDLE_MS, keepAliveSilenceMs });
  };
  const askWith = (service: ChatService) => service.stream({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], maxOutputTokens: 100 }, () => undefined);

  test('extend the wait for the first text past the idle timeout', async () => {
    fake.compat = { pingEveryMs: 40 };
    fake.chat.enqueue({ text: 'Read it all.', delayMs: IDLE_MS * 2.5 });
    expect(await askWith(pinged(10_000))).toMatchObject({ ok: true, text: 'Read it all.' });
  });

  test('but not forever: a server that only pings times out once the keep-alive limit has passed', async () => {
    fake.compat = { pingEveryMs: 40 };
    fake.chat.enqueue({ text: 'Never.', delayMs: 60_000 });
    const started = performance.now();
    const outcome = await askWith(pinged(2_500));
    const elapsed = performance.now() - started;
    expect(outcome).toMatchObject({ ok: false, failure: { kind: 'timeout' }, partialText: '', mayBeBilled: true });
    expect(elapsed).toBeGreaterThanOrEqual(2_400);
    expect(elapsed).toBeLessThan(2_500 + IDLE_MS + 1_500);
  });
});

describe('usage read from a stream', () => {
  /** A server that streams these chunks, then [DONE]: usage in chunks the fake OpenAI never sends together. */
  async function streamed(chunks: object[]) {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const chunk of chunks) res.write(`data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', ...chunk })}\n\n`);
      res.end('data: [DONE]\n\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const client = new OpenAI({ apiKey: 'sk-test', baseURL: `http://127.0.0.1:${port}/v1`, maxRetries: 0 });
      return await new ChatService(client, { useMaxCompletionTokens: true, idleTimeoutMs: 2000 })
        .stream({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], maxOutputTokens: 100 }, () => undefined);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }

  test.each([
    ['0', { prompt_tokens: 0, completion_tokens: 5 }],
    ['missing', { completion_tokens: 5 }],
  ])('a later usage chunk whose prompt count is %s keeps the prompt an earlier chunk reported, with the later output', async (_name, later) => {
    const outcome = await streamed([
      { choices: [{ index: 0, delta: { role: 'assistant', content: 'Hi' }, finish_reason: null }], usage: { prompt_tokens: 17, completion_tokens: 1, prompt_tokens_details: { cached_tokens: 8 } } },
      { choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: later },
    ]);
    expect(outcome).toMatchObject({ ok: true, text: 'Hi', usage: { promptTokens: 17, completionTokens: 5, cachedTokens: 8 } });
  });

  test('output counted without any prompt count leaves the prompt unknown (the caller charges its own count), never 0', async () => {
    const outcome = await streamed([
      { choices: [{ index: 0, delta: { role: 'assistant', content: 'Hi' }, finish_reason: 'stop' }], usage: { prompt_tokens: 0, completion_tokens: 5, prompt_tokens_details: { cached_tokens: 3 } } },
    ]);
    expect(outcome).toMatchObject({ ok: true, usage: { promptTokens: undefined, completionTokens: 5, cachedTokens: 0 } });
  });
});
