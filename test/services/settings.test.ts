import { describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { openDatabase } from '../../src/db/connection.ts';
import { migrate } from '../../src/db/migrate.ts';
import { SettingsStore } from '../../src/db/settings.ts';
import { BudgetStore } from '../../src/db/budgetLimits.ts';
import { setGuildTimeZone } from '../../src/services/budget/timeZone.ts';
import { SettingsService } from '../../src/services/settings.ts';
import { tempDatabasePath } from '../support/tempDb.ts';

function setup() {
  const db = openDatabase(tempDatabasePath());
  migrate(db);
  const config = loadConfig({ DISCORD_TOKEN: 'token-value', OPENAI_API_KEY: 'key-value', DEFAULT_MODEL: 'gpt-4o-mini', SYSTEM_PROMPT: 'Default prompt.' });
  return { db, settings: new SettingsService(new SettingsStore(db), config) };
}

const guild = 'g1';
const channel = { guildId: guild, channelId: 'c1', parentId: null };
const thread = { guildId: guild, channelId: 't1', parentId: 'c1' };

describe('SettingsService', () => {
  test('unset channels use the bot config', () => {
    const { settings } = setup();
    expect(settings.forChannel(channel)).toEqual({
      model: { value: 'gpt-4o-mini', source: 'config' },
      systemPrompt: { value: 'Default prompt.', source: 'config' },
      voiceTranscription: { value: false, source: 'config' },
      reasoningEffort: { value: 'default', source: 'config' },
    });
  });

  test('a thread inherits its parent channel unless set itself', () => {
    const { settings } = setup();
    settings.updateChannel(channel, { model: 'gpt-4.1', voiceTranscription: true }, 'admin');
    expect(settings.forChannel(thread).model).toEqual({ value: 'gpt-4.1', source: 'parent' });
    expect(settings.forChannel(thread).voiceTranscription).toEqual({ value: true, source: 'parent' });
    settings.updateChannel(thread, { model: 'gpt-4o', voiceTranscription: false }, 'admin');
    expect(settings.forChannel(thread).model).toEqual({ value: 'gpt-4o', source: 'channel' });
    expect(settings.forChannel(thread).voiceTranscription).toEqual({ value: false, source: 'channel' });
  });

  test('clearing a value inherits again, and an all-empty row is removed', () => {
    const { settings, db } = setup();
    const before = settings.updateChannel(channel, { systemPrompt: 'Pirate talk.' }, 'admin');
    expect(before).toBeUndefined();
    expect(settings.updateChannel(channel, { systemPrompt: null }, 'admin')).toMatchObject({ systemPrompt: 'Pirate talk.' });
    expect(settings.forChannel(channel).systemPrompt.source).toBe('config');
    expect(db.prepare('SELECT COUNT(*) FROM channel_settings').pluck().get()).toBe(0);
  });

  test('server-wide defaults: translation language and time zone', () => {
    const { settings, db } = setup();
    expect(settings.translateLanguage(guild)).toBeUndefined();
    settings.setTranslateLanguage(guild, 'zh-TW');
    // The time zone has one writer, the audited one /budget timezone and /settings timezone share.
    expect(setGuildTimeZone(new BudgetStore(db), { guildId: guild, actorId: 'admin', zone: 'Asia/Taipei', at: 0 })).toMatchObject({ ok: true });
    expect(settings.translateLanguage(guild)).toBe('zh-TW');
    expect(settings.timeZone(guild)).toBe('Asia/Taipei');
    expect(settings.translateLanguage(null)).toBeUndefined();
  });
});
