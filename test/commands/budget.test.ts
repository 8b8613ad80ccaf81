import { PermissionFlagsBits } from 'discord.js';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { periodWindow } from '../../src/services/budget/periods.ts';
import { BotHarness, MOD_ROLE_ID, VIP_ROLE_ID } from '../support/botHarness.ts';
import { DEFAULT_GUILD_ID, type FakeInteraction, type FakeInteractionSpec } from '../support/fakeDiscord.ts';

let clock = Date.parse('2026-11-27T10:00:00Z');
let h: BotHarness;
// A bot-wide default of $5 a day, so `show` has a fallback to report while no server default is set.
beforeAll(async () => { h = await BotHarness.start({ env: { DEFAULT_BUDGET_USD: '5' }, now: () => clock }); });
afterAll(async () => { await h?.close(); });
beforeEach(() => {
  h.openai.reset();
  // Limits are per server, so every test starts from a server with none (spend stays: each test has its own members).
  h.bot.ctx.db.exec('DELETE FROM budget_limits; DELETE FROM budget_exempt_roles; DELETE FROM budget_audit; DELETE FROM guild_settings');
});

const ADMIN = { id: '510000000000000001', username: 'admin' };
const ADMIN_PERMISSIONS = String(PermissionFlagsBits.ManageGuild | PermissionFlagsBits.SendMessages | PermissionFlagsBits.ViewChannel);
let userSeq = 0;
/** A member of the test server nobody else uses (user options resolve only known users). */
function newMember(name: string) {
  const user = { id: `5200000000000${String(++userSeq).padStart(5, '0')}`, username: `${name}${userSeq}` };
  h.discord.state.upsertUser(user);
  return user;
}

async function budget(subcommand: string, options: FakeInteractionSpec['options'] = {}, spec: Partial<FakeInteractionSpec> = {}): Promise<FakeInteraction> {
  const i = h.command('budget', options, { subcommand, user: ADMIN, permissions: ADMIN_PERMISSIONS, ...spec });
  await h.settled(i);
  return i;
}
type ReplyData = { content: string; flags?: number; allowed_mentions?: unknown };
/** What the member sees first: the callback's message, or for a deferred reply (show, with its chart) the edit that followed. */
function reply(i: FakeInteraction): ReplyData {
  const data = i.callbacks[0]!.data as ReplyData;
  if (!i.deferred) return data;
  return { content: i.original()!.content, flags: data.flags, allowed_mentions: i.originalEdits.at(-1)!.body.allowed_mentions };
}
const text = (i: FakeInteraction) => [reply(i).content, ...i.followUps.map((m) => m.content)].join('\n');
const isEphemeral = (i: FakeInteraction) => ((reply(i).flags ?? 0) & 64) === 64;
const limits = () => h.bot.ctx.db.prepare('SELECT scope, target_id AS targetId, period, amount_micros AS micros FROM budget_limits ORDER BY scope, target_id').all();
const auditRows = () => h.bot.ctx.db.prepare('SELECT actor_id AS actor, action, scope, target_id AS target, old_value AS old, new_value AS new FROM budget_audit ORDER BY id').all();
const resetTag = (period: 'day' | 'week' | 'month', zone = 'UTC') => `<t:${periodWindow(period, clock, zone).end / 1000}:R>`;

async function ask(user: { id: string; username: string }, roles: string[] = []): Promise<FakeInteraction> {
  const i = h.command('ask', { prompt: 'Hello?', private: true }, { user, member: { roles } });
  await h.settled(i);
  return i;
}

describe('/budget permissions', () => {
  test('is registered for servers only, with Manage Server as its default permission', () => {
    const registered = h.discord.commands(DEFAULT_GUILD_ID).find((c) => c.name === 'budget')!;
    expect(registered.default_member_permissions).toBe(String(PermissionFlagsBits.ManageGuild));
    expect(registered.contexts).toEqual([0]);
    expect(registered.options!.map((o) => o.name)).toEqual(['set-user', 'set-role', 'set-default', 'set-server', 'clear', 'exempt', 'show', 'top', 'history', 'timezone']);
  });

  test.each([
    ['show', {}],
    ['set-default', { amount: '100', period: 'day' }],
    ['history', {}],
  ])('a member without Manage Server is refused %s even though the server let the interaction through', async (subcommand, options) => {
    const i = await budget(subcommand, options, { user: newMember('sneaky'), permissions: String(PermissionFlagsBits.SendMessages | PermissionFlagsBits.ViewChannel) });
    expect(isEphemeral(i)).toBe(true);
    expect(reply(i).content).toBe('You need the **Manage Server** permission to view or change spending limits.');
    expect(limits()).toEqual([]);
    expect(auditRows()).toEqual([]);
  });
});

