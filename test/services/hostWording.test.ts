/**
 * Replies that say who can fix something name the one who can: the bot's host owns .env (OPENAI_API_KEY,
 * OPENAI_BASE_URL, DEFAULT_BUDGET_USD) and reads the bot's log; a server admin owns /settings and /budget.
 * In a DM nothing may point to a server admin: there is none.
 */
import { PermissionFlagsBits } from 'discord.js';
import { makeWav } from '../../src/services/audio/wav.ts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { GLOBAL_COMMANDS, BotHarness, channelPool, MOD_ROLE_ID } from '../support/botHarness.ts';
import { DEFAULT_GUILD_ID, type FakeInteraction, type FakeInteractionSpec } from '../support/fakeDiscord.ts';
import type { Refusal } from '../../src/services/budget/ledger.ts';
import { describeRefusal } from '../../src/services/budget/messages.ts';
import { loadCatalogues, type CatalogueLanguage } from '../../src/services/i18n.ts';

/** How each catalogue names a server admin (zh-TW and zh-CN also say 請管理員 / 请管理员 for one). */
const SERVER_ADMIN = /server admin|伺服器管理員|服务器管理员|サーバー管理者|請管理員|请管理员|管理員檢查|管理员检查/;

/** How a server refusal says the operator's limit is beyond its admins. */
const SERVER_ADMIN_CANT = /server admins cannot raise it|サーバー管理者は引き上げられません|服务器管理员无法调高|伺服器管理員無法調高/;

const freshChannel = channelPool();
let userSeq = 0;
const newUser = () => ({ id: `5400000000000${String(++userSeq).padStart(5, '0')}`, username: `member${userSeq}` });

async function run(h: BotHarness, spec: FakeInteractionSpec): Promise<FakeInteraction> {
  const i = h.discord.sendInteraction(spec);
  await h.settled(i);
  return i;
}
/** A server channel, or a DM (no guild id, no guild channel). */
const place = (h: BotHarness, inDm: boolean): Partial<FakeInteractionSpec> => (inDm ? {} : { guildId: DEFAULT_GUILD_ID, channelId: freshChannel() });
const ask = (h: BotHarness, locale: string, inDm: boolean) =>
  run(h, { commandName: 'ask', options: { prompt: 'Hello?' }, user: newUser(), locale, ...place(h, inDm) });

describe('a key OpenAI rejects (401 invalid_api_key)', () => {
  let h: BotHarness;
  beforeAll(async () => { h = await BotHarness.start({ env: { ...GLOBAL_COMMANDS, OPENAI_API_KEY: 'sk-fake-unknown-00', OPENAI_MAX_RETRIES: '0' } }); });
  afterAll(async () => { await h?.close(); });

  test.each([
    ['en-US', false, "The bot's OpenAI API key was rejected. The bot's host needs to check OPENAI_API_KEY."],
    ['ja', false, 'ボットの OpenAI API キーが拒否されました。ボットの運営者が OPENAI_API_KEY を確認する必要があります。'],
    ['zh-TW', true, '機器人的 OpenAI API 金鑰被拒絕，需要機器人的架設者檢查 OPENAI_API_KEY 設定。'],
  ])('in %s (DM: %s) names the bot\'s host, who owns .env', async (locale, inDm, expected) => {
    const before = h.openai.requestsTo('/v1/chat/completions').length;
    const i = await ask(h, locale, inDm);
    expect(h.openai.requestsTo('/v1/chat/completions').length).toBe(before + 1);
    expect(i.transcript()).toEqual([expected]);
    expect(i.transcript().join('\n')).not.toMatch(SERVER_ADMIN);
  });
});

