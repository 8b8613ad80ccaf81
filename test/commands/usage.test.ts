import { PermissionFlagsBits } from 'discord.js';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { BotHarness, GLOBAL_COMMANDS, MOD_ROLE_ID, VIP_ROLE_ID } from '../support/botHarness.ts';
import { DEFAULT_GUILD_ID, type FakeInteraction, type FakeInteractionSpec } from '../support/fakeDiscord.ts';

let clock = Date.parse('2027-01-15T10:00:00Z');
let h: BotHarness;
// The bot-wide default ($0.50 a day) applies in DMs and in a server that sets no default.
beforeAll(async () => { h = await BotHarness.start({ env: { ...GLOBAL_COMMANDS, DEFAULT_BUDGET_USD: '0.50' }, now: () => clock }); });
afterAll(async () => { await h?.close(); });
beforeEach(() => {
  h.openai.reset();
  h.bot.ctx.db.exec('DELETE FROM budget_limits; DELETE FROM budget_exempt_roles; DELETE FROM budget_audit; DELETE FROM guild_settings');
});

/** 1,000 prompt + 1,000 output tokens of gpt-4o-mini: $0.00015 + $0.0006. */
const SMALL_CALL = { prompt_tokens: 1000, completion_tokens: 1000 };
/** Close to the worst case of a short /ask (4,096 output tokens): 50 × $0.15 + 4,096 × $0.60 per 1M = $0.002466. */
const FULL_CALL = { prompt_tokens: 50, completion_tokens: 4096 };
const tag = (iso: string) => `<t:${Date.parse(iso) / 1000}:R>`;

let userSeq = 0;
function newMember(name: string) {
  const user = { id: `5300000000000${String(++userSeq).padStart(5, '0')}`, username: `${name}${userSeq}` };
  h.discord.state.upsertUser(user);
  return user;
}
type User = ReturnType<typeof newMember>;

async function run(spec: FakeInteractionSpec): Promise<FakeInteraction> {
  const i = h.discord.sendInteraction(spec);
  await h.settled(i);
  return i;
}
const admin = (subcommand: string, options: FakeInteractionSpec['options']) =>
  run({ commandName: 'budget', guildId: DEFAULT_GUILD_ID, subcommand, options, permissions: String(PermissionFlagsBits.ManageGuild) });
/** A DM interaction: no guild id and no guild channel. */
const where = (inDm: boolean): Partial<FakeInteractionSpec> => (inDm ? {} : { guildId: DEFAULT_GUILD_ID });
const ask = (user: User, { roles = [] as string[], inDm = false } = {}) =>
  run({ commandName: 'ask', options: { prompt: 'Hello?', private: true }, user, member: { roles }, ...where(inDm) });
async function usage(user: User, { roles = [] as string[], inDm = false, locale = 'en-US' } = {}): Promise<string> {
  const i = await run({ commandName: 'usage', user, member: { roles }, locale, ...where(inDm) });
  // Deferred (privately) first, then the text, with its chart when something was spent, edited in.
  expect(((i.callbacks[0]!.data as { flags: number }).flags) & 64).toBe(64);
  expect(i.originalEdits.at(-1)!.body.allowed_mentions).toEqual({ parse: [] });
  return i.original()!.content;
}

describe('/usage in a server', () => {
  test('shows spend this period, the limit and its source, what is left, the reset, the server cap and spend by command', async () => {
    clock = Date.parse('2027-01-15T10:00:00Z');
    const amy = newMember('amy');
    await admin('set-user', { user: amy.id, amount: '1', period: 'day' });
    await admin('set-server', { amount: '20', period: 'month' });
    h.openai.chat.setDefault({ text: 'ok', usage: SMALL_CALL });
    await ask(amy);
    await ask(amy);
    expect(await usage(amy)).toBe([
      '**Your spending in this server** (time zone: UTC)',
      'Spent today: **$0.0015** of **$1.00 a day** (your own limit).',
      `Left: **$0.9985** · resets ${tag('2027-01-16T00:00:00Z')}`,
      `Server cap: **$0.0015** of **$20.00 a month** used by everyone · resets ${tag('2027-02-01T00:00:00Z')}`,
      'By command today: `/ask` $0.0015 (2 calls)',
    ].join('\n'));
  });

  const sources: [string, [string, Record<string, string | boolean>][], string[], string][] = [
    ['the bot default', [], [], "Spent today: **$0.00** of **$0.50 a day** (the bot's default)."],
    ['the server default', [['set-default', { amount: '2', period: 'day' }]], [], "Spent today: **$0.00** of **$2.00 a day** (the server's default)."],
    ['a role', [['set-default', { amount: '2', period: 'day' }], ['set-role', { role: MOD_ROLE_ID, amount: '3', period: 'week' }]], [MOD_ROLE_ID],
      `Spent this week: **$0.00** of **$3.00 a week** (from the role <@&${MOD_ROLE_ID}>).`],
    ['an exempt role', [['set-default', { amount: '2', period: 'day' }], ['exempt', { role: VIP_ROLE_ID, exempt: true }]], [VIP_ROLE_ID],
      `You are exempt from personal limits (role <@&${VIP_ROLE_ID}>). Spent this month: **$0.00**.`],
    ['a blocking default', [['set-default', { amount: '0', period: 'day' }]], [],
      "Your limit is **$0.00 a day (blocked)** (the server's default): paid commands are blocked for you. Ask a server admin if this is a mistake."],
  ];
  test.each(sources)('says where the limit comes from: %s', async (_name, setup, roles, expected) => {
    clock = Date.parse('2027-02-10T10:00:00Z');
    for (const [subcommand, options] of setup) await admin(subcommand, options);
    expect((await usage(newMember('src'), { roles })).split('\n')[1]).toBe(expected);
  });

  test('when the server cap leaves less than the member\'s own limit, what is left follows the cap', async () => {
    clock = Date.parse('2027-02-10T10:00:00Z'); // a month nobody in this file spends in
    await admin('set-server', { amount: '0.0005', period: 'month' });
    expect((await usage(newMember('capped'))).split('\n')[2]).toBe(`Left: **$0.0005** (the server cap is the tighter limit) · resets ${tag('2027-03-01T00:00:00Z')}`);
  });

  test('speaks Traditional Chinese to a zh-TW member', async () => {
    clock = Date.parse('2027-02-10T10:00:00Z');
    const text = await usage(newMember('zh'), { locale: 'zh-TW' });
    expect(text.split('\n').slice(0, 2)).toEqual(['**你在本伺服器的花費**（時區：UTC）', '今天已用：**$0.00**，額度 **每日 $0.50**（機器人的預設額度）。']);
  });
});

