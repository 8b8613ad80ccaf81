import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { BudgetStore } from '../../src/db/budgetLimits.ts';
import { SYSTEM_PROMPT_MAX_LENGTH } from '../../src/commands/settings.ts';
import { BotHarness, TEST_CHANNEL_IDS } from '../support/botHarness.ts';
import { DEFAULT_CHANNEL_ID, DEFAULT_GUILD_ID, DEFAULT_THREAD_ID, type FakeInteraction, type FakeInteractionSpec } from '../support/fakeDiscord.ts';

const MANAGE_GUILD = 1n << 5n;
const SEND_MESSAGES = 1n << 11n;
const EPHEMERAL = 64;

let h: BotHarness;
beforeAll(async () => { h = await BotHarness.start(); });
afterAll(async () => { await h?.close(); });
beforeEach(() => { h.openai.reset(); });

/** Runs `/settings <subcommand>` as an admin (unless the spec says otherwise) and returns its private reply. */
async function settings(subcommand: string, options: FakeInteractionSpec['options'] = {}, spec: Partial<FakeInteractionSpec> = {}): Promise<string> {
  const [group, sub] = subcommand.includes(' ') ? subcommand.split(' ') : [undefined, subcommand];
  const i = h.command('settings', options, { subcommand: sub, subcommandGroup: group, permissions: String(MANAGE_GUILD), ...spec });
  await h.settled(i);
  const data = i.callbacks[0]!.data as { content: string; flags: number };
  expect(data.flags & EPHEMERAL).toBe(EPHEMERAL);
  return data.content;
}

async function ask(channelId: string): Promise<{ model: string; messages: { role: string; content: string }[] }> {
  await h.settled(h.command('ask', { prompt: 'hello' }, { channelId }));
  return h.openai.chat.lastRequest as { model: string; messages: { role: string; content: string }[] };
}

async function autocomplete(option: string, value: string, subcommand: string): Promise<{ name: string; value: string }[]> {
  const i: FakeInteraction = h.discord.sendInteraction({
    kind: 'autocomplete', commandName: 'settings', guildId: DEFAULT_GUILD_ID, subcommand, focused: option, options: { [option]: value },
  });
  await i.callback();
  return (i.callbacks[0]!.data as { choices: { name: string; value: string }[] }).choices;
}

