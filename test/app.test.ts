import { afterEach, describe, expect, test } from 'vitest';
import { startBot } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { PermissionFlagsBits } from 'discord.js';
import { BotHarness, MOD_ROLE_ID, TEST_DISCORD_TOKEN, TEST_OPENAI_KEY } from './support/botHarness.ts';
import { DEFAULT_CHANNEL_ID, DEFAULT_GUILD_ID, DEFAULT_THREAD_ID, FakeDiscord } from './support/fakeDiscord.ts';
import { tempDatabasePath } from './support/tempDb.ts';

let harness: BotHarness | undefined;
afterEach(async () => { await harness?.close(); harness = undefined; });

describe('start-up, restart and stop', () => {
  test('commands are registered to the dev server once, and skipped on a restart when unchanged', async () => {
    harness = await BotHarness.start();
    expect(harness.discord.registrations).toBe(1);
    const names = harness.discord.commands(harness.bot.ctx.config.devGuildId).map((c) => c.name).sort();
    expect(names).toEqual(expect.arrayContaining(['ask', 'reset']));
    await harness.restart();
    expect(harness.discord.registrations).toBe(1);
    expect(harness.logs().some((l) => String(l.msg).includes('unchanged since the last start'))).toBe(true);
  });

  test('history survives a restart on the same database file', async () => {
    harness = await BotHarness.start();
    harness.openai.chat.enqueue({ text: 'Noted: the password is swordfish.' });
    await harness.settled(harness.command('ask', { prompt: 'Remember: the password is swordfish.' }));
    await harness.restart();
    await harness.settled(harness.command('ask', { prompt: 'What is the password?' }));
    const messages = (harness.openai.chat.lastRequest as { messages: { content: string }[] }).messages.map((m) => m.content);
    expect(messages).toEqual([expect.any(String), expect.stringMatching(/Remember: the password is swordfish\.$/), 'Noted: the password is swordfish.', expect.stringMatching(/What is the password\?$/)]);
  });

  test('a stop lets an answer in progress finish, then refuses nothing half-written', async () => {
    harness = await BotHarness.start();
    const chunks = ['Slow ', 'but ', 'complete.'];
    harness.openai.chat.enqueue({ text: chunks.join(''), chunks, chunkDelayMs: 300 });
    const i = harness.command('ask', { prompt: 'Take your time' });
    await i.callback();
    await harness.bot.stop();
    expect(i.transcript()).toEqual(['Slow but complete.']);
    expect(harness.bot.ctx.db.open).toBe(false);
  });

  test('neither secret ever reaches a log line', async () => {
    harness = await BotHarness.start({ env: { LOG_LEVEL: 'trace' } });
    harness.openai.chat.enqueue({ error: 'insufficient_quota' });
    await harness.settled(harness.command('ask', { prompt: 'hi' }));
    const all = harness.logLines.join('\n');
    expect(all.length).toBeGreaterThan(1000);
    expect(all).not.toContain(TEST_DISCORD_TOKEN);
    expect(all).not.toContain(TEST_OPENAI_KEY);
  });
});

describe('login failures are explained', () => {
  test('a wrong token', async () => {
    const discord = await FakeDiscord.start({ token: 'the-right-token-value' });
    try {
      const config = loadConfig({ DISCORD_TOKEN: 'a-wrong-token-value', OPENAI_API_KEY: TEST_OPENAI_KEY, DISCORD_API_URL: discord.restUrl, DATABASE_PATH: tempDatabasePath(), LOG_LEVEL: 'silent' });
      const error = await startBot(config, createLogger(config)).catch((e: unknown) => e as Error);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(/Discord rejected DISCORD_TOKEN/);
      expect((error as Error).message).not.toContain('a-wrong-token-value');
    } finally {
      await discord.close();
    }
  });
});

describe('login failures are explained: sharding', () => {
  test('a bot in more servers than one connection may hold is told to set SHARDS=auto (Discord closes with 4011)', async () => {
    const guilds = [1n, 2n].map((n) => ({ id: String(((1n << 40n) + n) << 22n) }));
    const discord = await FakeDiscord.start({ token: TEST_DISCORD_TOKEN, guilds, maxGuildsPerShard: 1 });
    try {
      const config = loadConfig({ DISCORD_TOKEN: TEST_DISCORD_TOKEN, OPENAI_API_KEY: TEST_OPENAI_KEY, DISCORD_API_URL: discord.restUrl, DATABASE_PATH: tempDatabasePath(), LOG_LEVEL: 'silent' });
      const error = await startBot(config, createLogger(config)).catch((e: unknown) => e as Error);
      expect((error as Error).message).toMatch(/too many servers for one connection.*SHARDS=auto/);
    } finally {
      await discord.close();
    }
  });
});