describe('an account out of credit (429 insufficient_quota), and a $0 limit in a DM', () => {
  const DM_ZERO = "You can't use paid commands right now: the bot's default limit is set to $0. In direct messages only the bot's host can change this limit (DEFAULT_BUDGET_USD).";
  let h: BotHarness;
  // DMs get the host's DEFAULT_BUDGET_USD ($0: blocked); the test server sets its own default, so /ask reaches OpenAI there.
  beforeAll(async () => {
    h = await BotHarness.start({ env: { ...GLOBAL_COMMANDS, DEFAULT_BUDGET_USD: '0', MEMBER_LIMIT_USD: '1.00' } });
    await run(h, {
      commandName: 'budget', subcommand: 'set-default', options: { amount: '5', period: 'day' },
      guildId: DEFAULT_GUILD_ID, permissions: String(PermissionFlagsBits.ManageGuild),
    });
  });
  afterAll(async () => { await h?.close(); });

  test.each([
    ['en-US', "The bot's OpenAI account is out of credit, so I can't answer right now. The bot's host has been told in the bot's log; they need to add credit or check the plan at platform.openai.com."],
    ['zh-CN', '机器人的 OpenAI 账号额度已用完，暂时无法回答。已在机器人日志中通知机器人的部署者，请他们到 platform.openai.com 充值或检查套餐。'],
    ['ja', 'ボットの OpenAI アカウントのクレジットが尽きているため、今は回答できません。ボットのログでボットの運営者に通知しました。運営者が platform.openai.com でクレジットを追加するか、プランを確認する必要があります。'],
  ])('in %s says the bot\'s host was told in the log they read', async (locale, expected) => {
    h.openai.reset();
    h.openai.chat.enqueue({ error: 'insufficient_quota' });
    const i = await ask(h, locale, false);
    expect(h.openai.requestsTo('/v1/chat/completions')).toHaveLength(1);
    expect(i.transcript()).toEqual([expected]);
    expect(h.logs().some((l) => l.level === 50 && String(l.msg).includes('insufficient_quota'))).toBe(true);
  });

  test.each([
    ['en-US', "Your limit is **$0.00 a day (blocked)** (the bot's default for direct messages): paid commands are blocked for you. In direct messages only the bot's host can change this limit (DEFAULT_BUDGET_USD).",
      "**Limits set by the bot's host** (UTC):"],
    ['zh-TW', '你的額度是 **每日 $0.00（禁止使用）**（機器人在私訊中的預設額度）：你目前無法使用付費指令。私訊中的額度只有機器人的架設者能更改（DEFAULT_BUDGET_USD）。', '**機器人的架設者設定的上限**（UTC）：'],
  ])('/usage in a DM, blocked, in %s: only the bot\'s host can change it', async (locale, expected, title) => {
    const i = await run(h, { commandName: 'usage', user: newUser(), locale });
    const lines = i.original()!.content.split('\n');
    expect(lines[1]).toBe(expected);
    // MEMBER_LIMIT_USD, the host's limit across servers and DMs, is listed under a title that names only them.
    expect(lines).toContain(title);
    expect(lines.join('\n')).not.toMatch(SERVER_ADMIN);
  });

  test('/ask in a DM under a $0 limit is refused without sending, naming the bot\'s host', async () => {
    h.openai.reset();
    const i = await ask(h, 'en-US', true);
    expect(h.openai.requestsTo('/v1/chat/completions')).toHaveLength(0);
    expect(i.transcript()).toEqual([DM_ZERO]);
  });

  test('a plain DM message under a $0 limit gets the same reply', async () => {
    h.openai.reset();
    const author = newUser();
    h.discord.sendMessage({ dm: true, author, content: 'hello?' });
    const dm = h.discord.dmChannelId(author.id);
    await h.repliedIn([dm]);
    expect(h.discord.channelMessages(dm).filter((m) => m.author.id === h.discord.botUser.id).map((m) => m.content)).toEqual([DM_ZERO]);
    expect(h.openai.requestsTo('/v1/chat/completions')).toHaveLength(0);
  });

  test.each([
    ['en-US', "The model `whisper-1` is not available on this AI service. The bot's host needs to choose another model."],
    ['ja', 'モデル `whisper-1` はこの AI サービスでは使えません。ボットの運営者が別のモデルを選ぶ必要があります。'],
  ])('/transcribe when the service lacks TRANSCRIBE_MODEL (404 model_not_found), in %s: the host chose it, not an admin', async (locale, expected) => {
    h.openai.reset();
    h.openai.removeModel('whisper-1');
    const i = await run(h, {
      commandName: 'transcribe', options: { audio: { filename: 'note.wav', contentType: 'audio/wav', data: makeWav({ seconds: 1 }) } },
      user: newUser(), locale, ...place(h, false),
    });
    expect(h.openai.requestsTo('/v1/audio/transcriptions')).toHaveLength(1);
    expect(i.transcript()).toEqual([expected]);
    h.openai.reset();
  });

  test('/usage in a server, blocked by the server\'s own $0 default: a server admin can change that', async () => {
    await run(h, {
      commandName: 'budget', subcommand: 'set-role', options: { role: MOD_ROLE_ID, amount: '0', period: 'day' },
      guildId: DEFAULT_GUILD_ID, permissions: String(PermissionFlagsBits.ManageGuild),
    });
    const i = await run(h, { commandName: 'usage', user: newUser(), member: { roles: [MOD_ROLE_ID] }, guildId: DEFAULT_GUILD_ID });
    expect(i.original()!.content.split('\n')[1]).toBe(`Your limit is **$0.00 a day (blocked)** (from the role <@&${MOD_ROLE_ID}>): paid commands are blocked for you. Ask a server admin if this is a mistake.`);
  });
});

