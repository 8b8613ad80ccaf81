import { expect, test } from 'vitest';
import type { RESTOptions } from 'discord.js';
import { rollingGlobalLimit } from '../../../src/services/discord/globalLimit.ts';

type RequestInit = Parameters<RESTOptions['makeRequest']>[1];

test('bot-token requests are spaced over a rolling window, in order; webhook requests are not held', async () => {
  const sent: { url: string; at: number }[] = [];
  const limited = rollingGlobalLimit(async (url) => {
    sent.push({ url, at: performance.now() });
    return new Response(null, { status: 204 }) as never;
  });
  const bot = { headers: { Authorization: 'Bot abc' } } as RequestInit;
  const start = performance.now();
  const calls = Array.from({ length: 60 }, (_, n) => limited(`bot/${n}`, bot));
  const webhook = limited('webhook', { headers: {} } as RequestInit);
  await webhook;
  expect(sent.find((s) => s.url === 'webhook')!.at - start).toBeLessThan(100);
  await Promise.all(calls);
  const botSent = sent.filter((s) => s.url.startsWith('bot/'));
  expect(botSent.map((s) => s.url)).toEqual(Array.from({ length: 60 }, (_, n) => `bot/${n}`));
  for (const [i, s] of botSent.entries()) {
    const inWindow = botSent.filter((o) => o.at > s.at - 1000 && o.at <= s.at).length;
    expect(inWindow, `request ${i}`).toBeLessThan(50);
  }
  expect(botSent.at(-1)!.at - start).toBeGreaterThan(1000);
});
