import { PermissionFlagsBits } from 'discord.js';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { BudgetStore } from '../../src/db/budgetLimits.ts';
import { LedgerStore } from '../../src/db/ledger.ts';
import { Ledger } from '../../src/services/budget/ledger.ts';
import { formatUsd } from '../../src/services/pricing/index.ts';
import { BotHarness, TEST_GUILD } from '../support/botHarness.ts';
import { DEFAULT_OWNER_ID, type FakeGuildSpec, type FakeInteraction, type FakeInteractionSpec } from '../support/fakeDiscord.ts';

const guild = (n: number, name: string): FakeGuildSpec => ({ id: `91000000000000000${n}`, name, channels: [{ id: `92000000000000000${n}`, name: 'general' }] });
const STRANGER = guild(1, "Stranger's Server");
const LATECOMER = guild(2, 'Joined Later');
const SECOND = guild(3, 'Second Server');
const ADMIN = { id: '560000000000000001', username: 'admin' };
const content = (i: FakeInteraction) => i.transcript().join('\n');

async function run(h: BotHarness, spec: FakeInteractionSpec): Promise<FakeInteraction> {
  const i = h.discord.sendInteraction(spec);
  await h.settled(i);
  return i;
}
const operator = (h: BotHarness, subcommand: string, options: Record<string, string> = {}, spec: Partial<FakeInteractionSpec> = {}) =>
  run(h, { commandName: 'operator', subcommand, options, user: { id: DEFAULT_OWNER_ID, username: 'owner' }, ...spec });

describe('an allow-list (ALLOWED_GUILD_IDS)', () => {
  let h: BotHarness;
  beforeAll(async () => {
    h = await BotHarness.start({ env: { ALLOWED_GUILD_IDS: TEST_GUILD.id, DEV_GUILD_ID: '' }, discord: { guilds: [TEST_GUILD, STRANGER] } });
  });
  afterAll(async () => { await h?.close(); });

  test('the bot leaves a server joined while it was offline, at start-up, and logs its name and id', async () => {
    expect(h.discord.requests.some((r) => r.method === 'DELETE' && r.path.endsWith(`/users/@me/guilds/${STRANGER.id}`))).toBe(true);
    expect(h.discord.requests.some((r) => r.method === 'DELETE' && r.path.endsWith(`/users/@me/guilds/${TEST_GUILD.id}`))).toBe(false);
    expect(h.logs().some((l) => l.guildId === STRANGER.id && l.guildName === STRANGER.name && String(l.msg).includes('allow-list'))).toBe(true);
  });

  test('a server that invites it while it runs is left at once; /operator allow admits the next one', async () => {
    h.discord.joinGuild(LATECOMER);
    await h.discord.waitForRequest((r) => r.method === 'DELETE' && r.path.endsWith(`/users/@me/guilds/${LATECOMER.id}`));
    const allowed = await operator(h, 'allow', { server: SECOND.id });
    expect(content(allowed)).toContain(`Server \`${SECOND.id}\` is now on the allow-list`);
    h.discord.joinGuild(SECOND);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(h.discord.requests.some((r) => r.method === 'DELETE' && r.path.endsWith(`/users/@me/guilds/${SECOND.id}`))).toBe(false);
    expect(h.bot.client.guilds.cache.has(SECOND.id)).toBe(true);
  });
});

