/**
 * The shared loop's own behaviours that the image, chat and fine-tuning path tests don't pin: the window's end, a stop
 * during a wait, and what a lookup's three answers do after a quick 5xx or a lost answer.
 */
import { APIConnectionTimeoutError, APIError } from 'openai';
import { describe, expect, test } from 'vitest';
import { sendPaid, type Lookup, type PaidAttemptRules } from '../../../src/services/openai/paidAttempts.ts';

const answered = (status: number, headers: Record<string, string> = {}) =>
  APIError.generate(status, { error: { message: `status ${status}`, type: 'x', code: null } }, undefined, new Headers(headers));

/** A `send` that fails with each error in turn, then answers 'done'; it records when each attempt was sent. */
function scripted(...errors: Error[]) {
  const sent: number[] = [];
  const send = async (sentAt: number) => {
    sent.push(sentAt);
    const error = errors[sent.length - 1];
    if (error) throw error;
    return 'done';
  };
  return { send, sent };
}

const rules = (overrides: Partial<PaidAttemptRules<string>> = {}): PaidAttemptRules<string> => ({
  maxRetries: 2, fastServerErrorMs: 5_000, repeatNeverSent: true, deadline: Date.now() + 60_000, ...overrides,
});

describe('the window', () => {
  test('a wait that would end past the deadline is not started: the last answer stands, nothing was done', async () => {
    const { send, sent } = scripted(answered(429, { 'retry-after-ms': '400' }));
    const started = Date.now();
    expect(await sendPaid(send, rules({ deadline: Date.now() + 200 }))).toMatchObject({ ok: false, failure: { kind: 'rate_limited' }, mayBeDone: false });
    expect(sent).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(400);
  });

  test('a wait that ends inside the window is waited, and the repeat is sent', async () => {
    const { send, sent } = scripted(answered(429, { 'retry-after-ms': '50' }));
    expect(await sendPaid(send, rules({ deadline: Date.now() + 10_000 }))).toMatchObject({ ok: true, value: 'done', found: false });
    expect(sent).toHaveLength(2);
    expect(sent[1]! - sent[0]!).toBeGreaterThanOrEqual(45);
  });
});

describe('a repeat window', () => {
  test('a first attempt takes whatever is left, a repeat needs repeatWindowMs left after its wait', async () => {
    const { send, sent } = scripted(answered(503), answered(503));
    const started = Date.now();
    expect(await sendPaid(send, rules({ deadline: Date.now() + 1_000, repeatWindowMs: 2_000 }))).toMatchObject({ ok: false, failure: { kind: 'server_error' }, mayBeDone: false });
    expect(sent).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  test('with the window left, the repeat is sent', async () => {
    const { send, sent } = scripted(answered(503));
    expect(await sendPaid(send, rules({ deadline: Date.now() + 10_000, repeatWindowMs: 2_000 }))).toMatchObject({ ok: true, value: 'done' });
    expect(sent).toHaveLength(2);
  });

  test('with the window gone by the time a wait ends, nothing more is sent', async () => {
    // A 429 that asks for 300 ms: at 1.5 s left, the repeat would start with 1.2 s, under the 1.3 s window.
    const { send, sent } = scripted(answered(429, { 'retry-after-ms': '300' }));
    expect(await sendPaid(send, rules({ deadline: Date.now() + 1_500, repeatWindowMs: 1_300 }))).toMatchObject({ ok: false, failure: { kind: 'rate_limited' }, mayBeDone: false });
    expect(sent).toHaveLength(1);
  });
});

describe('a stop', () => {
  test('during a wait ends it at once: nothing more is sent, and the answer that came says nothing was done', async () => {
    const { send, sent } = scripted(answered(429, { 'retry-after-ms': '20000' }));
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 50);
    const started = Date.now();
    expect(await sendPaid(send, rules({ signal: stop.signal }))).toMatchObject({ ok: false, failure: { kind: 'rate_limited' }, mayBeDone: false });
    expect(sent).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  test('before the first attempt sends nothing', async () => {
    const { send, sent } = scripted();
    expect(await sendPaid(send, rules({ signal: AbortSignal.abort() }))).toMatchObject({ ok: false, failure: { kind: 'cut_off' }, mayBeDone: false });
    expect(sent).toHaveLength(0);
  });
});

describe('a lookup', () => {
  /** A lookup answering `answer`, recording the send time it was asked about. */
  function lookup(answer: Lookup<string>) {
    const asked: number[] = [];
    return { asked, lookup: async (sentAt: number) => { asked.push(sentAt); return answer; } };
  }

  test('that finds the work after a quick 5xx gives it back, and nothing is sent again', async () => {
    const { send, sent } = scripted(answered(502));
    const l = lookup({ found: 'made by the first attempt' });
    expect(await sendPaid(send, rules({ lookup: l.lookup }))).toEqual({ ok: true, value: 'made by the first attempt', found: true, sentAt: sent[0] });
    expect(sent).toHaveLength(1);
    expect(l.asked).toEqual(sent);
  });

  test('that finds nothing after a quick 5xx lets the request be repeated', async () => {
    const { send, sent } = scripted(answered(503));
    const l = lookup('absent');
    expect(await sendPaid(send, rules({ lookup: l.lookup }))).toMatchObject({ ok: true, value: 'done', found: false });
    expect(sent).toHaveLength(2);
  });

  test('that cannot tell after a quick 5xx stops: the work may exist', async () => {
    const { send, sent } = scripted(answered(503));
    expect(await sendPaid(send, rules({ lookup: lookup('unknown').lookup }))).toMatchObject({ ok: false, failure: { kind: 'server_error' }, mayBeDone: true });
    expect(sent).toHaveLength(1);
  });

  test('that finds nothing after a lost answer: paid work is reported as possibly done, free work is sent again at once', async () => {
    const paid = scripted(new APIConnectionTimeoutError());
    expect(await sendPaid(paid.send, rules({ lookup: lookup('absent').lookup }))).toMatchObject({ ok: false, failure: { kind: 'timeout' }, mayBeDone: true });
    expect(paid.sent).toHaveLength(1);
    const free = scripted(new APIConnectionTimeoutError());
    expect(await sendPaid(free.send, rules({ lookup: lookup('absent').lookup, freeToRepeat: true }))).toMatchObject({ ok: true, value: 'done' });
    expect(free.sent).toHaveLength(2);
    expect(free.sent[1]! - free.sent[0]!).toBeLessThan(1_000);
  });

  test('is not asked after an answer that says nothing was done (a 429, a 400)', async () => {
    for (const error of [answered(429, { 'retry-after-ms': '10' }), answered(400)]) {
      const l = lookup({ found: 'never' });
      const { send } = scripted(error);
      expect(await sendPaid(send, rules({ lookup: l.lookup }))).not.toMatchObject({ found: true });
      expect(l.asked).toEqual([]);
    }
  });
});
