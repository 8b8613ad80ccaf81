import { createServer } from 'node:net';
import OpenAI, { APIError } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { ChatService } from '../../../src/services/openai/chat.ts';
import { CHAT_FAST_SERVER_ERROR_MS, CHAT_RETRY_WINDOW_MS, openChatStream } from '../../../src/services/openai/chatAttempts.ts';
import { compatFetch } from '../../../src/services/openai/compatFetch.ts';
import { quotaAwareFetch } from '../../../src/services/openai/client.ts';
import { preloadTokenizers } from '../../../src/services/tokens.ts';
import { FakeOpenAI } from '../../support/fakeOpenAI.ts';

/** The SDK's timeout before the response starts; our idle timeout once it streams. */
const TIMEOUT_MS = 300;

let fake: FakeOpenAI;
let chat: ChatService;
const clientFor = (baseURL: string, maxRetries = 2) =>
  new OpenAI({ apiKey: fake.apiKey, baseURL, maxRetries, timeout: TIMEOUT_MS, fetch: quotaAwareFetch(compatFetch(fetch, [fake.apiKey])) });
beforeAll(async () => {
  // Loaded at start-up in the bot: loading one mid-stream would outlast this file's short idle timeout.
  await preloadTokenizers();
  fake = await FakeOpenAI.start();
  chat = new ChatService(clientFor(fake.baseUrl), { useMaxCompletionTokens: true, idleTimeoutMs: TIMEOUT_MS });
});
afterAll(async () => { await fake.close(); });
beforeEach(() => fake.reset());

const ask = (service = chat, maxOutputTokens = 100) =>
  service.stream({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], maxOutputTokens }, () => undefined);
const sent = () => fake.requestsTo('/v1/chat/completions');

describe('a request that may have been read is sent once and reported as billable', () => {
  test('no response before the timeout: sent once, a timeout that may be billed', async () => {
    fake.chat.enqueue({ hang: true }, { text: 'A second, billed answer.' });
    expect(await ask()).toEqual({ ok: false, failure: { kind: 'timeout' }, partialText: '', usage: undefined, mayBeBilled: true });
    expect(sent()).toHaveLength(1);
  });

  test('the connection closed after the request arrived, before any response: sent once, "dropped"', async () => {
    fake.chat.enqueue({ drop: true }, { text: 'A second, billed answer.' });
    expect(await ask()).toEqual({ ok: false, failure: { kind: 'dropped' }, partialText: '', usage: undefined, mayBeBilled: true });
    expect(sent()).toHaveLength(1);
  });

  test('the stream opened and the connection dropped before any text: "dropped", billable', async () => {
    fake.chat.enqueue({ cutAfterChunks: 1, text: 'Never shown.' });
    expect(await ask()).toMatchObject({ ok: false, failure: { kind: 'dropped' }, partialText: '', mayBeBilled: true });
    expect(sent()).toHaveLength(1);
  });

  test('the stream opened and went silent before any text: a timeout, billable', async () => {
    fake.chat.enqueue({ text: 'Never shown.', stallAfterEvents: 1 });
    expect(await ask()).toMatchObject({ ok: false, failure: { kind: 'timeout' }, partialText: '', mayBeBilled: true });
  });
});

describe('a stop (the bot shutting down)', () => {
  const askUntil = (signal: AbortSignal) => chat.stream({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], maxOutputTokens: 100, signal }, () => undefined);

  test('before the request went out: nothing sent, nothing billable', async () => {
    expect(await askUntil(AbortSignal.abort())).toEqual({ ok: false, failure: { kind: 'cut_off' }, partialText: '', usage: undefined });
    expect(sent()).toHaveLength(0);
  });

  test('while the request was out, unanswered: ended at once and billable (OpenAI may have read it)', async () => {
    fake.chat.enqueue({ hang: true });
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 100);
    expect(await askUntil(stop.signal)).toEqual({ ok: false, failure: { kind: 'cut_off' }, partialText: '', usage: undefined, mayBeBilled: true });
    expect(sent()).toHaveLength(1);
  });

  test('during the wait before a repeat: the repeat is never sent, nothing billable', async () => {
    fake.chat.enqueue({ error: 'rate_limit', retryAfterMs: 2_000, times: 1 });
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 200);
    const started = Date.now();
    expect(await askUntil(stop.signal)).toEqual({ ok: false, failure: { kind: 'cut_off' }, partialText: '', usage: undefined });
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(sent()).toHaveLength(1);
  });
});

