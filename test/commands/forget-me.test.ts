import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { GLOBAL_COMMANDS, BotHarness, TEST_CHANNEL_IDS } from '../support/botHarness.ts';
import type { FakeInteraction } from '../support/fakeDiscord.ts';

let h: BotHarness;
beforeAll(async () => { h = await BotHarness.start({ env: GLOBAL_COMMANDS }); });
afterAll(async () => { await h?.close(); });

const alice = { id: '510000000000000001', username: 'alice' };
const bob = { id: '510000000000000002', username: 'bob' };
const [here, there] = [TEST_CHANNEL_IDS[10]!, TEST_CHANNEL_IDS[11]!];

const sql = (query: string, ...args: unknown[]) => h.bot.ctx.db.prepare(query).all(...args);
const contents = (channelId: string) => h.bot.ctx.db.prepare('SELECT content FROM turns WHERE channel_id = ? ORDER BY id').pluck().all(channelId);
const ledgerOf = (userId: string) => sql('SELECT command, model, charged_micros, input_tokens, output_tokens FROM ledger WHERE user_id = ? ORDER BY id', userId);
const reply = (ia: FakeInteraction) => ia.callbacks[0]!.data as { content: string; flags?: number; components?: { components: { custom_id: string; label: string }[] }[] };

async function ask(user: typeof alice, prompt: string, spec: { channelId?: string; dm?: boolean }): Promise<string> {
  const ia = h.command('ask', { prompt }, spec.dm ? { guildId: undefined, user } : { channelId: spec.channelId, user });
  await h.settled(ia);
  return ia.channelId;
}

/** Runs /forget-me, then clicks one of the buttons on its ephemeral reply (as the same member). */
async function forgetMe(user: typeof alice, click: 'confirm' | 'cancel' | null, spec: { channelId?: string; locale?: string } = {}) {
  const command = h.command('forget-me', {}, { user, channelId: spec.channelId ?? here, locale: spec.locale });
  await h.settled(command);
  if (!click) return { command, button: undefined };
  const button = h.discord.sendInteraction({ kind: 'button', customId: `forget-me:${click}`, messageId: command.original()!.id, channelId: command.channelId, user, locale: spec.locale });
  await h.settled(button);
  return { command, button };
}

describe('/forget-me', () => {
  test('asks first; Cancel keeps everything; Delete removes the caller\'s questions and the answers to them everywhere, and nothing else', async () => {
    await ask(alice, 'alice here 1', { channelId: here });
    await ask(bob, 'bob here', { channelId: here });
    await ask(alice, 'alice here 2', { channelId: here });
    await ask(alice, 'alice there', { channelId: there });
    const dm = await ask(alice, 'alice in a DM', { dm: true });
    const ledgerBefore = ledgerOf(alice.id);
    expect(ledgerBefore).toHaveLength(4);

    const cancelled = await forgetMe(alice, 'cancel');
    const question = reply(cancelled.command);
    expect(question.flags! & 64).toBe(64);
    expect(question.content).toContain('deletes the **4** questions of yours');
    expect(question.components?.[0]?.components.map((b) => [b.custom_id, b.label])).toEqual([['forget-me:confirm', 'Delete'], ['forget-me:cancel', 'Cancel']]);
    expect(cancelled.button!.callbacks[0]?.type).toBe(7);
    expect(cancelled.command.original()).toMatchObject({ content: 'Cancelled: nothing was deleted.', components: [] });
    expect(contents(here)).toHaveLength(6);

    const confirmed = await forgetMe(alice, 'confirm', { channelId: there });
    expect(confirmed.command.original()).toMatchObject({
      content: 'Deleted 8 messages: 4 questions of yours and 4 answers to them. The bot keeps no conversation history of yours now.', components: [],
    });
    expect(contents(here)).toEqual(['bob here', expect.any(String)]);
    expect(contents(there)).toEqual([]);
    expect(contents(dm)).toEqual([]);
    expect(sql('SELECT COUNT(*) AS n FROM turns WHERE author_id = ?', alice.id)).toEqual([{ n: 0 }]);
    // The ledger keeps amounts and ids, never text: untouched, so limits still apply.
    expect(ledgerOf(alice.id)).toEqual(ledgerBefore);
    expect(ledgerBefore.every((row) => Object.values(row as object).every((v) => typeof v === 'number' || ['ask', 'gpt-4o-mini'].includes(v as string)))).toBe(true);

    // Bob's exchange is whole: his next ask sees his question and its answer, nothing of alice.
    await ask(bob, 'what was said?', { channelId: here });
    const sent = (h.openai.chat.lastRequest as { messages: { role: string; content: string }[] }).messages;
    expect(sent.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(JSON.stringify(sent)).not.toContain('alice here');
  });

  test('a member with nothing stored is told so, without buttons', async () => {
    const { command } = await forgetMe({ id: '510000000000000003', username: 'carol' }, null);
    expect(reply(command)).toMatchObject({ content: expect.stringContaining('no conversation history of yours'), flags: 64 });
    expect(reply(command).components ?? []).toEqual([]);
  });

  test('works in a DM, in Traditional Chinese', async () => {
    const dave = { id: '510000000000000004', username: 'dave' };
    const dm = await ask(dave, '你好', { dm: true });
    const command = h.command('forget-me', {}, { guildId: undefined, user: dave, locale: 'zh-TW' });
    await h.settled(command);
    expect(reply(command).content).toContain('你的 **1** 則提問');
    expect(reply(command).components?.[0]?.components.map((b) => b.label)).toEqual(['刪除', '取消']);
    const button = h.discord.sendInteraction({ kind: 'button', customId: 'forget-me:confirm', messageId: command.original()!.id, channelId: dm, user: dave, locale: 'zh-TW' });
    await h.settled(button);
    expect(command.original()?.content).toBe('已刪除 2 則訊息：你的 1 則提問與 1 則回答。機器人已不再保存你的對話紀錄。');
    expect(contents(dm)).toEqual([]);
  });

  test('is registered for servers and DMs, with a zh-TW description and no default permission', () => {
    const registered = h.discord.commands().find((c) => c.name === 'forget-me');
    expect(registered?.contexts).toEqual([0, 1, 2]);
    expect(registered?.description_localizations?.['zh-TW']).toMatch(/對話紀錄/);
    expect(registered?.default_member_permissions ?? null).toBeNull();
  });
});