describe('/usage in direct messages', () => {
  test('the bot-wide default applies, and DM spend is kept apart from the server\'s', async () => {
    clock = Date.parse('2027-03-05T10:00:00Z');
    const dan = newMember('dan');
    await admin('set-default', { amount: '2', period: 'day' }); // a server setting: no effect in DMs
    h.openai.chat.setDefault({ text: 'ok', usage: SMALL_CALL });
    expect((await ask(dan, { inDm: true })).transcript()).toEqual(['ok']);
    expect(await usage(dan, { inDm: true })).toBe([
      '**Your spending in direct messages** (time zone: UTC)',
      "Spent today: **$0.00075** of **$0.50 a day** (the bot's default for direct messages).",
      `Left: **$0.49925** · resets ${tag('2027-03-06T00:00:00Z')}`,
      'By command today: `/ask` $0.00075 (1 call)',
    ].join('\n'));
    expect((await usage(dan)).split('\n').slice(1, 2)).toEqual(["Spent today: **$0.00** of **$2.00 a day** (the server's default)."]);
  });
});

describe('periods', () => {
  test('a daily limit rolls over at midnight UTC (injected clock)', async () => {
    clock = Date.parse('2027-04-20T23:59:00Z');
    const rob = newMember('rob');
    await admin('set-user', { user: rob.id, amount: '0.004', period: 'day' });
    h.openai.chat.setDefault({ text: 'ok', usage: FULL_CALL });
    expect((await ask(rob)).transcript()).toEqual(['ok']);
    clock = Date.parse('2027-04-20T23:59:59Z');
    const refused = (await ask(rob)).transcript()[0]!;
    expect(refused).toMatch(/^You have used \$0\.002466 of your own limit \(\$0\.004 a day\), and this request could cost up to \$0\.00\d+\./);
    expect(refused).toContain(`It resets ${tag('2027-04-21T00:00:00Z')}.`);
    expect(h.openai.chat.requests).toHaveLength(1);
    expect((await usage(rob)).split('\n')[1]).toBe('Spent today: **$0.002466** of **$0.004 a day** (your own limit).');

    clock = Date.parse('2027-04-21T00:00:00Z');
    expect((await usage(rob)).split('\n').slice(1, 3)).toEqual(['Spent today: **$0.00** of **$0.004 a day** (your own limit).', `Left: **$0.004** · resets ${tag('2027-04-22T00:00:00Z')}`]);
    expect((await ask(rob)).transcript()).toEqual(['ok']);
  });

  test('in Asia/Taipei the day ends at 16:00 UTC, while it is still the same UTC day', async () => {
    clock = Date.parse('2027-05-10T15:59:00Z'); // 23:59 in Taipei
    const tai = newMember('tai');
    await admin('timezone', { zone: 'Asia/Taipei' });
    await admin('set-user', { user: tai.id, amount: '0.004', period: 'day' });
    h.openai.chat.setDefault({ text: 'ok', usage: FULL_CALL });
    expect((await ask(tai)).transcript()).toEqual(['ok']);
    clock = Date.parse('2027-05-10T15:59:30Z');
    expect((await ask(tai)).transcript()[0]).toContain(`It resets ${tag('2027-05-10T16:00:00Z')}.`);

    clock = Date.parse('2027-05-10T16:00:00Z'); // midnight in Taipei; still 10 May in UTC
    expect((await usage(tai)).split('\n').slice(0, 3)).toEqual([
      '**Your spending in this server** (time zone: Asia/Taipei)',
      'Spent today: **$0.00** of **$0.004 a day** (your own limit).',
      `Left: **$0.004** · resets ${tag('2027-05-11T16:00:00Z')}`,
    ]);
    expect((await ask(tai)).transcript()).toEqual(['ok']);
    expect(h.openai.chat.requests).toHaveLength(2);
  });
});
