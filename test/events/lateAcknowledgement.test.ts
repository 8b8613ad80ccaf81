/**
 * A paid command whose "thinking…" Discord refuses because it came too late (404 10062 Unknown interaction): the work
 * held back behind the acknowledgement never runs, so nothing is reserved, sent to OpenAI or charged, and the member
 * (who sees Discord's own "the application did not respond") is not spent for.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BotHarness, channelPool } from '../support/botHarness.ts';

/** The fake's acknowledgement deadline, short so that a callback slowed past it is quick to test (Discord's is 3 s). */
const ACK_DEADLINE_MS = 300;
/** How late the callback reaches the fake's route: past the deadline. */
const LATE_MS = ACK_DEADLINE_MS + 300;

let h: BotHarness;
beforeAll(async () => { h = await BotHarness.start({ discord: { ackDeadlineMs: ACK_DEADLINE_MS } }); });
afterAll(async () => { await h?.close(); });

const freshChannel = channelPool();
const ledgerRows = (channelId: string) => h.bot.ctx.db.prepare('SELECT state FROM ledger WHERE channel_id = ?').all(channelId);

describe('an acknowledgement Discord refuses as too late (10062)', () => {
  test.each([
    ['ask', { prompt: 'Too late to answer?' }],
    ['translate', { text: 'Bonsoir', to: 'English' }],
    ['imagine', { prompt: 'a lighthouse at dusk' }],
  ])('/%s: nothing reserved, sent or charged', async (command, options) => {
    const channelId = freshChannel();
    const before = h.openai.requests.length;
    const i = h.command(command, options, { channelId });
    h.discord.slowDown({ match: (r) => r.method === 'POST' && r.path === `/interactions/${i.id}/${i.token}/callback`, ms: LATE_MS });
    await h.settled(i, 10_000);
    await h.settled();
    expect(i.callbacks.map((c) => c.status)).toContain(404);
    expect(i.callbacks.every((c) => c.status === 404)).toBe(true);
    expect(h.openai.requests.slice(before)).toEqual([]);
    expect(ledgerRows(channelId)).toEqual([]);
  });
});
