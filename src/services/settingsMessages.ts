import { textTable, type Language } from './i18n.ts';
import type { EffectiveChannelSettings, Setting, SettingSource } from './settings.ts';
import { effortOverviewLine } from './reasoning/overview.ts';

/** What `/settings show` needs besides the channel's own settings. */
export interface SettingsOverview {
  channelId: string;
  parentId: string | null;
  settings: EffectiveChannelSettings;
  translateLanguage: string | undefined;
  timeZone: string | undefined;
  /** Why voice messages are not transcribed here even when switched on; undefined when they are. */
  voiceInactive: 'config' | 'intent-refused' | undefined;
}

/** A system prompt longer than this is cut in `/settings show`; `/settings system-prompt show` has it all. */
const PROMPT_PREVIEW_LENGTH = 200;

const TEXT = {
  denied: { en: 'You need the **Manage Server** permission to change the bot\'s settings.', 'zh-TW': '你需要「管理伺服器」權限才能變更機器人的設定。' },
  guildOnly: { en: 'Settings belong to a server channel; use this command in a server.', 'zh-TW': '設定屬於伺服器頻道，請在伺服器中使用這個指令。' },
  modelSet: { en: 'This channel now uses `{model}`.', 'zh-TW': '這個頻道現在使用 `{model}`。' },
  modelCleared: { en: 'This channel\'s model is no longer set here; it now uses `{model}` ({source}).', 'zh-TW': '已清除這個頻道的模型設定，現在使用 `{model}`（{source}）。' },
  modelUnpriced: {
    en: '⚠️ `{model}` is not in the bot\'s price table, so it is charged at the fallback price (gpt-4o\'s unless PRICING_FILE sets one). The bot\'s host can add its price to PRICING_FILE.',
    'zh-TW': '⚠️ 價格表中沒有 `{model}`，費用將以備用價格計算（除非 PRICING_FILE 另有設定，否則為 gpt-4o 的價格）。機器人的管理者可在 PRICING_FILE 中加入它的價格。',
  },
  badModel: { en: '`{model}` is not a model name (no spaces; at most {max} characters).', 'zh-TW': '`{model}` 不是有效的模型名稱（不可有空格，最多 {max} 個字元）。' },
  promptSet: { en: 'This channel\'s system prompt is set ({n} characters).', 'zh-TW': '已設定這個頻道的系統提示（{n} 個字元）。' },
  promptCleared: { en: 'This channel\'s system prompt is cleared; it now uses the prompt {source}.', 'zh-TW': '已清除這個頻道的系統提示，現在使用{source}的提示。' },
  promptHeader: { en: 'System prompt for this channel ({source}):', 'zh-TW': '這個頻道的系統提示（{source}）：' },
  voiceOn: { en: 'Voice messages posted in this channel will be transcribed.', 'zh-TW': '這個頻道中的語音訊息將會自動轉錄。' },
  voiceOff: { en: 'Voice messages in this channel will not be transcribed.', 'zh-TW': '這個頻道中的語音訊息將不會自動轉錄。' },
  voiceDefault: { en: 'Voice transcription is no longer set here; it is now {state} ({source}).', 'zh-TW': '已清除這個頻道的語音轉錄設定，現在為{state}（{source}）。' },
  voiceInactiveConfig: {
    en: '⚠️ Not active yet: the bot runs with VOICE_TRANSCRIPTION off, so it cannot read voice messages. The bot\'s host needs to set VOICE_TRANSCRIPTION=true (see the README).',
    'zh-TW': '⚠️ 尚未生效：機器人目前關閉 VOICE_TRANSCRIPTION，無法讀取語音訊息。請機器人的管理者設定 VOICE_TRANSCRIPTION=true（見 README）。',
  },
  voiceInactiveIntent: {
    en: '⚠️ Not active: Discord refused the Message Content intent, so the bot cannot read voice messages. Turn it on in the developer portal (Bot → Privileged Gateway Intents) and restart the bot.',
    'zh-TW': '⚠️ 未生效：Discord 拒絕了 Message Content 權限，機器人無法讀取語音訊息。請在開發者入口網站（Bot → Privileged Gateway Intents）開啟後重新啟動機器人。',
  },
  languageSet: { en: 'The server\'s default translation language is now {language}.', 'zh-TW': '伺服器的預設翻譯語言已設為 {language}。' },
  languageCleared: { en: 'The server has no default translation language any more: each member\'s Discord language is used.', 'zh-TW': '已清除伺服器的預設翻譯語言，將依每位成員的 Discord 語言翻譯。' },
  badLanguage: { en: '"{input}" is not a language I know.', 'zh-TW': '我不認得「{input}」這個語言。' },
  timeZoneSet: { en: 'Budget periods now start at midnight in {zone}.', 'zh-TW': '預算週期現在以 {zone} 的午夜為起點。' },
  timeZoneCleared: { en: 'The server\'s time zone is cleared: budget periods start at midnight UTC.', 'zh-TW': '已清除伺服器時區，預算週期以 UTC 午夜為起點。' },
  badTimeZone: {
    en: '"{input}" is not a time zone. Use a name from the IANA list, e.g. `Asia/Taipei`, `Europe/London` or `UTC`.',
    'zh-TW': '「{input}」不是有效的時區。請使用 IANA 時區名稱，例如 `Asia/Taipei`、`Europe/London` 或 `UTC`。',
  },
  promptEmpty: {
    en: 'The system prompt is empty. Write the text to set, or use `/settings system-prompt clear` to go back to the default.',
    'zh-TW': '系統提示是空的。請輸入要設定的內容，或用 `/settings system-prompt clear` 恢復預設。',
  },
  on: { en: 'on', 'zh-TW': '開啟' },
  off: { en: 'off', 'zh-TW': '關閉' },
} satisfies Record<string, Record<Language, string>>;