describe('/budget changes', () => {
  test('set-user, set-role, set-default and set-server say exactly what changed, and write one audit row per change', async () => {
    const alice = newMember('alice');
    const steps: [string, Record<string, string>, string][] = [
      ['set-user', { user: alice.id, amount: '0.5', period: 'day' }, `Limit for <@${alice.id}>: none → $0.50 a day.`],
      ['set-user', { user: alice.id, amount: '$2', period: 'day' }, `Limit for <@${alice.id}>: $0.50 → $2.00 a day.`],
      ['set-user', { user: alice.id, amount: '1.25', period: 'week' }, `Limit for <@${alice.id}>: $2.00 a day → $1.25 a week.`],
      ['set-user', { user: alice.id, amount: ' $1.250 ', period: 'week' }, `Limit for <@${alice.id}> is already $1.25 a week; nothing changed.`],
      ['set-role', { role: MOD_ROLE_ID, amount: '5', period: 'day' }, `Limit for each member with <@&${MOD_ROLE_ID}>: none → $5.00 a day.`],
      ['set-default', { amount: '0', period: 'day' }, 'Server default (each member): none → $0.00 a day (blocked).'],
      ['set-server', { amount: '20', period: 'month' }, 'Server cap (all members together): none → $20.00 a month.'],
    ];
    for (const [subcommand, options, expected] of steps) {
      const i = await budget(subcommand, options);
      expect(reply(i).content, subcommand).toBe(expected);
      expect(isEphemeral(i)).toBe(true);
      expect(reply(i).allowed_mentions).toEqual({ parse: [] });
    }
    expect(limits()).toEqual([
      { scope: 'default', targetId: '', period: 'day', micros: 0 },
      { scope: 'role', targetId: MOD_ROLE_ID, period: 'day', micros: 5_000_000 },
      { scope: 'server', targetId: '', period: 'month', micros: 20_000_000 },
      { scope: 'user', targetId: alice.id, period: 'week', micros: 1_250_000 },
    ]);
    expect(auditRows()).toEqual([
      { actor: ADMIN.id, action: 'set', scope: 'user', target: alice.id, old: null, new: '500000/day' },
      { actor: ADMIN.id, action: 'set', scope: 'user', target: alice.id, old: '500000/day', new: '2000000/day' },
      { actor: ADMIN.id, action: 'set', scope: 'user', target: alice.id, old: '2000000/day', new: '1250000/week' },
      { actor: ADMIN.id, action: 'set', scope: 'role', target: MOD_ROLE_ID, old: null, new: '5000000/day' },
      { actor: ADMIN.id, action: 'set', scope: 'default', target: '', old: null, new: '0/day' },
      { actor: ADMIN.id, action: 'set', scope: 'server', target: '', old: null, new: '20000000/month' },
    ]);
  });

  const badAmounts: [string, RegExp][] = [
    ['-1', /must not be negative/],
    ['abc', /`abc` is not a dollar amount/],
    ['0.0000001', /at most 6 decimal places/],
    ['99999999', /at most \$1,000,000/],
  ];
  test.each(badAmounts)('amount %s gets a clear ephemeral error from every setter and changes nothing', async (amount, reason) => {
    const bob = newMember('bob');
    await budget('set-default', { amount: '1', period: 'day' });
    const setters: [string, Record<string, string>][] = [['set-user', { user: bob.id }], ['set-role', { role: MOD_ROLE_ID }], ['set-default', {}], ['set-server', {}]];
    for (const [subcommand, target] of setters) {
      const i = await budget(subcommand, { ...target, amount, period: 'week' });
      expect(isEphemeral(i), subcommand).toBe(true);
      expect(reply(i).content, subcommand).toMatch(reason);
      expect(reply(i).content, subcommand).toMatch(/Nothing was changed\.$/);
    }
    expect(limits()).toEqual([{ scope: 'default', targetId: '', period: 'day', micros: 1_000_000 }]);
    expect(auditRows()).toHaveLength(1);
  });

  test('a bad amount is explained in Traditional Chinese to a zh-TW admin', async () => {
    const i = await budget('set-default', { amount: '-1', period: 'day' }, { locale: 'zh-TW' });
    expect(reply(i).content).toBe('無法使用金額 `-1`：金額不能是負數。 沒有做任何變更。');
  });

  test('@everyone cannot get a role limit or be exempt: the reply points to set-default', async () => {
    expect(reply(await budget('set-role', { role: DEFAULT_GUILD_ID, amount: '1', period: 'day' })).content).toMatch(/use `\/budget set-default`/);
    expect(reply(await budget('exempt', { role: DEFAULT_GUILD_ID, exempt: true })).content).toMatch(/can't be made exempt/);
    expect(limits()).toEqual([]);
  });

  test('clear removes each kind of limit, says what it was, and tells when there was nothing to clear', async () => {
    const carol = newMember('carol');
    await budget('set-user', { user: carol.id, amount: '1', period: 'day' });
    await budget('set-role', { role: MOD_ROLE_ID, amount: '2', period: 'week' });
    await budget('set-default', { amount: '0.25', period: 'day' });
    await budget('set-server', { amount: '30', period: 'month' });
    const cases: [Record<string, string>, string][] = [
      [{ target: 'user', user: carol.id }, `Limit for <@${carol.id}>: $1.00 a day → none.`],
      [{ target: 'role', role: MOD_ROLE_ID }, `Limit for each member with <@&${MOD_ROLE_ID}>: $2.00 a week → none.`],
      [{ target: 'default' }, 'Server default (each member): $0.25 a day → none.'],
      [{ target: 'server' }, 'Server cap (all members together): $30.00 a month → none.'],
      [{ target: 'server' }, 'Server cap (all members together): none was set, so nothing changed.'],
      [{ target: 'user' }, 'Choose the member whose limit to clear (the `user` option). Nothing was changed.'],
    ];
    for (const [options, expected] of cases) expect(reply(await budget('clear', options)).content).toBe(expected);
    expect(limits()).toEqual([]);
    expect(auditRows().filter((r) => (r as { action: string }).action === 'clear')).toHaveLength(4);
  });
});

describe('/budget effects on /ask', () => {
  test('0 blocks; an exempt role frees its members until the exemption is lifted; no model call for a refusal', async () => {
    const [plain, vip] = [newMember('plain'), newMember('vip')];
    await budget('set-default', { amount: '0', period: 'day' });
    const blocked = await ask(plain);
    expect(blocked.transcript()).toEqual(["You can't use paid commands right now: the server's default limit is set to $0. Ask a server admin if this is a mistake."]);
    expect(h.openai.chat.requests).toHaveLength(0);

    expect(reply(await budget('exempt', { role: VIP_ROLE_ID, exempt: true })).content).toBe(
      `Role <@&${VIP_ROLE_ID}> exempt: no → yes. Its members have no personal limit (the server cap still applies).`);
    expect((await ask(vip, [VIP_ROLE_ID])).transcript()[0]).toMatch(/^You said: /);
    expect((await ask(plain)).transcript()[0]).toMatch(/set to \$0/);
    expect(h.openai.chat.requests).toHaveLength(1);

    await budget('exempt', { role: VIP_ROLE_ID, exempt: false });
    expect((await ask(vip, [VIP_ROLE_ID])).transcript()[0]).toMatch(/set to \$0/);
    expect(h.openai.chat.requests).toHaveLength(1);
  });

  test("a member's own limit wins over an exempt role; the server cap applies to everyone", async () => {
    const own = newMember('own');
    await budget('exempt', { role: VIP_ROLE_ID, exempt: true });
    await budget('set-user', { user: own.id, amount: '0', period: 'day' });
    expect((await ask(own, [VIP_ROLE_ID])).transcript()[0]).toMatch(/your own limit is set to \$0/);
    await budget('clear', { target: 'user', user: own.id });
    await budget('set-server', { amount: '0', period: 'month' });
    expect((await ask(own, [VIP_ROLE_ID])).transcript()[0]).toMatch(/the server's total cap is set to \$0/);
    expect(h.openai.chat.requests).toHaveLength(0);
  });
});

describe('/budget views', () => {
  test('show lists every limit with spend and reset times, the exempt roles, the time zone and the bot default', async () => {
    clock = Date.parse('2026-11-27T10:00:00Z');
    const dave = newMember('dave');
    await budget('set-user', { user: dave.id, amount: '2', period: 'day' });
    await budget('set-role', { role: MOD_ROLE_ID, amount: '1.25', period: 'week' });
    await budget('set-server', { amount: '20', period: 'month' });
    await budget('exempt', { role: VIP_ROLE_ID, exempt: true });
    h.openai.chat.setDefault({ text: 'ok', usage: { prompt_tokens: 1000, completion_tokens: 1000 } });
    await ask(dave); // 1,000 × $0.15 + 1,000 × $0.60 per 1M tokens = $0.00075

    const i = await budget('show');
    expect(isEphemeral(i)).toBe(true);
    expect(reply(i).allowed_mentions).toEqual({ parse: [] });
    const lines = text(i).split('\n');
    expect(lines[0]).toBe('**Spending limits in this server** (time zone: UTC)');
    // The cap counts the whole server's month, including other tests' spend.
    expect(lines.find((line) => line.startsWith('**Server cap**'))).toMatch(/^\*\*Server cap\*\* \(all members together\): \$20\.00 a month — \$0\.\d+ spent, resets <t:\d+:R>$/);
    expect(lines.find((line) => line.startsWith('**Server cap**'))).toContain(resetTag('month'));
    expect(lines).toContain(`**Default** (each member): none set, so the bot's default applies: $5.00 a day — resets ${resetTag('day')}`);
    expect(lines).toContain(`• <@&${MOD_ROLE_ID}>: $1.25 a week — resets ${resetTag('week')}`);
    expect(lines).toContain(`**Exempt roles** (no personal limit): <@&${VIP_ROLE_ID}>`);
    expect(lines).toContain(`• <@${dave.id}>: $2.00 a day — $0.00075 spent, resets ${resetTag('day')}`);

    await budget('set-default', { amount: '0.5', period: 'day' });
    await budget('timezone', { zone: 'Asia/Taipei' });
    const after = text(await budget('show'));
    expect(after).toContain('(time zone: Asia/Taipei)');
    expect(after).toContain(`**Default** (each member): $0.50 a day — resets ${resetTag('day', 'Asia/Taipei')}`);
    expect(after).not.toContain("bot's default");
  });

  test('top lists the biggest spenders of a period, in order, visible to the channel but pinging nobody', async () => {
    clock = Date.parse('2026-12-02T09:00:00Z'); // a day no other test spends on
    const [erin, frank] = [newMember('erin'), newMember('frank')];
    expect(reply(await budget('top', { period: 'day' })).content).toBe('Nobody has spent anything today yet.');
    h.openai.chat.setDefault({ text: 'ok', usage: { prompt_tokens: 1000, completion_tokens: 1000 } });
    await ask(frank);
    await ask(erin);
    await ask(erin);
    const i = await budget('top', { period: 'day' });
    expect(reply(i).content).toBe(`**Top spenders today**\n1. <@${erin.id}> — $0.0015\n2. <@${frank.id}> — $0.00075`);
    expect(isEphemeral(i)).toBe(false);
    expect(reply(i).allowed_mentions).toEqual({ parse: [] });
    expect(reply(await budget('top', {}, { locale: 'zh-TW' })).content).toMatch(/^\*\*本月花費最多的成員\*\*\n1\. /);
  });

  test('history shows who changed what, old → new, newest first', async () => {
    const gina = newMember('gina');
    await budget('set-user', { user: gina.id, amount: '0.5', period: 'day' });
    await budget('set-user', { user: gina.id, amount: '2', period: 'day' });
    await budget('exempt', { role: VIP_ROLE_ID, exempt: true });
    await budget('clear', { target: 'user', user: gina.id });
    await budget('timezone', { zone: 'Asia/Taipei' });
    const i = await budget('history');
    expect(isEphemeral(i)).toBe(true);
    const entries = text(i).split('\n');
    expect(entries[0]).toBe('**Budget changes, newest first** (last 5):');
    expect(entries.slice(1).map((line) => line.replace(/^<t:\d+:f> · /, ''))).toEqual([
      `<@${ADMIN.id}> · Time zone: UTC → Asia/Taipei`,
      `<@${ADMIN.id}> · Limit for <@${gina.id}>: $2.00 a day → none`,
      `<@${ADMIN.id}> · Role <@&${VIP_ROLE_ID}> exempt: no → yes`,
      `<@${ADMIN.id}> · Limit for <@${gina.id}>: $0.50 → $2.00 a day`,
      `<@${ADMIN.id}> · Limit for <@${gina.id}>: none → $0.50 a day`,
    ]);
  });

  test('history says when nothing has changed yet', async () => {
    expect(reply(await budget('history')).content).toBe('No spending limits have been changed in this server yet.');
  });
});

describe('/budget timezone', () => {
  test('accepts an IANA name in any case, refuses an unknown one, and audits the change', async () => {
    expect(reply(await budget('timezone', { zone: 'Mars/Olympus_Mons' })).content).toMatch(/^`Mars\/Olympus_Mons` is not a time zone I know\..*Nothing was changed\.$/);
    expect(reply(await budget('timezone', { zone: 'asia/taipei' })).content).toMatch(/^Time zone of spending periods: UTC → Asia\/Taipei\./);
    expect(reply(await budget('timezone', { zone: 'Asia/Taipei' })).content).toBe('The time zone is already Asia/Taipei; nothing changed.');
    expect(auditRows()).toEqual([{ actor: ADMIN.id, action: 'timezone', scope: 'guild', target: '', old: 'UTC', new: 'Asia/Taipei' }]);
  });

  test('autocomplete suggests time zone names', async () => {
    const i = h.command('budget', { zone: 'taip' }, { kind: 'autocomplete', subcommand: 'timezone', focused: 'zone', permissions: ADMIN_PERMISSIONS });
    await i.waitFor((x) => x.autocompleteChoices !== undefined);
    expect(i.autocompleteChoices).toEqual([{ name: 'Asia/Taipei', value: 'Asia/Taipei' }]);
  });
});
