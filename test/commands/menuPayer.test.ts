import { PermissionFlagsBits } from 'discord.js';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { BotHarness, TEST_CHANNEL_IDS, VIP_ROLE_ID } from '../support/botHarness.ts';
import { DEFAULT_GUILD_ID } from '../support/fakeDiscord.ts';

/** The Translate menu on another member's message: the one who runs it pays, under their own roles, never the message's author. */
const ADMIN_PERMISSIONS = String(PermissionFlagsBits.ManageGuild | PermissionFlagsBits.SendMessages | PermissionFlagsBits.ViewChannel);
const NO_AI_ROLE = VIP_ROLE_ID;

let h: BotHarness;
beforeAll(async () => {
  h = await BotHarness.start();
  await h.settled(h.command('budget', { role: NO_AI_ROLE, amount: '0', period: 'day' }, { subcommand: 'set-role', permissions: ADMIN_PERMISSIONS }));
});
afterAll(async () => { await h?.close(); });
beforeEach(() => { h.openai.reset(); });

const ledgerRows = (userId: string) => h.bot.ctx.db.prepare('SELECT command, state FROM ledger WHERE user_id = ?').all(userId);
let seq = 0;
const person = () => ({ id: `55000000000000${String(++seq).padStart(4, '0')}`, username: `person${seq}` });
const translateMenu = (clicker: { id: string; username: string }, clickerRoles: string[], author: { id: string; username: string }, authorRoles: string[], channelId: string) =>
  h.discord.sendInteraction({
    kind: 'messageContextMenu', commandName: 'Translate', guildId: DEFAULT_GUILD_ID, channelId, locale: 'zh-TW', user: clicker, member: { roles: clickerRoles },
    targetMessage: { author, member: { roles: authorRoles }, content: 'Good morning, everyone' },
  });

describe('Translate menu on someone else\'s message', () => {
  test('the clicker pays, not the author, even when the author may spend nothing', async () => {
    const [clicker, author] = [person(), person()];
    h.openai.chat.enqueue({ text: 'SOURCE: English | en\n---\n大家早安' });
    const i = translateMenu(clicker, [], author, [NO_AI_ROLE], TEST_CHANNEL_IDS[0]!);
    await h.settled(i);
    expect(i.transcript().join('\n')).toContain('大家早安');
    expect(ledgerRows(clicker.id)).toEqual([{ command: 'translate', state: 'settled' }]);
    expect(ledgerRows(author.id)).toEqual([]);
  });

  test('a clicker in a $0 role is refused, whoever wrote the message', async () => {
    const [clicker, author] = [person(), person()];
    h.openai.chat.enqueue({ text: 'SOURCE: English | en\n---\n大家早安' });
    const i = translateMenu(clicker, [NO_AI_ROLE], author, [], TEST_CHANNEL_IDS[1]!);
    await h.settled(i);
    // Told why, in their own language, naming their role's limit.
    expect(i.transcript().join('\n')).toContain(`<@&${NO_AI_ROLE}> 身分組的額度`);
    expect(h.openai.chat.requests).toEqual([]);
    expect(ledgerRows(clicker.id)).toEqual([]);
    expect(ledgerRows(author.id)).toEqual([]);
  });
});