describe('/settings', () => {
  test('is registered for servers with Manage Server as its default permission; the system prompt is length-limited', () => {
    const registered = h.discord.commands(DEFAULT_GUILD_ID).find((c) => c.name === 'settings')!;
    expect(registered.default_member_permissions).toBe(String(MANAGE_GUILD));
    const group = registered.options!.find((o) => o.name === 'system-prompt') as { options: { name: string; options?: { max_length?: number }[] }[] };
    expect(group.options.find((o) => o.name === 'set')!.options![0]!.max_length).toBe(SYSTEM_PROMPT_MAX_LENGTH);
  });

  test('a member without Manage Server is refused at run time, and nothing changes', async () => {
    const channelId = TEST_CHANNEL_IDS[10]!;
    const reply = await settings('model', { name: 'gpt-4.1' }, { channelId, permissions: String(SEND_MESSAGES) });
    expect(reply).toMatch(/Manage Server/);
    expect(h.bot.ctx.services.settings.forChannel({ guildId: DEFAULT_GUILD_ID, channelId, parentId: null }).model.source).toBe('config');
  });

  test('a channel\'s model is inherited by its thread (and used by /ask there) until the thread sets its own', async () => {
    expect(await settings('model', { name: 'gpt-4.1' }, { channelId: DEFAULT_CHANNEL_ID })).toBe('This channel now uses `gpt-4.1`.');
    expect((await ask(DEFAULT_THREAD_ID)).model).toBe('gpt-4.1');
    const shown = await settings('show', {}, { channelId: DEFAULT_THREAD_ID });
    expect(shown).toContain(`Model: \`gpt-4.1\` (inherited from <#${DEFAULT_CHANNEL_ID}>)`);

    await settings('model', { name: 'gpt-4o' }, { channelId: DEFAULT_THREAD_ID });
    expect((await ask(DEFAULT_THREAD_ID)).model).toBe('gpt-4o');
    expect((await ask(DEFAULT_CHANNEL_ID)).model).toBe('gpt-4.1');
    expect(await settings('show', {}, { channelId: DEFAULT_THREAD_ID })).toContain('Model: `gpt-4o` (set here)');

    expect(await settings('model', { name: 'default' }, { channelId: DEFAULT_THREAD_ID })).toMatch(/now uses `gpt-4.1` \(inherited from/);
    await settings('model', { name: 'default' }, { channelId: DEFAULT_CHANNEL_ID });
    expect((await ask(DEFAULT_THREAD_ID)).model).toBe('gpt-4o-mini');
  });

  test('system prompt: set, show, clear; /ask sends it', async () => {
    const channelId = TEST_CHANNEL_IDS[11]!;
    expect(await settings('system-prompt set', { text: 'Answer like a pirate.' }, { channelId })).toMatch(/set \(21 characters\)/);
    expect((await ask(channelId)).messages[0]).toEqual({ role: 'system', content: 'Answer like a pirate.' });
    expect(await settings('system-prompt show', {}, { channelId })).toBe('System prompt for this channel (set here):\nAnswer like a pirate.');
    expect(await settings('system-prompt clear', {}, { channelId })).toMatch(/cleared; it now uses the prompt the bot's default/);
    expect((await ask(channelId)).messages[0]!.content).toBe(h.bot.ctx.config.systemPrompt);
    expect(await settings('system-prompt set', { text: '   ' }, { channelId })).toMatch(/^The system prompt is empty/);
    expect(h.bot.ctx.services.settings.forChannel({ guildId: DEFAULT_GUILD_ID, channelId, parentId: null }).systemPrompt.source).toBe('config');
  });

  test('system prompt show: a prompt longer than one message continues in private follow-ups, nothing lost', async () => {
    const channelId = TEST_CHANNEL_IDS[11]!;
    const prompt = Array.from({ length: 400 }, (_, n) => `Rule ${n}.`).join(' ').slice(0, 3_900);
    await settings('system-prompt set', { text: prompt }, { channelId });
    const i = h.command('settings', {}, { subcommand: 'show', subcommandGroup: 'system-prompt', permissions: String(MANAGE_GUILD), channelId });
    await h.settled(i);
    const first = i.callbacks[0]!.data as { content: string; flags: number };
    expect(first.flags & EPHEMERAL).toBe(EPHEMERAL);
    expect(i.followUps.length).toBeGreaterThanOrEqual(1);
    for (const part of i.followUps) expect(part.flags! & EPHEMERAL).toBe(EPHEMERAL);
    const whole = [first.content, ...i.followUps.map((part) => part.content)].join('');
    expect(whole.replace(/\s/g, '')).toBe(`System prompt for this channel (set here):${prompt}`.replace(/\s/g, ''));
    await settings('system-prompt clear', {}, { channelId });
  });

  test('a model the price table lacks is accepted, with a note on how it is charged; a name with spaces is not', async () => {
    const channelId = TEST_CHANNEL_IDS[12]!;
    expect(await settings('model', { name: 'llama3.1:8b' }, { channelId })).toMatch(/not in the bot's price table/);
    expect(await settings('model', { name: 'gpt 4' }, { channelId })).toMatch(/is not a model name/);
  });

  test('voice transcription: on and off per channel, with a warning while the bot cannot read voice messages', async () => {
    const channelId = TEST_CHANNEL_IDS[13]!;
    const on = await settings('voice-transcription', { state: 'on' }, { channelId });
    expect(on).toMatch(/^Voice messages posted in this channel will be transcribed\.\n⚠️ Not active yet: .*VOICE_TRANSCRIPTION=true/);
    expect(await settings('show', {}, { channelId })).toContain('Voice message transcription: on (set here)');
    expect(await settings('voice-transcription', { state: 'off' }, { channelId })).toBe('Voice messages in this channel will not be transcribed.');
  });

  test('auto-thread: on and off per channel, shown, with a warning while THREAD_CONVERSATIONS is off', async () => {
    const channelId = TEST_CHANNEL_IDS[15]!;
    expect(await settings('auto-thread', { state: 'on' }, { channelId })).toMatch(/^Every answer in this channel now opens a thread.*\n⚠️ Messages without a mention are not read yet: .*THREAD_CONVERSATIONS=true/);
    expect(await settings('show', {}, { channelId })).toContain('Threads: every answer opens a thread');
    expect(await settings('auto-thread', { state: 'off' }, { channelId, locale: 'zh-TW' })).toBe('這個頻道的回答不再開討論串。');
    expect(await settings('show', {}, { channelId })).toContain('Threads: off');
  });

  test('server-wide: translation language by any name, and the time zone the budget ledger reads', async () => {
    expect(await settings('translate-language', { language: '日本語' })).toMatch(/now Japanese — 日本語 \(ja\)/);
    expect(h.bot.ctx.services.settings.translateLanguage(DEFAULT_GUILD_ID)).toBe('ja');
    expect(await settings('translate-language', { language: 'Klingon' })).toMatch(/not a language I know/);
    expect(await settings('timezone', { zone: 'asia/taipei' })).toBe('Budget periods now start at midnight in Asia/Taipei.');
    expect(new BudgetStore(h.bot.ctx.db).timeZone(DEFAULT_GUILD_ID)).toBe('Asia/Taipei');
    expect(await settings('timezone', { zone: 'Mars/Olympus' })).toMatch(/not a time zone/);
    const shown = await settings('show');
    expect(shown).toContain('Default translation language: Japanese — 日本語 (ja)');
    expect(shown).toContain('Time zone for budget periods: Asia/Taipei');
    await settings('timezone', { zone: 'default' });
    expect(new BudgetStore(h.bot.ctx.db).timeZone(DEFAULT_GUILD_ID)).toBe('UTC');
    const audit = h.bot.ctx.services.budget.history(DEFAULT_GUILD_ID, 5).map((row) => [row.oldValue, row.newValue]);
    expect(audit.slice(0, 2)).toEqual([['Asia/Taipei', 'UTC'], ['UTC', 'Asia/Taipei']]); // audited like /budget timezone
  });

  test('replies follow the member\'s language', async () => {
    expect(await settings('voice-transcription', { state: 'off' }, { channelId: TEST_CHANNEL_IDS[14], locale: 'zh-TW' })).toBe('這個頻道中的語音訊息將不會自動轉錄。');
  });

  test('autocomplete: models the bot offers, languages, time zones; "default" first when empty', async () => {
    const empty = await autocomplete('name', '', 'model');
    expect(empty[0]!.value).toBe('default');
    expect(empty.map((c) => c.value)).toContain('gpt-4o-mini');
    expect(empty.length).toBeLessThanOrEqual(25);
    const o4 = (await autocomplete('name', 'o4', 'model')).map((c) => c.value);
    expect(o4).toContain('o4-mini');
    expect(o4.some((m) => m.startsWith('ft:'))).toBe(false);
    expect((await autocomplete('language', 'jap', 'translate-language'))[0]).toEqual({ name: 'Japanese — 日本語 (ja)', value: 'ja' });
    expect((await autocomplete('zone', 'taipei', 'timezone')).map((c) => c.value)).toEqual(['Asia/Taipei']);
  });
});
