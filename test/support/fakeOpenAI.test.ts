import { crc32 as zlibCrc32, inflateSync } from 'node:zlib';
import OpenAI, {
  APIConnectionError,
  APIConnectionTimeoutError,
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  NotFoundError,
  RateLimitError,
  toFile,
} from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { crc32, FakeOpenAI, makePng, PNG_SIGNATURE, type MultipartBody } from './fakeOpenAI.ts';

let fake: FakeOpenAI;
const client = (opts: { maxRetries?: number; timeout?: number; apiKey?: string } = {}): OpenAI =>
  new OpenAI({ apiKey: opts.apiKey ?? fake.apiKey, baseURL: fake.baseUrl, maxRetries: opts.maxRetries ?? 0, timeout: opts.timeout ?? 5000 });
const user = (content: string) => [{ role: 'user' as const, content }];

/** Runs `fn` and returns what it threw (fails the test if it did not throw). */
async function thrown(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

beforeAll(async () => {
  fake = await FakeOpenAI.start({ contextWindow: { 'gpt-3.5-turbo': 64 } });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => fake.reset());

describe('FakeOpenAI chat completions', () => {
  it('streams deltas and a final usage chunk when include_usage is set', async () => {
    fake.chat.enqueue({ text: 'Hello there, friend!', chunks: ['Hello', ' there,', ' friend!'], usage: { prompt_tokens: 11, completion_tokens: 5, cached_tokens: 3 } });
    const stream = await client().chat.completions.create({
      model: 'gpt-4o-mini',
      messages: user('hi'),
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);

    expect(chunks[0]?.choices[0]?.delta).toMatchObject({ role: 'assistant', content: '' });
    const deltas = chunks.flatMap((c) => c.choices.map((ch) => ch.delta.content ?? '')).filter(Boolean);
    expect(deltas).toEqual(['Hello', ' there,', ' friend!']);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('stop');
    expect(chunks.slice(0, -1).every((c) => c.usage === null && c.object === 'chat.completion.chunk')).toBe(true);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual({
      prompt_tokens: 11,
      completion_tokens: 5,
      total_tokens: 16,
      prompt_tokens_details: { cached_tokens: 3, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    });
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks[0]?.id).toMatch(/^chatcmpl-/);
    expect(fake.requests[0]?.headers['content-type']).toContain('application/json');
  });

  it('returns a non-streamed chat.completion with usage and the real headers (default echo reply)', async () => {
    const { data, response } = await client().chat.completions.create({ model: 'gpt-4o', messages: user('ping') }).withResponse();
    expect(data).toMatchObject({
      object: 'chat.completion',
      model: 'gpt-4o',
      choices: [{ index: 0, message: { role: 'assistant', content: 'You said: ping', refusal: null }, finish_reason: 'stop', logprobs: null }],
    });
    expect(data.usage?.prompt_tokens).toBe(Math.ceil(4 / 4) + 4);
    expect(data.usage?.completion_tokens).toBe(Math.ceil('You said: ping'.length / 4));
    for (const h of ['x-request-id', 'openai-processing-ms', 'x-ratelimit-limit-requests', 'x-ratelimit-remaining-requests', 'x-ratelimit-limit-tokens', 'x-ratelimit-remaining-tokens', 'x-ratelimit-reset-requests', 'x-ratelimit-reset-tokens']) {
      expect(response.headers.get(h), h).toBeTruthy();
    }
    expect(fake.chat.requests[0]?.messages).toEqual(user('ping'));
    expect(fake.requests[0]).toMatchObject({ method: 'POST', path: '/v1/chat/completions' });
  });

  it('truncates to max_tokens with finish_reason length, and supports refusals and tool calls', async () => {
    fake.chat.enqueue(
      { text: 'x'.repeat(100) },
      { refusal: "I can't help with that." },
      { toolCalls: [{ id: 'call_1', name: 'get_time', arguments: { tz: 'UTC' } }] },
    );
    const c = client();
    const long = await c.chat.completions.create({ model: 'gpt-4o-mini', messages: user('x'), max_completion_tokens: 5 });
    expect(long.choices[0]).toMatchObject({ finish_reason: 'length', message: { content: 'x'.repeat(20) } });
    expect(long.usage?.completion_tokens).toBe(5);
    const refusal = await c.chat.completions.create({ model: 'gpt-4o-mini', messages: user('x') });
    expect(refusal.choices[0]?.message).toMatchObject({ content: null, refusal: "I can't help with that." });
    const tools = await c.chat.completions.create({ model: 'gpt-4o-mini', messages: user('time?') });
    expect(tools.choices[0]).toMatchObject({
      finish_reason: 'tool_calls',
      message: { content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_time', arguments: '{"tz":"UTC"}' } }] },
    });
  });

  it('rejects a wrong key with AuthenticationError without echoing the key', async () => {
    const key = 'sk-fake-wrong-secret-00';
    const err = await thrown(() => client({ apiKey: key }).chat.completions.create({ model: 'gpt-4o-mini', messages: user('x') }));
    expect(err).toBeInstanceOf(AuthenticationError);
    const e = err as AuthenticationError;
    expect(e.status).toBe(401);
    expect(e.code).toBe('invalid_api_key');
    expect(e.message).toContain('Incorrect API key provided: sk-fa');
    expect(e.message).not.toContain(key);
  });

  it('lets the SDK retry a 429 (retry-after-ms: 10, times: 1) and succeed', async () => {
    fake.chat.enqueue({ error: 'rate_limit', retryAfterMs: 10, times: 1 }, { text: 'after retry' });
    const res = await client({ maxRetries: 2 }).chat.completions.create({ model: 'gpt-4o-mini', messages: user('x') });
    expect(res.choices[0]?.message.content).toBe('after retry');
    const calls = fake.requestsTo('/v1/chat/completions');
    expect(calls).toHaveLength(2);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(9);
    expect(calls[1]?.headers['x-stainless-retry-count']).toBe('1');
  });

  it('exposes retry-after headers, status and code on an exhausted RateLimitError', async () => {
    fake.chat.enqueue({ error: 'rate_limit', retryAfterMs: 5, times: 3 });
    const err = (await thrown(() => client({ maxRetries: 2 }).chat.completions.create({ model: 'gpt-4o-mini', messages: user('x') }))) as RateLimitError;
    expect(err).toBeInstanceOf(RateLimitError);
    expect(err.status).toBe(429);
    expect(err.code).toBe('rate_limit_exceeded');
    expect(err.type).toBe('requests');
    expect(err.headers?.get('retry-after-ms')).toBe('5');
    expect(err.headers?.get('retry-after')).toBe('1');
    expect(err.requestID).toMatch(/^req_/);
    expect(fake.requestsTo('/v1/chat/completions')).toHaveLength(3); // 1 + maxRetries
  });

  it('insufficient_quota is a RateLimitError that the SDK still retries (unless x-should-retry: false)', async () => {
    // `headers` only speeds the retry up; the real API sends no retry-after here, so the SDK backs off 0.5s, 1s, ...
    fake.chat.enqueue({ error: 'insufficient_quota', times: 2, headers: { 'retry-after-ms': '1' } });
    const err = (await thrown(() => client({ maxRetries: 1 }).chat.completions.create({ model: 'gpt-4o-mini', messages: user('x') }))) as RateLimitError;
    expect(err).toBeInstanceOf(RateLimitError);
    expect(err.code).toBe('insufficient_quota');
    expect(err.type).toBe('insufficient_quota');
    expect(fake.requestsTo('/v1/chat/completions')).toHaveLength(2); // retried once: the SDK does not special-case the code

    fake.reset();
    fake.chat.enqueue({ error: 'insufficient_quota', headers: { 'x-should-retry': 'false' } });
    await expect(client({ maxRetries: 2 }).chat.completions.create({ model: 'gpt-4o-mini', messages: user('x') })).rejects.toBeInstanceOf(RateLimitError);
    expect(fake.requestsTo('/v1/chat/completions')).toHaveLength(1);
  });

  it('answers context_length_exceeded (forced, and from the configured window)', async () => {
    fake.chat.enqueue({ error: 'context_length_exceeded' });
    const forced = (await thrown(() => client().chat.completions.create({ model: 'gpt-4o-mini', messages: user('x') }))) as BadRequestError;
    expect(forced).toBeInstanceOf(BadRequestError);
    expect(forced.code).toBe('context_length_exceeded');
    expect(forced.param).toBe('messages');
    expect(forced.message).toMatch(/^400 This model's maximum context length is 128000 tokens\. However, your messages resulted in \d+ tokens/);

    fake.chat.enqueue({ text: 'kept for the next valid call' });
    const real = (await thrown(() => client().chat.completions.create({ model: 'gpt-3.5-turbo', messages: user('y'.repeat(400)) }))) as BadRequestError;
    expect(real.code).toBe('context_length_exceeded');
    // 'y' x 400 is 100 cl100k tokens, plus 3 for the message and 3 priming the reply.
    expect(real.message).toContain('maximum context length is 64 tokens. However, your messages resulted in 106 tokens');
    expect(fake.chat.pending).toBe(1); // rejected before consuming the scripted reply
  });

  it("refuses a prompt plus its output limit past the model's window with OpenAI's body, before any scripted reply", async () => {
    fake.addModel('gpt-4'); // 8,192 tokens, gpt-tokenizer's figure and OpenAI's
    fake.chat.enqueue({ text: 'kept for the next valid call' });
    const post = (body: object) => fetch(`${fake.baseUrl}/chat/completions`, {
      method: 'POST', headers: { authorization: `Bearer ${fake.apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    // 'Hello' is one token: 7 in the messages with the framing, as OpenAI counted NextChat's 'Hello' under its system prompt.
    for (const field of ['max_tokens', 'max_completion_tokens']) {
      const res = await post({ model: 'gpt-4', messages: user('Hello'), [field]: 8192 });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({
        error: {
          message: "This model's maximum context length is 8192 tokens. However, you requested 8199 tokens (7 in the messages, 8192 in the completion). Please reduce the length of the messages or completion.",
          type: 'invalid_request_error',
          param: 'messages',
          code: 'context_length_exceeded',
        },
      });
    }
    expect(fake.chat.pending).toBe(1);
    // Exactly the window is accepted, and uses the scripted reply.
    const fits = await client().chat.completions.create({ model: 'gpt-4', messages: user('Hello'), max_tokens: 8185 });
    expect(fits.choices[0]?.message.content).toBe('kept for the next valid call');
  });

  it.each([
    ['gpt-3.5-turbo-0613', 4096, 'max_tokens'], // OpenAI's legacy window (gpt-tokenizer says 16,385)
    ['gpt-3.5-turbo-16k', 16_385, 'max_tokens'],
    ['gpt-4o-mini', 128_000, 'max_completion_tokens'],
  ] as const)("%s: a long history and its output limit are counted together against the model's %d-token window", async (model, window, field) => {
    fake.addModel(model);
    fake.chat.enqueue({ text: 'ok' });
    // A history of about window - 500 tokens ('word ' is one token) leaves room for 400 tokens of output, not 1,000.
    const history = 'word '.repeat(window - 510);
    const messages = [{ role: 'system' as const, content: 'Be brief.' }, { role: 'user' as const, content: history }];
    const refused = (await thrown(() => client().chat.completions.create({ model, messages, [field]: 1000 }))) as BadRequestError;
    expect(refused.status).toBe(400);
    expect(refused.code).toBe('context_length_exceeded');
    expect(refused.message).toMatch(new RegExp(`maximum context length is ${window} tokens\\. However, you requested \\d+ tokens \\(\\d+ in the messages, 1000 in the completion\\)`));
    const accepted = await client().chat.completions.create({ model, messages, [field]: 400 });
    expect(accepted.choices[0]?.finish_reason).toBe('stop');
  });

  it("doesn't reserve a reasoning model's output limit in its window: only the prompt must fit", async () => {
    fake.addModel('o3-mini'); // 200,000 tokens, at most 100,000 of output
    fake.chat.enqueue({ text: 'ok' });
    const messages = user('word '.repeat(150_000));
    const res = await client().chat.completions.create({ model: 'o3-mini', messages, max_completion_tokens: 100_000 });
    expect(res.choices[0]?.finish_reason).toBe('stop');
    const tooLong = (await thrown(() => client().chat.completions.create({ model: 'o3-mini', messages: user('word '.repeat(200_001)), max_completion_tokens: 1000 }))) as BadRequestError;
    expect(tooLong.code).toBe('context_length_exceeded');
    expect(tooLong.message).toMatch(/maximum context length is 200000 tokens\. However, your messages resulted in \d+ tokens/);
  });

  it('lets the SDK retry a 500 (times: 1) with its default backoff', async () => {
    fake.chat.enqueue({ error: 'server_error', times: 1 }, { text: 'recovered' });
    const res = await client({ maxRetries: 2 }).chat.completions.create({ model: 'gpt-4o-mini', messages: user('x') });
    expect(res.choices[0]?.message.content).toBe('recovered');
    const calls = fake.requestsTo('/v1/chat/completions');
    expect(calls).toHaveLength(2);
    const waited = calls[1]!.at - calls[0]!.at;
    expect(waited).toBeGreaterThan(300); // 0.5s * (0.75..1) jitter
    console.log(`[observed] default retry delay after a 500: ${Math.round(waited)}ms`);

    fake.chat.enqueue({ error: 'server_error', status: 503 });
    const e = (await thrown(() => client().chat.completions.create({ model: 'gpt-4o-mini', messages: user('x') }))) as InternalServerError;
    expect(e).toBeInstanceOf(InternalServerError);
    expect(e.status).toBe(503);
  });

  it('a stream cut mid-way (no [DONE]) makes the iterator throw', async () => {
    fake.chat.enqueue({ cutAfterChunks: 3, text: 'one two three four five six seven', chunks: ['one ', 'two ', 'three ', 'four five six seven'] });
    const stream = await client({ maxRetries: 2 }).chat.completions.create({ model: 'gpt-4o-mini', messages: user('x'), stream: true });
    const got: string[] = [];
    const err = await thrown(async () => {
      for await (const chunk of stream) got.push(chunk.choices[0]?.delta.content ?? '');
    });
    expect(got).toEqual(['', 'one ', 'two ']);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(OpenAI.APIError);
    const e = err as Error & { cause?: { name?: string; code?: string; message?: string } };
    expect(e.name).toBe('TypeError');
    expect(e.message).toBe('terminated');
    console.log(`[observed] cut stream throws ${e.constructor.name}('${e.message}') cause=${e.cause?.name}/${e.cause?.code}: ${e.cause?.message}`);
    expect(fake.requestsTo('/v1/chat/completions')).toHaveLength(1); // no retry once the stream started
  });

  it('a hung request ends with APIConnectionTimeoutError at the SDK timeout', async () => {
    fake.chat.enqueue({ hang: true });
    const started = performance.now();
    const err = await thrown(() => client({ timeout: 200, maxRetries: 0 }).chat.completions.create({ model: 'gpt-4o-mini', messages: user('x') }));
    expect(err).toBeInstanceOf(APIConnectionTimeoutError);
    expect(err).toBeInstanceOf(APIConnectionError);
    expect((err as Error).message).toBe('Request timed out.');
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('validates the body like the API (name pattern, roles, stream_options, unknown args, models)', async () => {
    const c = client();
    const bad = (await thrown(() =>
      c.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'system', content: 's' }, { role: 'user', content: 'x', name: 'John Doe' }] }),
    )) as BadRequestError;
    expect(bad).toBeInstanceOf(BadRequestError);
    expect(bad.param).toBe('messages[1].name');
    expect(bad.type).toBe('invalid_request_error');

    const expect400 = async (body: Record<string, unknown>, param: string | null, code?: string | null) => {
      const e = (await thrown(() => c.post('/chat/completions', { body }))) as BadRequestError;
      expect(e, JSON.stringify(body)).toBeInstanceOf(BadRequestError);
      expect(e.param).toBe(param);
      if (code !== undefined) expect(e.code).toBe(code);
    };
    await expect400({ model: 'gpt-4o-mini', messages: [] }, 'messages', 'empty_array');
    await expect400({ model: 'gpt-4o-mini', messages: [{ role: 'robot', content: 'x' }] }, 'messages[0].role', 'invalid_value');
    await expect400({ model: 'gpt-4o-mini', messages: user('x'), stream_options: { include_usage: true } }, 'stream_options');
    await expect400({ model: 'gpt-4o-mini', messages: user('x'), max_tokens: 0 }, 'max_tokens', 'integer_below_min_value');
    await expect400({ model: 'gpt-4o-mini', messages: user('x'), max_tokens: '5' }, 'max_tokens', 'invalid_type');
    await expect400({ model: 'gpt-4o-mini', messages: user('x'), bogus: 1 }, null);
    await expect400({ model: 'gpt-4o-mini', messages: [{ role: 'tool', content: 'x', tool_call_id: 'call_1' }] }, 'messages.[0].role');

    const nf = (await thrown(() => c.chat.completions.create({ model: 'gpt-9', messages: user('x') }))) as NotFoundError;
    expect(nf).toBeInstanceOf(NotFoundError);
    expect(nf.code).toBe('model_not_found');
    expect(nf.message).toBe('404 The model `gpt-9` does not exist or you do not have access to it.');

    const route = (await thrown(() => c.get('/nope'))) as NotFoundError;
    expect(route).toBeInstanceOf(NotFoundError);
    expect(route.message).toBe('404 Invalid URL (GET /v1/nope)');

    const models = await c.models.list();
    expect(models.data.map((m) => m.id)).toContain('gpt-4o-mini');
    expect(await c.models.retrieve('whisper-1')).toMatchObject({ id: 'whisper-1', object: 'model' });
  });

  it('answers a chat request for a model served only through /v1/responses with OpenAI\'s 404, body as the API writes it', async () => {
    fake.addModel('o3-pro');
    const res = await fetch(`${fake.baseUrl}/chat/completions`, {
      method: 'POST', headers: { authorization: `Bearer ${fake.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'o3-pro', messages: user('x'), stream: true, max_completion_tokens: 50 }),
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: { message: 'This model is only supported in v1/responses and not in v1/chat/completions.', type: 'invalid_request_error', param: 'model', code: null },
    });
    // A model the account doesn't have is still "not found"; one a test declares Responses-only is refused the same way.
    const nf = (await thrown(() => client().chat.completions.create({ model: 'gpt-5-pro', messages: user('x') }))) as NotFoundError;
    expect(nf.code).toBe('model_not_found');
    fake.addModel('gpt-9-agent');
    fake.chat.responsesOnly.add('gpt-9-agent');
    const refused = (await thrown(() => client().chat.completions.create({ model: 'gpt-9-agent', messages: user('x') }))) as NotFoundError;
    expect(refused).toBeInstanceOf(NotFoundError);
    expect([refused.type, refused.param, refused.code]).toEqual(['invalid_request_error', 'model', null]);
    expect(fake.chat.lastRequest?.model).toBe('gpt-9-agent');
  });

  it('tracks concurrent in-flight chat requests', async () => {
    fake.chat.setDefault({ text: 'slow', delayMs: 50 });
    const c = client();
    await Promise.all([1, 2, 3].map(() => c.chat.completions.create({ model: 'gpt-4o-mini', messages: user('x') })));
    expect(fake.chat.maxConcurrent).toBe(3);
    await new Promise((r) => setTimeout(r, 10));
    expect(fake.chat.inFlight).toBe(0);
  });
});

describe('FakeOpenAI lifecycle', () => {
  it('close() drops hung and in-progress streaming connections at once', async () => {
    const other = await FakeOpenAI.start();
    const c = new OpenAI({ apiKey: other.apiKey, baseURL: other.baseUrl, maxRetries: 0 });
    other.chat.enqueue({ hang: true }, { text: 'a b c d e f g h', chunks: ['a ', 'b ', 'c ', 'd e f g h'], chunkDelayMs: 10_000 });
    const hung = c.chat.completions.create({ model: 'gpt-4o-mini', messages: user('x') });
    hung.catch(() => {});
    const stream = await c.chat.completions.create({ model: 'gpt-4o-mini', messages: user('x'), stream: true });
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next(); // role chunk arrived, the next one is 10 s away
    while (other.chat.inFlight < 2) await new Promise((r) => setTimeout(r, 5));
    const started = performance.now();
    await other.close();
    expect(performance.now() - started).toBeLessThan(500);
    await expect(hung).rejects.toBeInstanceOf(APIConnectionError);
    await expect(iterator.next()).rejects.toThrow('terminated');
    await other.close(); // idempotent
  });

  it('reset() clears records and scripted replies', async () => {
    fake.chat.enqueue({ text: 'queued' });
    await client().chat.completions.create({ model: 'gpt-4o-mini', messages: user('x') });
    fake.chat.enqueue({ text: 'left over' });
    fake.reset();
    expect(fake.requests).toHaveLength(0);
    expect(fake.chat.requests).toHaveLength(0);
    expect(fake.chat.pending).toBe(0);
  });
});

describe('FakeOpenAI images', () => {
  it('returns a real PNG as b64_json and validates per-model params', async () => {
    const c = client();
    const res = await c.images.generate({ model: 'gpt-image-1', prompt: 'a cat', size: '1024x1024', quality: 'low' });
    const png = Buffer.from(res.data?.[0]?.b64_json ?? '', 'base64');
    expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
    expect(res.usage?.output_tokens).toBe(272);
    // The PNG's chunks carry valid CRCs and the IDAT inflates to width*3+1 bytes per row.
    expect(crc32(Buffer.from('IEND'))).toBe(zlibCrc32(Buffer.from('IEND')));
    expect(png.readUInt32BE(16)).toBe(8);
    const idatLen = png.readUInt32BE(33);
    expect(inflateSync(png.subarray(41, 41 + idatLen)).length).toBe(8 * (8 * 3 + 1));
    expect(png.equals(makePng())).toBe(true);

    fake.images.enqueue({ revisedPrompt: 'A fluffy cat' });
    const d3 = await c.images.generate({ model: 'dall-e-3', prompt: 'cat', response_format: 'url' });
    expect(d3.data?.[0]?.revised_prompt).toBe('A fluffy cat');
    const fetched = await fetch(d3.data?.[0]?.url ?? '');
    expect(Buffer.from(await fetched.arrayBuffer()).subarray(0, 8)).toEqual(PNG_SIGNATURE);

    const n = (await thrown(() => c.images.generate({ model: 'dall-e-3', prompt: 'cat', n: 2 }))) as BadRequestError;
    expect(n.param).toBe('n');
    const size = (await thrown(() => c.images.generate({ model: 'dall-e-3', prompt: 'cat', size: '512x512' }))) as BadRequestError;
    expect(size.message).toContain("Supported values are: '1024x1024', '1792x1024', and '1024x1792'.");
    await expect(c.images.generate({ model: 'gpt-image-1', prompt: 'cat', response_format: 'b64_json' })).rejects.toBeInstanceOf(BadRequestError);

    fake.images.enqueue({ error: 'content_policy' });
    const cp = (await thrown(() => c.images.generate({ model: 'dall-e-3', prompt: 'bad' }))) as BadRequestError;
    expect(cp.code).toBe('content_policy_violation');
  });
});

describe('FakeOpenAI audio transcriptions', () => {
  it('records the multipart upload and rejects unsupported extensions', async () => {
    const c = client();
    const bytes = Buffer.from([0x4f, 0x67, 0x67, 0x53, 0, 1, 2, 3, 254, 255]);
    fake.audio.enqueue({ text: 'bonjour tout le monde' });
    const res = await c.audio.transcriptions.create({ file: await toFile(bytes, 'a.ogg', { type: 'audio/ogg' }), model: 'whisper-1', language: 'fr' });
    expect(res.text).toBe('bonjour tout le monde');
    expect(fake.audio.lastFile).toMatchObject({ field: 'file', filename: 'a.ogg', contentType: 'audio/ogg' });
    expect(fake.audio.lastFile?.data.equals(bytes)).toBe(true);
    const recorded = fake.requestsTo('/v1/audio/transcriptions')[0]?.body as MultipartBody;
    expect(recorded.fields).toEqual({ model: 'whisper-1', language: 'fr' });

    const text = await c.audio.transcriptions.create({ file: await toFile(bytes, 'b.mp3'), model: 'gpt-4o-mini-transcribe', response_format: 'text' });
    expect(text).toBe('Hello from the fake transcription.\n');

    const ext = (await thrown(async () => c.audio.transcriptions.create({ file: await toFile(bytes, 'voice.txt'), model: 'whisper-1' }))) as BadRequestError;
    expect(ext).toBeInstanceOf(BadRequestError);
    expect(ext.message).toContain('Invalid file format. Supported formats:');

    const big = await FakeOpenAI.start({ maxAudioBytes: 1000 });
    try {
      const c2 = new OpenAI({ apiKey: big.apiKey, baseURL: big.baseUrl, maxRetries: 0 });
      const tooBig = (await thrown(async () => c2.audio.transcriptions.create({ file: await toFile(Buffer.alloc(2000), 'a.wav'), model: 'whisper-1' }))) as InstanceType<typeof OpenAI.APIError>;
      expect(tooBig.status).toBe(413);
      expect(tooBig.message).toMatch(/Maximum content size limit \(1000\) exceeded/);
    } finally {
      await big.close();
    }
  });
});

describe('FakeOpenAI files + fine-tuning', () => {
  it('runs a fine-tuning job round trip', async () => {
    const c = client();
    const jsonl = [1, 2].map((i) => JSON.stringify({ messages: [{ role: 'user', content: `q${i}` }, { role: 'assistant', content: `a${i}` }] })).join('\n');
    const file = await c.files.create({ file: await toFile(Buffer.from(jsonl), 'train.jsonl'), purpose: 'fine-tune' });
    expect(file).toMatchObject({ object: 'file', purpose: 'fine-tune', filename: 'train.jsonl', bytes: jsonl.length });
    expect((await c.files.retrieve(file.id)).id).toBe(file.id);
    await expect(c.files.create({ file: await toFile(Buffer.from('{"prompt":"x"}'), 't.jsonl'), purpose: 'fine-tune' })).rejects.toBeInstanceOf(BadRequestError);

    const missing = (await thrown(() => c.fineTuning.jobs.create({ model: 'gpt-4o-mini', training_file: 'file-nope' }))) as BadRequestError;
    expect(missing.param).toBe('training_file');

    const job = await c.fineTuning.jobs.create({ model: 'gpt-4o-mini', training_file: file.id, suffix: 'bot' });
    expect(job).toMatchObject({ object: 'fine_tuning.job', status: 'validating_files', fine_tuned_model: null, training_file: file.id });
    const other = await c.fineTuning.jobs.create({ model: 'gpt-4o-mini', training_file: file.id });

    fake.fineTuning.advance(job.id, 'queued');
    fake.fineTuning.advance(job.id, 'running');
    fake.fineTuning.advance(job.id, 'succeeded');
    const done = await c.fineTuning.jobs.retrieve(job.id);
    expect(done.status).toBe('succeeded');
    expect(done.fine_tuned_model).toMatch(/^ft:gpt-4o-mini:fake-org:bot:/);

    const page = await c.fineTuning.jobs.list({ limit: 1 });
    expect(page.data.map((j) => j.id)).toEqual([other.id]);
    expect(page.has_more).toBe(true);
    const all: string[] = [];
    for await (const j of c.fineTuning.jobs.list({ limit: 1 })) all.push(j.id);
    expect(all).toEqual([other.id, job.id]);

    const events = await c.fineTuning.jobs.listEvents(job.id);
    expect(events.data[0]).toMatchObject({ object: 'fine_tuning.job.event', message: 'The job has successfully completed' });

    const cancelled = await c.fineTuning.jobs.cancel(other.id);
    expect(cancelled.status).toBe('cancelled');
    await expect(c.fineTuning.jobs.cancel(job.id)).rejects.toBeInstanceOf(BadRequestError);
    expect(() => fake.fineTuning.advance(job.id, 'running')).toThrow();

    // The fine-tuned model is now served like any other model.
    const chat = await c.chat.completions.create({ model: done.fine_tuned_model!, messages: user('hey') });
    expect(chat.model).toBe(done.fine_tuned_model);
  });

  it('scripted faults: a job created then its connection dropped or held past the timeout, an upload stored then dropped, a failing list', async () => {
    const c = client({ timeout: 300 });
    const jsonl = JSON.stringify({ messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }] });
    fake.files.enqueueCreate({ afterStore: 'drop' });
    expect(await thrown(async () => c.files.create({ file: await toFile(Buffer.from(jsonl), 'train.jsonl'), purpose: 'fine-tune' }))).toBeInstanceOf(APIConnectionError);
    const [stored] = (await c.files.list({ purpose: 'fine-tune', limit: 1, order: 'desc' })).data;
    expect(stored).toMatchObject({ filename: 'train.jsonl', purpose: 'fine-tune', bytes: jsonl.length });
    expect((await c.files.list({ purpose: 'assistants' })).data).toEqual([]);

    const params = { model: 'gpt-4o-mini', training_file: stored!.id, metadata: { discord_bot_start: 'tag-1' } };
    fake.fineTuning.enqueueCreate({ afterCreate: 'drop' }, { afterCreate: 'stall' }, { dropBeforeCreate: true });
    expect(await thrown(() => c.fineTuning.jobs.create(params))).toBeInstanceOf(APIConnectionError);
    expect(await thrown(() => c.fineTuning.jobs.create(params))).toBeInstanceOf(APIConnectionTimeoutError);
    expect(await thrown(() => c.fineTuning.jobs.create(params))).toBeInstanceOf(APIConnectionError);
    const listed = (await c.fineTuning.jobs.list({ limit: 10 })).data;
    expect(listed).toHaveLength(2);
    expect(listed.every((j) => j.metadata?.discord_bot_start === 'tag-1' && j.training_file === stored!.id)).toBe(true);

    fake.fineTuning.enqueueList({ error: 'server_error' }, { drop: true });
    await expect(c.fineTuning.jobs.list()).rejects.toBeInstanceOf(InternalServerError);
    await expect(c.fineTuning.jobs.list()).rejects.toBeInstanceOf(APIConnectionError);
    const [someJob] = listed;
    fake.fineTuning.enqueueRetrieve({ error: 'server_error' }, { drop: true });
    await expect(c.fineTuning.jobs.retrieve(someJob!.id)).rejects.toBeInstanceOf(InternalServerError);
    await expect(c.fineTuning.jobs.retrieve(someJob!.id)).rejects.toBeInstanceOf(APIConnectionError);
    expect((await c.fineTuning.jobs.retrieve(someJob!.id)).id).toBe(someJob!.id);
    fake.fineTuning.enqueueCreate({ error: 'rate_limit' });
    await expect(c.fineTuning.jobs.create(params)).rejects.toBeInstanceOf(RateLimitError);
    expect(fake.fineTuning.jobs.size).toBe(2);
    const tooLong = (await thrown(() => c.fineTuning.jobs.create({ ...params, metadata: { k: 'x'.repeat(513) } }))) as BadRequestError;
    expect(tooLong.param).toBe('metadata.k');
  });
});

describe('FakeOpenAI as a compatible server', () => {
  /** The raw SSE text of one streamed chat call, as a compatible server writes it. */
  async function rawStream(body: Record<string, unknown> = {}): Promise<{ response: Response; text: string }> {
    const response = await fetch(`${fake.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fake.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: user('hi'), stream: true, stream_options: { include_usage: true }, ...body }),
    });
    return { response, text: await response.text() };
  }
  const events = (text: string) => text.split('\n\n').filter(Boolean).map((e) => e.replace(/^data: /, ''));

  it('leaves out usage, finish_reason, role and the content-type header when told to, and still ends with [DONE]', async () => {
    fake.compat = { noUsage: true, noFinishReason: true, noRole: true, noContentType: true };
    fake.chat.enqueue({ text: 'Hi', chunks: ['Hi'] });
    const { response, text } = await rawStream();
    expect(response.headers.get('content-type')).toBeNull();
    expect(text).not.toMatch(/"usage":\{/);
    expect(text).not.toMatch(/"finish_reason":"/);
    expect(text).not.toMatch(/"role"/);
    expect(events(text).at(-1)).toBe('[DONE]');
  });

  it('sends an error event after the given pieces, with HTTP 200 and no [DONE], as llama.cpp does', async () => {
    fake.chat.enqueue({ text: 'One two', chunks: ['One', ' two'], afterChunks: 1, streamError: { code: 500, message: 'boom', type: 'server_error' } });
    const { response, text } = await rawStream();
    expect(response.status).toBe(200);
    const all = events(text);
    expect(all.at(-1)).toBe('{"error":{"code":500,"message":"boom","type":"server_error"}}');
    expect(all.some((e) => e.includes('"content":"One"'))).toBe(true);
    expect(text).not.toContain('[DONE]');
    expect(text).not.toContain(' two');
  });

  it('the SDK throws a status-less APIError for an error event, string bodies included', async () => {
    fake.chat.enqueue({ streamError: 'Rate limit exceeded' });
    const stream = await client().chat.completions.create({ model: 'gpt-4o-mini', messages: user('hi'), stream: true });
    const err = await thrown(async () => { for await (const _ of stream) { /* drain */ } });
    expect(err).toMatchObject({ status: undefined, error: 'Rate limit exceeded' });
  });

  it.each([
    ['gin', 404, '404 page not found', 'text/plain'],
    ['fastapi', 404, '{"detail":"Not Found"}', 'application/json'],
    ['nest', 404, '{"message":"Cannot POST /v1/images/generations","error":"Not Found","statusCode":404}', 'application/json'],
    ['llamacpp', 404, '{"error":{"code":404,"message":"File Not Found","type":"not_found_error"}}', 'application/json'],
    ['lmstudio', 200, '{"error":"Unexpected endpoint or method. (POST /v1/images/generations)"}', 'application/json'],
  ] as const)('answers a missing route in %s style', async (notFoundStyle, status, body, contentType) => {
    fake.compat = { missingRoutes: ['images'], notFoundStyle };
    const response = await fetch(`${fake.baseUrl}/images/generations`, {
      method: 'POST', headers: { authorization: `Bearer ${fake.apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-image-1', prompt: 'x' }),
    });
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toBe(contentType);
    expect(await response.text()).toBe(body);
  });

  it('reports a missing model like Ollama or vLLM, and lists no models when told to', async () => {
    fake.compat = { modelNotFoundStyle: 'vllm', emptyModels: true };
    const err = await thrown(() => client().chat.completions.create({ model: 'llama3', messages: user('hi') }));
    expect(err).toBeInstanceOf(NotFoundError);
    const models = [];
    for await (const model of client().models.list()) models.push(model);
    expect(models).toEqual([]);
  });

  it('pings a silent stream with `:` comments (llama.cpp), sends bare chunks and leaves out [DONE] when told to', async () => {
    fake.compat = { pingEveryMs: 20, bareChunks: true, noDone: true };
    fake.chat.enqueue({ text: 'Hi', chunks: ['Hi'], delayMs: 500, finishReason: 'abort' });
    const { text } = await rawStream();
    const all = events(text);
    expect(all.filter((e) => e === ':').length).toBeGreaterThanOrEqual(3);
    const chunks = all.filter((e) => e.startsWith('{')).map((e) => JSON.parse(e) as Record<string, unknown>);
    expect(chunks.every((c) => !('id' in c) && !('created' in c) && !('object' in c) && Array.isArray(c.choices))).toBe(true);
    expect(text).toContain('"finish_reason":"abort"');
    expect(text).not.toContain('[DONE]');
  });

  it.each([['/files', 'GET'], ['/files', 'POST'], ['/fine_tuning/jobs', 'POST'], ['/fine_tuning/jobs/ftjob-x', 'GET']] as const)('answers %s (%s) as missing when files and fine-tuning are', async (path, method) => {
    fake.compat = { missingRoutes: ['files', 'fine_tuning'] };
    const response = await fetch(`${fake.baseUrl}${path}`, { method, headers: { authorization: `Bearer ${fake.apiKey}` } });
    expect(response.status).toBe(404);
    expect(await response.text()).toBe('404 page not found');
  });

  it('streams thinking in reasoning_content before the answer', async () => {
    fake.chat.enqueue({ reasoning: 'hmm', text: 'Yes.' });
    const { text } = await rawStream();
    expect(text.indexOf('"reasoning_content":"hmm"')).toBeGreaterThan(-1);
    expect(text.indexOf('"reasoning_content":"hmm"')).toBeLessThan(text.indexOf('"content":"Yes."'));
  });
});