describe('the start-up check of the AI service', () => {
  test('a reachable service offering DEFAULT_MODEL is logged as fine', async () => {
    harness = await BotHarness.start();
    expect(await harness.bot.aiServiceChecked).toBe('ok');
    expect(harness.logs().some((l) => l.msg === 'AI service reachable; DEFAULT_MODEL is available')).toBe(true);
  });

  test('a rejected key is logged as an error at start-up, without the key, and the bot still starts', async () => {
    harness = await BotHarness.start({ env: { OPENAI_API_KEY: 'sk-fake-wrong-00' } });
    expect(await harness.bot.aiServiceChecked).toBe('failed');
    const error = harness.logs().find((l) => l.level === 50);
    expect(error?.msg).toMatch(/rejected OPENAI_API_KEY/);
    expect(harness.logLines.join('\n')).not.toContain('sk-fake-wrong-00');
    expect(harness.discord.registrations).toBe(1);
  });

  test('a model the service does not list is warned about', async () => {
    harness = await BotHarness.start({ env: { DEFAULT_MODEL: 'gpt-9-turbo' } });
    await harness.bot.aiServiceChecked;
    expect(harness.logs().find((l) => l.level === 40 && String(l.msg).includes('does not list DEFAULT_MODEL'))).toMatchObject({ model: 'gpt-9-turbo' });
  });

  test('DEFAULT_MODEL listed only in another case is warned about as a spelling, naming the listed one', async () => {
    harness = await BotHarness.start({ env: { DEFAULT_MODEL: 'GPT-4o-Mini' } });
    await harness.bot.aiServiceChecked;
    const warning = harness.logs().find((l) => l.level === 40 && String(l.msg).includes('DEFAULT_MODEL'));
    expect(warning).toMatchObject({ model: 'GPT-4o-Mini', listed: 'gpt-4o-mini' });
    expect(warning?.msg).toMatch(/only in another case, and model names are case-sensitive/);
  });

  test('an unreachable service is logged as an error', async () => {
    harness = await BotHarness.start({ env: { OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' } });
    expect(await harness.bot.aiServiceChecked).toBe('failed');
    expect(harness.logs().some((l) => l.level === 50 && String(l.msg).includes('cannot reach the AI service'))).toBe(true);
  });
});

test('without DEV_GUILD_ID the commands are registered globally', async () => {
  harness = await BotHarness.start({ env: { DEV_GUILD_ID: '' } });
  const put = harness.discord.requests.find((r) => r.method === 'PUT' && r.path.endsWith('/commands'));
  expect(put?.path).toBe(`/applications/${harness.discord.applicationId}/commands`);
  expect(harness.discord.commands().map((c) => c.name)).toEqual(expect.arrayContaining(['ask', 'reset', 'Translate', 'Transcribe']));
  expect(harness.discord.commands(DEFAULT_GUILD_ID)).toEqual([]);
});

describe('after READY', () => {
  test('the warm-up runs the answer path without charging anyone or calling OpenAI or Discord', async () => {
    harness = await BotHarness.start();
    const discordCalls = harness.discord.requests.length;
    await harness.bot.warmedUp;
    await harness.bot.aiServiceChecked;
    expect(harness.discord.requests.length).toBe(discordCalls);
    expect(harness.openai.requests.map((r) => `${r.method} ${r.path}`).every((call) => call.startsWith('GET /v1/models'))).toBe(true);
    for (const table of ['ledger', 'spend_buckets', 'turns', 'channel_settings', 'guild_settings']) {
      expect(harness.bot.ctx.db.prepare(`SELECT count(*) AS n FROM ${table}`).get(), table).toEqual({ n: 0 });
    }
    expect(harness.logs().some((l) => String(l.msg).includes('warm-up after start failed'))).toBe(false);
    expect(harness.logs().some((l) => String(l.msg).includes('REST warm-up failed'))).toBe(false);
  });

  test('discord.js keeps channels, threads, roles and its own member, but no messages and no other members', async () => {
    harness = await BotHarness.start();
    const { client } = harness.bot;
    const speakers = Array.from({ length: 5 }, (_, n) => ({ id: `40000000000000010${n}`, username: `speaker${n}` }));
    for (const author of speakers) harness.discord.sendMessage({ channelId: DEFAULT_CHANNEL_ID, author, member: { roles: [MOD_ROLE_ID] }, content: 'just chatting' });
    harness.openai.chat.enqueue({ text: 'Hello!' });
    harness.discord.sendMessage({ channelId: DEFAULT_CHANNEL_ID, author: speakers[0], content: `<@${harness.discord.botUser.id}> hi` });
    await harness.discord.waitForRequest((r) => r.method === 'POST' && r.path === `/channels/${DEFAULT_CHANNEL_ID}/messages`, 10_000);
    await harness.settled();

    const guild = client.guilds.cache.get(DEFAULT_GUILD_ID)!;
    const channel = guild.channels.cache.get(DEFAULT_CHANNEL_ID)!;
    expect(guild.channels.cache.get(DEFAULT_THREAD_ID)?.isThread()).toBe(true);
    expect(guild.roles.cache.has(MOD_ROLE_ID)).toBe(true);
    expect(guild.members.me?.id).toBe(client.user!.id);
    expect(channel.permissionsFor(client.user!)?.has(PermissionFlagsBits.SendMessages)).toBe(true);
    expect([...guild.members.cache.keys()]).toEqual([client.user!.id]);
    expect(client.users.cache.some((u) => speakers.some((s) => s.id === u.id))).toBe(false);
    expect('messages' in channel ? channel.messages.cache.size : -1).toBe(0);
  });
});
