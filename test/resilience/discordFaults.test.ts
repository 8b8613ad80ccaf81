import { afterEach, describe, expect, test } from 'vitest';
import { BotHarness, TEST_CHANNEL_IDS } from '../support/botHarness.ts';
import type { FakeDiscord, FakeInteraction } from '../support/fakeDiscord.ts';
import type { RestFault } from '../support/fakeDiscordFaults.ts';

let harness: BotHarness | undefined;
afterEach(async () => { await harness?.close(); harness = undefined; });

/** An answer streamed in `n` pieces about 120 ms apart, so it is still streaming while a fault happens. */
function slowAnswer(word: string, n = 12) {
  return { text: Array.from({ length: n }, () => word).join(' '), chunks: Array.from({ length: n }, (_, i) => (i === 0 ? word : ` ${word}`)), chunkDelayMs: 120 };
}
const whole = (word: string, n = 12) => Array.from({ length: n }, () => word).join(' ');
const finished = (i: FakeInteraction, text: string) => i.waitFor((x) => x.transcript()[0] === text, 15_000, `"${text.slice(0, 20)}…"`);

describe('gateway faults: the bot reconnects, and every interaction it can still answer gets its answer', () => {
  const faults: { name: string; fault: (d: FakeDiscord) => void; resumes: boolean }[] = [
    { name: 'closed with 4000 (resumable)', fault: (d) => d.closeGateway(4000), resumes: true },
    { name: 'closed with 4009 session timed out (a new session)', fault: (d) => d.closeGateway(4009), resumes: false },
    { name: 'op 7 reconnect', fault: (d) => d.requestReconnect(), resumes: true },
    { name: 'op 9 invalid session, resumable', fault: (d) => d.invalidateSession(true), resumes: true },
    { name: 'op 9 invalid session, not resumable', fault: (d) => d.invalidateSession(false), resumes: false },
  ];

  test.each(faults)('$name', async ({ fault, resumes }) => {
    harness = await BotHarness.start();
    const { discord, openai } = harness;
    const identifies = discord.gateway.identifies.length;
    openai.chat.enqueue(slowAnswer('before'));
    openai.chat.enqueue(slowAnswer('during', 3));
    const inProgress = harness.command('ask', { prompt: 'asked before the fault' }, { channelId: TEST_CHANNEL_IDS[0] });
    await inProgress.waitFor((x) => (x.original()?.content ?? '').startsWith('before'), 5000, 'the first words');

    const reconnected = discord.waitForReconnect();
    fault(discord);
    // A resumable session gets what Discord sent while it was away (replayed on RESUME); a dropped one does not,
    // so the next question there is asked once the bot is back.
    if (!resumes) await reconnected;
    const during = harness.command('ask', { prompt: 'asked right after the fault' }, { channelId: TEST_CHANNEL_IDS[1] });
    await reconnected;

    await finished(inProgress, whole('before'));
    await finished(during, whole('during', 3));
    expect((await during.callback()).status).toBe(204);
    expect(discord.gateway.identifies.length - identifies).toBe(resumes ? 0 : 1);
  }, 30_000);
});

describe('REST faults: discord.js waits out 429s and retries 5xx, and the member gets the answer', () => {
  const onOriginal = (method: string) => (r: { method: string; route?: string; path: string }) =>
    r.method === method && r.route === '/webhooks/:app/:token/messages/:message' && /\/(@|%40)original$/.test(r.path);
  const faults: { name: string; fault: RestFault; waitsMs: number }[] = [
    { name: '429 on the reply edit route, retry_after 1.2 s', fault: { match: onOriginal('PATCH'), status: 429, retryAfter: 1.2 }, waitsMs: 1000 },
    { name: '500 twice on the reply edit', fault: { match: onOriginal('PATCH'), status: 500, times: 2 }, waitsMs: 0 },
    { name: '502 three times on the reply edit (the last retry gets through)', fault: { match: onOriginal('PATCH'), status: 502, times: 3 }, waitsMs: 0 },
    { name: '503 on the interaction callback (the defer)', fault: { match: (r) => r.route === '/interactions/:id/:token/callback', status: 503 }, waitsMs: 0 },
  ];

  test.each(faults)('$name', async ({ fault, waitsMs }) => {
    harness = await BotHarness.start();
    harness.discord.injectRestFault(fault);
    harness.openai.chat.enqueue({ text: 'Answered despite the fault.' });
    const started = performance.now();
    const i = harness.command('ask', { prompt: 'hello' });
    await finished(i, 'Answered despite the fault.');
    expect(performance.now() - started).toBeGreaterThanOrEqual(waitsMs);
    expect(harness.discord.restFaultHits.length).toBe(fault.times ?? 1);
    expect(harness.logs().filter((l) => l.msg === 'command failed')).toEqual([]);
  }, 30_000);

  test('504 on the follow-up of a long answer: retried, both messages arrive', async () => {
    harness = await BotHarness.start();
    harness.discord.injectRestFault({ match: (r) => r.method === 'POST' && r.route === '/webhooks/:app/:token', status: 504 });
    const text = Array.from({ length: 80 }, (_, n) => `line ${n}: ${'words '.repeat(5)}`).join('\n');
    harness.openai.chat.enqueue({ text });
    const i = harness.command('ask', { prompt: 'write a lot' });
    const squeeze = (t: string) => t.replace(/\s/g, '');
    await i.waitFor((x) => x.transcript().length === 2 && squeeze(x.transcript().join('')) === squeeze(text), 15_000, 'both messages');
    expect(harness.discord.restFaultHits.map((h) => h.status)).toEqual([504]);
  }, 30_000);

  test('a global 429 on the bot token: a mention answer waits it out and is posted', async () => {
    harness = await BotHarness.start();
    const { discord } = harness;
    discord.injectRestFault({ match: (r) => r.method === 'POST' && r.route === '/channels/:channel/messages', status: 429, retryAfter: 1, global: true });
    harness.openai.chat.enqueue({ text: 'Posted after the global limit.' });
    const channelId = TEST_CHANNEL_IDS[2]!;
    const started = performance.now();
    discord.sendMessage({ channelId, content: `<@${discord.botUser.id}> hi` });
    const posted = await discord.waitForRequest((r) => r.method === 'POST' && r.route === '/channels/:channel/messages' && r.status === 200, 10_000);
    expect((posted.body as { content: string }).content).toBe('Posted after the global limit.');
    expect(performance.now() - started).toBeGreaterThanOrEqual(1000);
    expect(discord.restFaultHits.map((h) => h.status)).toEqual([429]);
  }, 30_000);

  test('an answer whose token expired during the outage is not retried for ever: one refused edit, no apology', async () => {
    harness = await BotHarness.start();
    const { discord } = harness;
    harness.openai.chat.enqueue({ text: 'Too late.', delayMs: 300 });
    discord.injectRestFault({ match: onOriginal('PATCH'), status: 503, times: 3 });
    const i = harness.command('ask', { prompt: 'hello' });
    await i.callback();
    discord.expireInteraction(i.id);
    await harness.settled(undefined, 15_000);
    const edits = discord.requests.filter((r) => onOriginal('PATCH')(r));
    // Three 5xx answers, then the retry meets the expired token (401) and nothing more is sent.
    expect(edits.map((r) => r.status)).toEqual([503, 503, 503, 401]);
    expect(discord.requests.filter((r) => r.route === '/webhooks/:app/:token')).toEqual([]);
  }, 30_000);
});