describe('the operator\'s limits refusing in a DM name only the bot\'s host', () => {
  const resetsAt = Date.parse('2027-01-16T00:00:00Z');
  const refusal = (amountMicros: number, source: 'member-total' | 'bot-total'): Refusal => ({
    limit: { source, targetId: '', period: 'day', amountMicros }, spentMicros: amountMicros, requestMicros: 2466, resetsAt,
  });
  test.each([
    ['en', 'MEMBER_LIMIT_USD at $0', refusal(0, 'member-total'), "You can't use paid commands right now: the bot's limit for each person across all servers and DMs is set to $0. This limit is set by the bot's host."],
    ['ja', 'MEMBER_LIMIT_USD at $0', refusal(0, 'member-total'), '現在、有料コマンドは使えません：ボットが各個人に設けた上限（すべてのサーバーと DM の合計）が $0 に設定されています。この上限はボットの運営者が設定したものです。'],
    ['en', 'BOT_LIMIT_USD reached', refusal(1_000_000, 'bot-total'),
      `The bot has (everyone together) used $1.00 of the bot's total limit for everyone ($1.00 a day), and this request could cost up to $0.002466. It resets <t:${resetsAt / 1000}:R>. This limit is set by the bot's host.`],
    ['zh-CN', 'MEMBER_LIMIT_USD reached', refusal(1_000_000, 'member-total'),
      `已达使用上限：你本期已用 $1.00，机器人给每个人（跨所有服务器和私信）的限额为每日 $1.00，这次请求最多可能花费 $0.002466。额度将于 <t:${resetsAt / 1000}:R> 重置。这是机器人的部署者设置的上限。`],
  ])('%s, %s', (language, _case, limit, expected) => {
    expect(describeRefusal(limit, language as CatalogueLanguage, true)).toBe(expected);
    // The same refusal in a server still tells members that its admins can't raise it.
    expect(describeRefusal(limit, language as CatalogueLanguage, false)).toMatch(SERVER_ADMIN_CANT);
  });
});

describe('the words for the bot\'s host, in every catalogue text', () => {
  const catalogues = loadCatalogues();
  /** `namespace:key` → the text, for one language. */
  const texts = (language: CatalogueLanguage) => new Map(Object.entries(catalogues[language]).flatMap(([namespace, keys]) => Object.entries(keys).map(([key, text]) => [`${namespace}:${key}`, text] as const)));
  const english = texts('en');
  const traditional = texts('zh-TW');

  test('English says "host" only for the person (the bot\'s host); a machine is a machine', () => {
    for (const [where, text] of english) expect(text.replaceAll("bot's host", ''), where).not.toMatch(/\bhost/i);
  });

  test('zh-TW names the bot\'s host 機器人的架設者 wherever English does, and only there; never 管理者, one character from a server admin\'s 管理員', () => {
    const hostTexts = [...english].filter(([, text]) => text.includes("bot's host")).map(([where]) => where);
    expect(hostTexts.length).toBeGreaterThan(20);
    for (const where of hostTexts) expect(traditional.get(where), where).toContain('機器人的架設者');
    for (const [where, text] of traditional) {
      expect(text, where).not.toContain('管理者');
      if (text.includes('架設者')) expect(english.get(where), where).toContain("bot's host");
    }
  });

  test('a server admin stays 管理員 in zh-TW, never the bot\'s host', () => {
    const adminTexts = [...english].filter(([, text]) => /\badmins?\b/i.test(text) && !text.includes("bot's host"));
    expect(adminTexts.length).toBeGreaterThan(5);
    for (const [where] of adminTexts) {
      expect(traditional.get(where), where).toContain('管理員');
      expect(traditional.get(where), where).not.toContain('架設者');
    }
  });
});
