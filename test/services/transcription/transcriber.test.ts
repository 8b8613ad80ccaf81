import { createServer } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makeWav } from '../../../src/services/audio/wav.ts';
import { Transcriber } from '../../../src/services/transcription/transcriber.ts';
import { parseTranscriptionUsage } from '../../../src/services/transcription/usage.ts';
import { FakeOpenAI } from '../../support/fakeOpenAI.ts';

const KEY = 'sk-test-transcriber-00';
const request = (deadlineMs = 600_000) => ({ bytes: makeWav({ seconds: 1 }), filename: 'a.wav', mimeType: 'audio/wav', model: 'whisper-1', deadline: Date.now() + deadlineMs });

describe('Transcriber against the fake, with the real SDK', () => {
  let fake: FakeOpenAI;
  let transcriber: Transcriber;
  beforeAll(async () => {
    fake = await FakeOpenAI.start({ apiKey: KEY });
    transcriber = new Transcriber(new OpenAI({ apiKey: KEY, baseURL: `${fake.baseUrl}`, maxRetries: 2 }));
  });
  afterAll(async () => { await fake?.close(); });

  test('reports the usage the API returned', async () => {
    fake.audio.reset();
    fake.audio.enqueue({ text: 'hi', duration: 7 });
    expect(await transcriber.transcribe(request())).toEqual({ ok: true, text: 'hi', usage: { type: 'duration', seconds: 7 }, attempts: 1 });
  });

  test('429s are retried up to OPENAI_MAX_RETRIES, then reported, never billed', async () => {
    fake.audio.reset();
    fake.audio.enqueue({ error: 'rate_limit', retryAfterMs: 10, times: 5 });
    const outcome = await transcriber.transcribe(request());
    expect(outcome).toMatchObject({ ok: false, failure: { kind: 'rate_limited' }, mayBeBilled: false, attempts: 3 });
    expect(fake.audio.requests).toHaveLength(3);
  });

  test('no retry that could not finish before the deadline', async () => {
    fake.audio.reset();
    fake.audio.enqueue({ error: 'server_error', status: 503 }, { text: 'never asked for' });
    const outcome = await transcriber.transcribe(request(30_000)); // less than MIN_RETRY_WINDOW_MS left
    expect(outcome).toMatchObject({ ok: false, failure: { kind: 'server_error' }, mayBeBilled: false, attempts: 1 });
    expect(fake.audio.requests).toHaveLength(1);
  });

  test('nothing is sent once the deadline has passed', async () => {
    fake.audio.reset();
    expect(await transcriber.transcribe(request(-1))).toMatchObject({ ok: false, failure: { kind: 'timeout' }, mayBeBilled: false, attempts: 0 });
    expect(fake.audio.requests).toHaveLength(0);
  });
});

test('a refused connection never reached OpenAI: not retried, not billed', async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  const transcriber = new Transcriber(new OpenAI({ apiKey: KEY, baseURL: `http://127.0.0.1:${port}/v1`, maxRetries: 2 }));
  expect(await transcriber.transcribe(request())).toMatchObject({ ok: false, failure: { kind: 'network' }, mayBeBilled: false, attempts: 1 });
});

describe('parseTranscriptionUsage', () => {
  test.each([
    ['whisper-1 duration', { type: 'duration', seconds: 61 }, { type: 'duration', seconds: 61 }],
    ['tokens with details', { type: 'tokens', input_tokens: 1010, input_token_details: { audio_tokens: 1000, text_tokens: 10 }, output_tokens: 40, total_tokens: 1050 }, { type: 'tokens', audioTokens: 1000, textTokens: 10, outputTokens: 40 }],
    // Without details every input token is charged at the audio price, the dearer one.
    ['tokens without details', { type: 'tokens', input_tokens: 500, output_tokens: 9 }, { type: 'tokens', audioTokens: 500, textTokens: 0, outputTokens: 9 }],
    ['details that leave tokens unattributed', { type: 'tokens', input_tokens: 500, input_token_details: { text_tokens: 20 }, output_tokens: 1 }, { type: 'tokens', audioTokens: 480, textTokens: 20, outputTokens: 1 }],
    ['missing', undefined, undefined],
    ['negative seconds', { type: 'duration', seconds: -1 }, undefined],
    ['fractional tokens', { type: 'tokens', input_tokens: 1.5, output_tokens: 1 }, undefined],
    ['unknown type', { type: 'minutes', minutes: 1 }, undefined],
  ])('%s', (_name, usage, expected) => {
    expect(parseTranscriptionUsage(usage)).toEqual(expected);
  });
});
