import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ACKNOWLEDGE_FIRST_MAX_WAIT_MS } from '../../src/services/discord/acknowledgeFirst.ts';
import { BotHarness, TEST_CHANNEL_IDS } from '../support/botHarness.ts';

let h: BotHarness;
beforeAll(async () => { h = await BotHarness.start(); });
afterAll(async () => { await h?.close(); });

/** How late the fake acknowledges the last interaction of the burst: long against a loopback round trip, short of the bot's cap. */
const SLOW_ACK_MS = 150;

describe('a burst of interactions: every one is acknowledged before any answer work', () => {
  test('no OpenAI call starts while an interaction delivered with it still waits for its "thinking…"', async () => {
    const channels = TEST_CHANNEL_IDS.slice(0, 3);
    for (const _ of channels) h.openai.chat.enqueue({ text: 'Answered.' });
    const before = h.openai.requests.length;
    const burst = channels.map((channelId) => h.command('ask', { prompt: `from ${channelId}` }, { channelId }));
    h.discord.slowDown({ match: (r) => r.method === 'POST' && r.path === `/interactions/${burst.at(-1)!.id}/${burst.at(-1)!.token}/callback`, ms: SLOW_ACK_MS });
    for (const i of burst) await h.settled(i);
    await h.settled();

    const lastAcknowledgedAt = burst.at(-1)!.callbackAt! + SLOW_ACK_MS;
    // Or the bot stopped waiting for it: 250 ms after it arrived, which is after the fake sent it (on a loaded machine
    // its callback can reach the fake late enough for that to come first).
    const waitedUntil = Math.min(lastAcknowledgedAt, burst.at(-1)!.receivedAt + ACKNOWLEDGE_FIRST_MAX_WAIT_MS);
    const chats = h.openai.requests.slice(before).filter((r) => r.path === '/v1/chat/completions');
    expect(chats).toHaveLength(channels.length);
    // Without the rule, the first two answers start at once, SLOW_ACK_MS before the last member sees "thinking…".
    for (const chat of chats) expect(chat.at).toBeGreaterThanOrEqual(waitedUntil - 5);
    expect(burst.map((i) => i.transcript())).toEqual(channels.map(() => ['Answered.']));
  });
});
