import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import { BotHarness, TEST_CHANNEL_IDS } from '../../support/botHarness.ts';
import type { FakeInteraction } from '../../support/fakeDiscord.ts';

let h: BotHarness;
beforeAll(async () => { h = await BotHarness.start(); });
afterAll(async () => { await h?.close(); });
beforeEach(() => { h.openai.reset(); });

/** A long answer (needs follow-ups) that streams for about 2.5 s, so progress edits happen on the way. */
function slowLongAnswer(): void {
  const chunks = Array.from({ length: 10 }, (_, n) => `${`Part ${n}: `.padEnd(300, 'x')}\n`);
  h.openai.chat.enqueue({ text: chunks.join(''), chunks, chunkDelayMs: 250 });
}

test.each([
  ['a moderator deletes the reply (404 10008 Unknown Message)', (i: FakeInteraction) => h.discord.deleteMessage(i.channelId, i.original()!.id), 404, 10008],
  ['the interaction token expires (401 50027 Invalid Webhook Token)', (i: FakeInteraction) => h.discord.expireInteraction(i.id), 401, 50027],
])('/ask while %s: the refused edit is the last call for that answer', async (_case, cut, status, code) => {
  slowLongAnswer();
  const i = h.command('ask', { prompt: 'write a long answer' }, { channelId: TEST_CHANNEL_IDS[status === 404 ? 38 : 39] });
  await i.waitFor((x) => x.originalEdits.length >= 1, 5000, 'the first text');
  cut(i);
  const cutAt = performance.now();
  await h.settled();
  const after = i.requests.filter((r) => r.at > cutAt);
  expect(after.map((r) => [r.method, r.status, (r.response as { code?: number } | undefined)?.code])).toEqual([['PATCH', status, code]]);
  expect(i.followUps).toEqual([]); // no follow-up for the rest of the answer, no apology
  expect(h.logs().filter((l) => l.interactionId === i.id && Number(l.level) >= 50)).toEqual([]);
});
