import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { describe, expect, test } from 'vitest';
import { attemptImageRequest, type AttemptPolicy } from '../../../src/services/images/attempts.ts';
import type { RequestOptions } from '../../../src/services/openai/paidAttempts.ts';

const answered = (status: number, headers: Record<string, string> = {}) =>
  APIError.generate(status, { error: { message: `status ${status}`, type: 'x', code: null } }, undefined, new Headers(headers));
const refused = () => new APIConnectionError({ cause: Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) }) });

/** A `send` that fails with each error in turn, then succeeds; it records the options of every call. */
function scripted(...errors: Error[]) {
  const calls: RequestOptions[] = [];
  const send = async (options: RequestOptions) => {
    calls.push(options);
    const error = errors[calls.length - 1];
    if (error) throw error;
    return 'made';
  };
  return { send, calls };
}

const policy = (overrides: Partial<AttemptPolicy> = {}): AttemptPolicy => ({ maxRetries: 2, timeoutMs: 1_000, deadline: Date.now() + 60_000, ...overrides });

describe('image request attempts', () => {
  test.each([
    { name: 'a timeout', error: new APIConnectionTimeoutError(), kind: 'timeout' },
    { name: 'a connection dropped after sending', error: new APIConnectionError({ cause: new Error('other side closed') }), kind: 'network' },
    { name: 'a 2xx body that is not JSON (the image was made)', error: new SyntaxError('Unexpected end of JSON input'), kind: 'server_error' },
  ])('$name is never repeated and may have been billed', async ({ error, kind }) => {
    const { send, calls } = scripted(error);
    expect(await attemptImageRequest(send, policy())).toEqual({ ok: false, failure: { kind }, mayBeBilled: true });
    expect(calls).toEqual([{ timeout: 1_000, maxRetries: 0, signal: expect.any(AbortSignal) }]);
  });

  test.each([
    { name: 'a 429 (after its retry-after)', error: answered(429, { 'retry-after-ms': '30' }) },
    { name: 'a 503 answered at once', error: answered(503) },
    { name: 'a connection that never opened', error: refused() },
  ])('$name is repeated, and the answer that follows is used', async ({ error }) => {
    const { send, calls } = scripted(error);
    expect(await attemptImageRequest(send, policy())).toEqual({ ok: true, value: 'made' });
    expect(calls).toHaveLength(2);
  });

  test('answered failures stop after OPENAI_MAX_RETRIES repeats and were not billed', async () => {
    const { send, calls } = scripted(answered(500), answered(500), answered(500), answered(500));
    expect(await attemptImageRequest(send, policy({ maxRetries: 2 }))).toMatchObject({ ok: false, failure: { kind: 'server_error' }, mayBeBilled: false });
    expect(calls).toHaveLength(3);
  });

  test('a 400 or an x-should-retry: false answer is not repeated', async () => {
    for (const error of [answered(400), answered(503, { 'x-should-retry': 'false' })]) {
      const { send, calls } = scripted(error);
      expect(await attemptImageRequest(send, policy())).toMatchObject({ ok: false, mayBeBilled: false });
      expect(calls).toHaveLength(1);
    }
  });

  test('no attempt starts without its whole timeout before the deadline, and no wait runs past it', async () => {
    const tooLate = scripted();
    expect(await attemptImageRequest(tooLate.send, policy({ deadline: Date.now() + 500 }))).toEqual({ ok: false, failure: { kind: 'timeout' }, mayBeBilled: false });
    expect(tooLate.calls).toHaveLength(0);
    // A retry-after of 60 s does not fit before a deadline 30 s away: the 429 is the answer.
    const longWait = scripted(answered(429, { 'retry-after': '60' }));
    const started = Date.now();
    expect(await attemptImageRequest(longWait.send, policy({ deadline: Date.now() + 30_000 }))).toMatchObject({ ok: false, failure: { kind: 'rate_limited' } });
    expect(longWait.calls).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe('the whole answer is bounded by the timeout, not only its headers', () => {
  test('an answer still arriving when the timeout passes is told as a timeout that may have been billed', async () => {
    // The SDK's own timeout stops at the headers; a body that stalls after them is what this send stands for.
    const send = (options: RequestOptions) => new Promise<string>((_resolve, reject) => options.signal.addEventListener('abort', () => reject(new TypeError('terminated'))));
    const started = Date.now();
    expect(await attemptImageRequest(send, policy({ timeoutMs: 100 }))).toEqual({ ok: false, failure: { kind: 'timeout' }, mayBeBilled: true });
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