export type SettingsText = keyof typeof TEXT;

export const text = textTable<SettingsText>(TEXT);

/** "set here", "inherited from #parent", "the bot's default". */
export function describeSource(source: SettingSource, parentId: string | null, language: Language): string {
  const zh = language === 'zh-TW';
  switch (source) {
    case 'channel': return zh ? '此頻道的設定' : 'set here';
    case 'parent': return zh ? `沿用 <#${parentId ?? ''}>` : `inherited from <#${parentId ?? ''}>`;
    case 'server': return zh ? '伺服器的設定' : 'set for the server';
    case 'config': return zh ? '機器人的預設' : 'the bot\'s default';
  }
}

const preview = (prompt: string): string => {
  const flat = prompt.replace(/\s+/g, ' ').trim();
  return flat.length > PROMPT_PREVIEW_LENGTH ? `${flat.slice(0, PROMPT_PREVIEW_LENGTH)}…` : flat;
};

/** `/settings show`: what applies to this channel and where each value comes from. */
export function describeOverview(o: SettingsOverview, language: Language): string {
  const zh = language === 'zh-TW';
  const from = <T>(setting: Setting<T>) => describeSource(setting.source, o.parentId, language);
  const { model, systemPrompt, voiceTranscription } = o.settings;
  const voice = `${text(voiceTranscription.value ? 'on' : 'off', language)} (${from(voiceTranscription)})`;
  const voiceNote = voiceTranscription.value && o.voiceInactive
    ? `\n  ${text(o.voiceInactive === 'config' ? 'voiceInactiveConfig' : 'voiceInactiveIntent', language)}` : '';
  const lines = zh
    ? [
        `**<#${o.channelId}> 的設定**`,
        `• 模型：\`${model.value}\`（${from(model)}）`,
        `• 系統提示（${from(systemPrompt)}）：${preview(systemPrompt.value)}`,
        `• 語音訊息自動轉錄：${voice}${voiceNote}`,
        effortOverviewLine(o.settings.reasoningEffort, from(o.settings.reasoningEffort), language),
        '**伺服器設定**',
        `• 預設翻譯語言：${o.translateLanguage ?? '未設定（依每位成員的 Discord 語言）'}`,
        `• 預算週期時區：${o.timeZone ?? '未設定（UTC）'}`,
      ]
    : [
        `**Settings for <#${o.channelId}>**`,
        `• Model: \`${model.value}\` (${from(model)})`,
        `• System prompt (${from(systemPrompt)}): ${preview(systemPrompt.value)}`,
        `• Voice message transcription: ${voice}${voiceNote}`,
        effortOverviewLine(o.settings.reasoningEffort, from(o.settings.reasoningEffort), language),
        '**Server-wide**',
        `• Default translation language: ${o.translateLanguage ?? 'not set (each member\'s Discord language)'}`,
        `• Time zone for budget periods: ${o.timeZone ?? 'not set (UTC)'}`,
      ];
  return lines.join('\n');
}