describe('/operator', () => {
  let h: BotHarness;
  const clock = Date.parse('2027-04-10T10:00:00Z');
  beforeAll(async () => {
    h = await BotHarness.start({
      env: { DEV_GUILD_ID: '', BOT_LIMIT_USD: '1.00', MEMBER_LIMIT_USD: '0.50', SERVER_LIMIT_USD: '0.80' },
      discord: { guilds: [TEST_GUILD, SECOND] },
      now: () => clock,
    });
  });
  afterAll(async () => { await h?.close(); });

  test('is refused to everyone but the owner, a server admin included, privately', async () => {
    for (const spec of [{ user: ADMIN, guildId: TEST_GUILD.id, permissions: String(PermissionFlagsBits.Administrator) }, { user: ADMIN }]) {
      const i = await operator(h, 'status', {}, spec);
      expect(content(i)).toBe("`/operator` is only for the bot's host (the owner of its Discord application).");
      expect(i.ephemeral).toBe(true);
    }
    const zh = await operator(h, 'server-limit', { server: SECOND.id, amount: 'unlimited' }, { user: ADMIN, locale: 'zh-TW' });
    expect(content(zh)).toContain('只限機器人的架設者');
    expect(h.bot.ctx.services.ledger.serverCeiling(SECOND.id)).toMatchObject({ amountMicros: 800_000 });
  });

  test("status shows the ledger's figures: total, by server with ceilings, top members, each limit", async () => {
    const { ledger } = h.bot.ctx.services;
    const pay = (guildId: string | null, userId: string, micros: number) => {
      const r = ledger.reserve({ guildId, userId, roleIds: [], channelId: null }, { command: 'ask', model: 'gpt-4o-mini', worstCaseMicros: micros });
      if (r.ok) ledger.settle(r.reservation, { chargedMicros: micros });
      return r.ok;
    };
    expect(pay(TEST_GUILD.id, '570000000000000001', 300_000)).toBe(true);
    expect(pay(SECOND.id, '570000000000000002', 200_000)).toBe(true);
    expect(pay(null, '570000000000000001', 100_000)).toBe(true);
    const i = await operator(h, 'status'); // in a DM with the bot
    const text = content(i);
    const total = h.bot.ctx.db.prepare("SELECT SUM(charged_micros) FROM ledger WHERE state = 'settled'").pluck().get() as number;
    expect(text).toContain(`Total: **${formatUsd(total)}** of **$1.00 a day** (BOT_LIMIT_USD) · **${formatUsd(1_000_000 - total)}** left`);
    expect(text).toContain('Each person across servers and DMs: $0.50 a day (MEMBER_LIMIT_USD) · each server: $0.80 a day');
    expect(text).toContain(`- Test Server (\`${TEST_GUILD.id}\`): $0.30 · ceiling $0.80 a day`);
    expect(text).toContain(`- Second Server (\`${SECOND.id}\`): $0.20 · ceiling $0.80 a day`);
    expect(text).toContain('- Direct messages: $0.10');
    expect(text.indexOf('<@570000000000000001>: $0.40')).toBeLessThan(text.indexOf('<@570000000000000002>: $0.20'));
    expect(text).toContain('Calls that cost more than reserved today: **0**');
  });

  test('status counts the calls a stopped process left in flight, charged as reserved; the member\'s /usage names them', async () => {
    const { db, services } = h.bot.ctx;
    const gone = new Ledger(new LedgerStore(db), new BudgetStore(db), null, () => clock); // a process that died: it holds no lease
    const payer = { guildId: null, userId: '570000000000000009', roleIds: [], channelId: null };
    expect(gone.reserve(payer, { command: 'imagine', model: 'gpt-image-1', worstCaseMicros: 20_000 }).ok).toBe(true);
    expect(content(await operator(h, 'status'))).not.toContain('charged as reserved');
    expect(services.ledger.chargeOrphans()).toBe(1);
    expect(content(await operator(h, 'status'))).toContain('Calls cut off by a bot stop or crash today, charged as reserved: **1** ($0.02)');
    expect(content(await operator(h, 'status', {}, { locale: 'zh-TW' }))).toContain('今天因機器人停止或當機而中斷、按預留金額收費的呼叫：**1**（$0.02）');
    const usage = content(await run(h, { commandName: 'usage', user: { id: payer.userId, username: 'm9' }, locale: 'ja' }));
    expect(usage).toContain('`/imagine` $0.02（1 回、うち 1 回は中断：予約額で請求）');
    expect(usage).toContain('予約額（その呼び出しで最大限かかり得る金額）で請求しました');
  });

  test("server-limit changes one server's ceiling, which then refuses its members with plain words", async () => {
    const set = await operator(h, 'server-limit', { server: SECOND.id, amount: '0.201', period: 'week' });
    expect(content(set)).toBe(`Ceiling for server \`${SECOND.id}\` (Second Server): **$0.201 a week** (UTC periods).`);
    h.openai.chat.setDefault({ text: 'Answered.' });
    const ask = await run(h, { commandName: 'ask', guildId: SECOND.id, options: { prompt: 'Hi', private: true }, user: { id: '570000000000000003', username: 'm3' } });
    expect(ask.transcript()[0]).toMatch(/^This server has used \$0\.20 of the most the bot's host lets this server spend \(\$0\.201 a week\).*server admins cannot raise it\.$/);
    const back = await operator(h, 'server-limit', { server: SECOND.id, amount: 'default' });
    expect(content(back)).toContain('back to the default ceiling: $0.80 a day');
    const bad = await operator(h, 'server-limit', { server: 'abc', amount: '1' });
    expect(content(bad)).toBe('`abc` is not a server ID (17 to 20 digits). Nothing was changed.');
  });

  test('leave makes the bot leave a server', async () => {
    const i = await operator(h, 'leave', { server: SECOND.id });
    expect(content(i)).toBe(`Left server \`${SECOND.id}\` (Second Server). It can no longer use the bot.`);
    expect(h.discord.requests.some((r) => r.method === 'DELETE' && r.path.endsWith(`/users/@me/guilds/${SECOND.id}`))).toBe(true);
    expect(content(await operator(h, 'leave', { server: SECOND.id }))).toContain('is not in server');
  });

  test('leave works for a server this process does not hold (with several shards, another one serves it)', async () => {
    const other = guild(4, 'On Another Shard');
    h.discord.joinGuild(other);
    await new Promise((resolve) => setTimeout(resolve, 200));
    h.bot.client.guilds.cache.delete(other.id); // as in a shard that never received it
    const i = await operator(h, 'leave', { server: other.id });
    expect(content(i)).toBe(`Left server \`${other.id}\`. It can no longer use the bot.`);
    expect(h.discord.requests.some((r) => r.method === 'DELETE' && r.path.endsWith(`/users/@me/guilds/${other.id}`) && r.status === 204)).toBe(true);
  });

  test("/usage lists the operator's limits that apply to a member, with what is left of each", async () => {
    const member = { id: '570000000000000001', username: 'm1' }; // spent $0.30 here and $0.10 in DMs above
    const i = await run(h, { commandName: 'usage', guildId: TEST_GUILD.id, user: member });
    const text = content(i);
    expect(text).toContain("**Limits set by the bot's host** (UTC; server admins can't raise these):");
    expect(text).toMatch(/- This server, all members together: \*\*\$0\.30\*\* of \*\*\$0\.80 a day\*\* used, \*\*\$0\.50\*\* left/);
    expect(text).toMatch(/- You, across all servers and DMs: \*\*\$0\.40\*\* of \*\*\$0\.50 a day\*\* used, \*\*\$0\.10\*\* left/);
    expect(text).toMatch(/- The whole bot, everyone together: \*\*\$0\.\d+\*\* of \*\*\$1\.00 a day\*\* used/);
    const zh = await run(h, { commandName: 'usage', user: member, locale: 'zh-TW' });
    expect(content(zh)).toContain('你在所有伺服器與私訊合計：已用 **$0.40**，額度 **每日 $0.50**，剩餘 **$0.10**');
    expect(content(zh)).not.toContain('本伺服器全體成員合計'); // no server ceiling in DMs
  });

  test('allow without an allow-list in use says so and stores nothing', async () => {
    expect(content(await operator(h, 'allow', { server: LATECOMER.id }))).toContain('No allow-list is in use');
    expect(h.bot.ctx.db.prepare('SELECT COUNT(*) FROM allowed_guilds').pluck().get()).toBe(0);
  });
});

describe("the owner hears about the bot's limit", () => {
  const harnesses: BotHarness[] = [];
  afterEach(async () => { for (const h of harnesses.splice(0)) await h.close(); });

  test.each([
    ['a user', undefined, DEFAULT_OWNER_ID],
    ['a team (its owner)', { team: { id: '480000000000000000', ownerUserId: '480000000000000001', memberIds: ['480000000000000001', '480000000000000002'] } }, '480000000000000001'],
  ])('owned by %s: a DM at 80 % and at 100 %, once each', async (_, applicationOwner, ownerId) => {
    const h = await BotHarness.start({ env: { BOT_LIMIT_USD: '1.00' }, discord: { applicationOwner, users: undefined } as never });
    harnesses.push(h);
    h.discord.state.upsertUser({ id: ownerId, username: 'boss' });
    const { ledger } = h.bot.ctx.services;
    const pay = (micros: number) => {
      const r = ledger.reserve({ guildId: TEST_GUILD.id, userId: '570000000000000009', roleIds: [], channelId: null }, { command: 'ask', model: 'gpt-4o-mini', worstCaseMicros: micros });
      if (r.ok) ledger.settle(r.reservation, { chargedMicros: micros });
    };
    const dms = () => h.discord.channelMessages(h.discord.dmChannelId(ownerId)).map((m) => m.content);
    pay(700_000);
    pay(150_000);
    await h.discord.waitForRequest((r) => r.method === 'POST' && r.path.endsWith(`/channels/${h.discord.dmChannelId(ownerId)}/messages`));
    pay(149_000);
    h.openai.chat.setDefault({ text: 'Answered.' });
    const refused = h.command('ask', { prompt: 'Hi', private: true }, { user: { id: '570000000000000010', username: 'm10' } });
    await h.settled(refused);
    expect(refused.transcript()[0]).toContain("The bot has (everyone together) used $0.999 of the bot's total limit for everyone ($1.00 a day)");
    const deadline = Date.now() + 5000;
    while (dms().length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(dms()).toHaveLength(2);
    expect(dms()[0]).toMatch(/^⚠️ The bot has spent \*\*\$0\.85\*\* of its limit of \*\*\$1\.00 a day\*\* \(80 %\)/);
    expect(dms()[0]).toContain('機器人本期已花費');
    expect(dms()[1]).toMatch(/^🛑 The bot has reached its limit of \*\*\$1\.00 a day\*\*/);
  });
});

describe("a stranger's server without an allow-list", () => {
  let h: BotHarness;
  const THIRD = guild(4, 'Third Server');
  beforeAll(async () => {
    h = await BotHarness.start({
      env: { DEV_GUILD_ID: '', BOT_LIMIT_USD: '0.03', SERVER_LIMIT_USD: '0.0125', OPENAI_MAX_RETRIES: '0' },
      discord: { guilds: [TEST_GUILD, SECOND, THIRD] },
    });
  });
  afterAll(async () => { await h?.close(); });

  test('a server whose admin lifted every limit stops at its ceiling, and the bot at BOT_LIMIT_USD, under 50 concurrent asks', async () => {
    // The stranger is admin of their own server and gives every member a huge default.
    const stranger = { id: '580000000000000001', username: 'stranger' };
    const set = await run(h, { commandName: 'budget', subcommand: 'set-default', guildId: SECOND.id, user: stranger, options: { amount: '1000000', period: 'day' }, permissions: String(PermissionFlagsBits.ManageGuild) });
    expect(content(set)).toContain('$1,000,000.00 a day');
    expect(content(set)).not.toContain('Note:'); // MEMBER_LIMIT_USD is unlimited here
    const cap = await run(h, { commandName: 'budget', subcommand: 'set-server', guildId: SECOND.id, user: stranger, options: { amount: '1000000', period: 'day' }, permissions: String(PermissionFlagsBits.ManageGuild) });
    expect(content(cap)).toContain("Note: the bot's host lets this server spend at most $0.0125 a day; spending stops there first.");

    h.openai.chat.setDefault({ text: 'Answered.', delayMs: 100, usage: { prompt_tokens: 40, completion_tokens: 4096 } });
    const db = h.bot.ctx.db;
    const committed = (where: string) => db.prepare(`SELECT COALESCE(SUM(charged_micros), 0) FROM ledger WHERE state != 'released' ${where}`).pluck().get() as number;
    const peak = { bot: 0, second: 0 };
    const sampler = setInterval(() => {
      peak.bot = Math.max(peak.bot, committed(''));
      peak.second = Math.max(peak.second, committed(`AND guild_id = '${SECOND.id}'`));
    }, 2);
    const user = (n: number) => ({ id: `5810000000000${String(n).padStart(5, '0')}`, username: `asker${n}` });
    const burst = Array.from({ length: 50 }, (_, n) => {
      const where = n % 5 < 2 ? { guildId: SECOND.id } : n % 5 === 2 ? { guildId: THIRD.id } : n % 5 === 3 ? { guildId: TEST_GUILD.id } : {};
      return h.discord.sendInteraction({ commandName: 'ask', options: { prompt: 'What is a token?', private: true }, user: user(n), ...where });
    });
    await Promise.all(burst.map((i) => h.settled(i, 20_000)));
    clearInterval(sampler);
    const answers = burst.map((i) => i.transcript()[0] ?? '');
    const answered = answers.filter((a) => a === 'Answered.').length;
    expect(answered).toBeGreaterThanOrEqual(10);
    expect(answers.filter((a) => a.includes("the most the bot's host lets this server spend")).length).toBeGreaterThan(0);
    expect(answers.filter((a) => a.includes("the bot's total limit for everyone")).length).toBeGreaterThan(0);
    // Every refusal says who set the limit: in a server, that its admins can't raise it; in a DM (every fifth ask), only the bot's host.
    const inDm = (n: number) => n % 5 === 4;
    expect(answered + answers.filter((a, n) => a.includes(inDm(n) ? "This limit is set by the bot's host." : 'server admins cannot raise it')).length).toBe(50);
    expect(answers.filter((a, n) => inDm(n) && a.includes('server admin'))).toEqual([]);
    expect(peak.bot).toBeLessThanOrEqual(30_000);
    expect(peak.second).toBeLessThanOrEqual(12_500);
    expect(committed('')).toBeLessThanOrEqual(30_000);
    expect(db.prepare("SELECT COUNT(*) FROM ledger WHERE state = 'reserved'").pluck().get()).toBe(0);
  }, 30_000);
});