describe('answers that say nothing was done are repeated, up to OPENAI_MAX_RETRIES', () => {
  test('a 429 is repeated after its retry-after-ms (not the rounded-up retry-after, not the default back-off)', async () => {
    fake.chat.enqueue({ error: 'rate_limit', retryAfterMs: 1200, times: 1 }, { text: 'Second time.' });
    expect(await ask()).toMatchObject({ ok: true, text: 'Second time.' });
    const [first, second] = sent();
    // retry-after says 2 s (rounded up); the SDK's back-off would have been at most 0.5 s.
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1150);
    expect(second!.at - first!.at).toBeLessThan(2000);
  });

  test('a retry-after past the retry window is not waited for: the member hears at once that the service is busy', async () => {
    fake.chat.enqueue({ error: 'rate_limit', retryAfterMs: CHAT_RETRY_WINDOW_MS + 1_000, times: 1 }, { text: 'Too late.' });
    const started = Date.now();
    expect(await ask()).toMatchObject({ ok: false, failure: { kind: 'rate_limited', retryAfterSeconds: CHAT_RETRY_WINDOW_MS / 1000 + 1 } });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(sent()).toHaveLength(1);
  });

  test('insufficient_quota is answered at once, never repeated', async () => {
    fake.chat.enqueue({ error: 'insufficient_quota', times: 3 });
    expect(await ask()).toEqual({ ok: false, failure: { kind: 'quota' }, partialText: '', usage: undefined });
    expect(sent()).toHaveLength(1);
  });

  test('x-should-retry: false is respected on a 429', async () => {
    fake.chat.enqueue({ error: 'rate_limit', retryAfterMs: 10, times: 3, headers: { 'x-should-retry': 'false' } });
    expect(await ask()).toMatchObject({ ok: false, failure: { kind: 'rate_limited' } });
    expect(sent()).toHaveLength(1);
  });

  test('a quick 503 before the stream is repeated; after the last repeat it is reported, not billable', async () => {
    fake.chat.enqueue({ error: 'server_error', status: 503, times: 1 }, { text: 'Back up.' });
    expect(await ask()).toMatchObject({ ok: true, text: 'Back up.' });
    expect(sent()).toHaveLength(2);
    fake.reset();
    fake.chat.enqueue({ error: 'server_error', status: 503, times: 3 });
    expect(await ask()).toEqual({ ok: false, failure: { kind: 'server_error', status: 503 }, partialText: '', usage: undefined });
    expect(sent()).toHaveLength(3);
  });

  test('an error event a compatible server sends before any text: not repeated, not billable', async () => {
    fake.compat = { noUsage: true, noFinishReason: true };
    fake.chat.enqueue({ streamError: { code: 503, message: 'Loading model', type: 'unavailable_error' } }, { text: 'Not asked for.' });
    expect(await ask()).toEqual({ ok: false, failure: { kind: 'server_error', status: 503 }, partialText: '', usage: undefined });
    expect(sent()).toHaveLength(1);
  });

  test('a connection that never opened is tried again and, never sent, is not billable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));
    const connects: number[] = [];
    const counting: typeof fetch = (input, init) => { connects.push(Date.now()); return fetch(input, init); };
    const client = new OpenAI({ apiKey: fake.apiKey, baseURL: `http://127.0.0.1:${port}/v1`, maxRetries: 1, timeout: TIMEOUT_MS, fetch: counting });
    const outcome = await ask(new ChatService(client, { useMaxCompletionTokens: true, idleTimeoutMs: TIMEOUT_MS }));
    expect(outcome).toEqual({ ok: false, failure: { kind: 'network' }, partialText: '', usage: undefined });
    expect(connects).toHaveLength(2);
  });
});

describe('a server that ignores the output limit', () => {
  test('is stopped once the output passes it, as if it had stopped at its length limit', async () => {
    fake.compat = { noUsage: true, noFinishReason: true };
    fake.chat.enqueue({ endless: { piece: ' word' } });
    const outcome = await ask(chat, 100);
    expect(outcome).toMatchObject({ ok: true, finishReason: 'length', overrun: true, usage: undefined });
    // " word" is one token: the stream was ended at the first piece past the allowance.
    expect(outcome.ok && outcome.text.split(' ').filter((word) => word === 'word').length).toBe(101);
    expect(fake.chat.endlessSent).toBeLessThan(110);
  });

  test('streamed reasoning counts toward the limit too', async () => {
    fake.chat.enqueue({ reasoning: ' think'.repeat(300), reasoningField: 'reasoning', text: 'Answer.' });
    const outcome = await ask(chat, 100);
    expect(outcome).toMatchObject({ ok: true, text: '', finishReason: 'length', overrun: true });
  });

  test('an answer that keeps to the limit is left alone, however close it comes', async () => {
    // 80 tokens, 400 bytes: past the byte threshold, so counted, and within the limit.
    fake.chat.enqueue({ text: ' word'.repeat(80), chunks: Array.from({ length: 80 }, () => ' word') });
    const outcome = await ask(chat, 100);
    expect(outcome).toMatchObject({ ok: true, text: ' word'.repeat(80).trim(), finishReason: 'stop', usage: { completionTokens: expect.any(Number) } });
    expect(outcome).not.toHaveProperty('overrun');
  });
});

describe('a 5xx that came back slowly, before the stream opened', () => {
  test('is not repeated and may have been billed (a gateway gave up while the model may still work)', async () => {
    // The clock moves past CHAT_FAST_SERVER_ERROR_MS while the request is out, as a gateway's 504 after a long wait would.
    const realNow = Date.now.bind(Date);
    let skew = 0;
    const clock = vi.spyOn(Date, 'now').mockImplementation(() => realNow() + skew);
    try {
      let sent = 0;
      const send = async () => {
        sent++;
        skew += CHAT_FAST_SERVER_ERROR_MS + 1;
        throw APIError.generate(504, { error: { message: 'Gateway Timeout', type: 'server_error', code: null } }, undefined, new Headers());
      };
      const opened = await openChatStream(send, { maxRetries: 2, signal: new AbortController().signal, context: { endpoint: 'chat', model: 'gpt-4o-mini' } });
      expect(opened).toEqual({ ok: false, failure: { kind: 'server_error', status: 504 }, mayBeBilled: true });
      expect(sent).toBe(1);
    } finally {
      clock.mockRestore();
    }
  });
});
