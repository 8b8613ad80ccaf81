import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { BotHarness, TEST_CHANNEL_IDS } from '../support/botHarness.ts';

let h: BotHarness;
beforeAll(async () => { h = await BotHarness.start(); });
afterAll(async () => { await h?.close(); });

const APOLOGY = 'Sorry, something went wrong on my side. The error was logged; please try again.';
const MANAGE_MESSAGES = String(1n << 13n);

/** Makes one service method throw once, as an unexpected bug would. */
function breakOnce<T extends object>(target: T, method: keyof T & string): void {
  const original = (target[method] as (...args: unknown[]) => unknown).bind(target);
  (target as Record<string, unknown>)[method] = () => {
    (target as Record<string, unknown>)[method] = original;
    throw new Error('simulated bug: disk on fire');
  };
}

describe('the dispatcher safety net', () => {
  test('an error before any reply: an ephemeral apology, logged with context', async () => {
    breakOnce(h.bot.ctx.services.history, 'reset');
    const i = h.command('reset', {}, { channelId: TEST_CHANNEL_IDS[38], permissions: MANAGE_MESSAGES });
    await h.settled(i);
    expect(i.callbacks[0]).toMatchObject({ type: 4, ok: true });
    expect(i.callbacks[0]!.data).toMatchObject({ content: APOLOGY, flags: 64 });
    const logged = h.logs().find((l) => l.msg === 'command failed');
    expect(logged).toMatchObject({ level: 50, command: 'reset', interactionId: i.id, userId: i.user.id, guildId: i.guildId });
    expect(String((logged!.err as { message: string }).message)).toContain('disk on fire');
  });

  test('an error after the defer: the deferred reply becomes the apology', async () => {
    breakOnce(h.bot.ctx.services.ask, 'answer');
    const i = h.command('ask', { prompt: 'hello' }, { channelId: TEST_CHANNEL_IDS[39] });
    await h.settled(i);
    expect(i.callbacks[0]?.type).toBe(5);
    expect(i.transcript()).toEqual([APOLOGY]);
  });

  test('the bot keeps working afterwards', async () => {
    h.openai.chat.enqueue({ text: 'Fine again.' });
    const i = h.command('ask', { prompt: 'still there?' }, { channelId: TEST_CHANNEL_IDS[39] });
    await h.settled(i);
    expect(i.transcript()).toEqual(['Fine again.']);
  });

  test('a command the bot does not have gets a clear reply, not silence', async () => {
    // Registered by an earlier version of the bot: Discord keeps offering it until the bot replaces its commands.
    h.discord.keepCommand({ name: 'gone', description: 'a command this version no longer has' }, h.bot.ctx.config.devGuildId);
    const i = h.discord.sendInteraction({ guildId: h.bot.ctx.config.devGuildId, commandName: 'gone' });
    await h.settled(i);
    expect((i.callbacks[0]?.data as { content: string }).content).toMatch(/not available any more/);
  });
});

describe('an interaction that reaches the bot late', () => {
  test('is still answered, and the operator is warned how late it was (past half of the 3 s deadline)', async () => {
    const realNow = Date.now.bind(Date);
    const i = h.command('usage', {}, { channelId: TEST_CHANNEL_IDS[37] });
    // The bot reads its clock when the interaction arrives, after this: 2 s after the id's own time.
    const clock = vi.spyOn(Date, 'now').mockImplementation(() => realNow() + 2_000);
    try {
      await h.settled(i);
    } finally {
      clock.mockRestore();
    }
    expect(i.callbacks[0]?.ok).toBe(true);
    const warned = h.logs().find((l) => l.msg === 'interaction reached the bot late; Discord drops it after 3 s' && l.interactionId === i.id);
    expect(warned?.lateMs).toBeGreaterThanOrEqual(1_900);
  });
});

describe('buttons', () => {
  test('a button is routed by the command name before the colon in its custom_id; an unknown one gets a plain ephemeral reply', async () => {
    const carrier = h.discord.sendMessage({ channelId: TEST_CHANNEL_IDS[38], content: 'an old message with buttons' });
    const unknown = h.discord.sendInteraction({ kind: 'button', customId: 'no-such-command:go', messageId: carrier.id, channelId: carrier.channel_id });
    await h.settled(unknown);
    expect(unknown.callbacks[0]).toMatchObject({ type: 4, ok: true });
    expect(unknown.callbacks[0]!.data).toMatchObject({ content: expect.stringContaining('not available any more'), flags: 64 });
    // /reset posts no buttons: a click on a `reset:` id is refused the same way, never run as the command.
    const notButtons = h.discord.sendInteraction({ kind: 'button', customId: 'reset:x', messageId: carrier.id, channelId: carrier.channel_id });
    await h.settled(notButtons);
    expect(notButtons.callbacks[0]!.data).toMatchObject({ content: expect.stringContaining('not available any more') });
  });
});
