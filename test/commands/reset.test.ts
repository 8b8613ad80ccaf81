import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BotHarness, TEST_CHANNEL_IDS } from '../support/botHarness.ts';

let h: BotHarness;
beforeAll(async () => { h = await BotHarness.start(); });
afterAll(async () => { await h?.close(); });

const MANAGE_MESSAGES = 1n << 13n;
const SEND_MESSAGES = 1n << 11n;
const turns = (channelId: string) => h.bot.ctx.db.prepare('SELECT COUNT(*) FROM turns WHERE channel_id = ?').pluck().get(channelId);

describe('/reset', () => {
  test('forgets this channel only, so the next ask starts fresh', async () => {
    const [here, there] = [TEST_CHANNEL_IDS[35]!, TEST_CHANNEL_IDS[36]!];
    await h.settled(h.command('ask', { prompt: 'remember me' }, { channelId: here }));
    await h.settled(h.command('ask', { prompt: 'remember me too' }, { channelId: there }));
    const reset = h.command('reset', {}, { channelId: here, permissions: String(MANAGE_MESSAGES | SEND_MESSAGES) });
    await h.settled(reset);
    expect(reset.callbacks[0]?.type).toBe(4);
    expect((reset.callbacks[0]?.data as { content: string }).content).toMatch(/forgot this channel's conversation \(2 messages\)/);
    expect(turns(here)).toBe(0);
    expect(turns(there)).toBe(2);
    await h.settled(h.command('ask', { prompt: 'fresh?' }, { channelId: here }));
    expect((h.openai.chat.lastRequest as { messages: unknown[] }).messages).toHaveLength(2);
  });

  test('needs Manage Messages even if the server loosened the command permission', async () => {
    const channelId = TEST_CHANNEL_IDS[37]!;
    await h.settled(h.command('ask', { prompt: 'keep me' }, { channelId }));
    const reset = h.command('reset', {}, { channelId, permissions: String(SEND_MESSAGES) });
    await h.settled(reset);
    const callback = reset.callbacks[0]!;
    expect((callback.data as { flags: number }).flags & 64).toBe(64);
    expect((callback.data as { content: string }).content).toMatch(/Manage Messages/);
    expect(turns(channelId)).toBe(2);
  });

  test('is registered with Manage Messages as its default permission', () => {
    const reset = h.discord.commands(h.bot.ctx.config.devGuildId).find((c) => c.name === 'reset');
    expect(reset?.default_member_permissions).toBe(String(MANAGE_MESSAGES));
  });

  test('in a thread, only the thread is forgotten', async () => {
    const thread = '200000000000000002';
    await h.settled(h.command('ask', { prompt: 'in the thread' }, { channelId: thread }));
    expect(turns(thread)).toBe(2);
    await h.settled(h.command('reset', {}, { channelId: thread, permissions: String(MANAGE_MESSAGES) }));
    expect(turns(thread)).toBe(0);
  });
});
