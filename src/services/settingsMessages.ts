import { catalogue, type CatalogueLanguage } from './i18n.ts';
import type { EffectiveChannelSettings, Setting, SettingSource } from './settings.ts';
import { effortOverviewLine } from './reasoning/overview.ts';
import { MAX_CONTEXT_TURNS } from './history.ts';

/** What `/settings show` needs besides the channel's own settings. */
export interface SettingsOverview {
  channelId: string;
  parentId: string | null;
  settings: EffectiveChannelSettings;
  translateLanguage: string | undefined;
  timeZone: string | undefined;
  /** Why voice messages are not transcribed here even when switched on; undefined when they are. */
  voiceInactive: 'config' | 'intent-refused' | undefined;
  /** HISTORY_MAX_TOKENS: the most tokens of earlier turns sent with a question; null = the model's window (MAX_CONTEXT_TURNS). */
  historyMaxTokens: number | null;
}

/** A system prompt longer than this is cut in `/settings show`; `/settings system-prompt show` has it all. */
const PROMPT_PREVIEW_LENGTH = 200;

/** The texts live in locales/<language>/settings.json. */
export type SettingsText =
  | 'denied' | 'guildOnly' | 'modelSet' | 'modelRespelled' | 'modelCleared' | 'modelUnpriced' | 'modelUnpricedRefused' | 'modelResponsesOnly' | 'modelNotAllowed' | 'badModel' | 'promptSet' | 'promptCleared' | 'promptHeader'
  | 'voiceOn' | 'voiceOff' | 'voiceDefault' | 'voiceInactiveConfig' | 'voiceInactiveIntent' | 'languageSet' | 'languageCleared'
  | 'badLanguage' | 'timeZoneSet' | 'timeZoneCleared' | 'badTimeZone' | 'promptEmpty' | 'on' | 'off' | 'command.clearChoice';

export const text = catalogue<SettingsText>('settings');
const t = catalogue('settings');

/** "set here", "inherited from #parent", "the bot's default". */
export function describeSource(source: SettingSource, parentId: string | null, language: CatalogueLanguage): string {
  return t(`source.${source}`, language, { parent: parentId ?? '' });
}

const preview = (prompt: string): string => {
  const flat = prompt.replace(/\s+/g, ' ').trim();
  return flat.length > PROMPT_PREVIEW_LENGTH ? `${flat.slice(0, PROMPT_PREVIEW_LENGTH)}…` : flat;
};

/** How much earlier conversation each question here is sent with (the operator's HISTORY_MAX_TOKENS). */
function historyLine(maxTokens: number | null, language: CatalogueLanguage): string {
  if (maxTokens === null) return t('overview.historyUnlimited', language, { turns: MAX_CONTEXT_TURNS });
  return maxTokens === 0 ? t('overview.historyNone', language) : t('overview.history', language, { tokens: maxTokens });
}

/** `/settings show`: what applies to this channel and where each value comes from. */
export function describeOverview(o: SettingsOverview, language: CatalogueLanguage): string {
  const from = <T>(setting: Setting<T>) => describeSource(setting.source, o.parentId, language);
  const { model, systemPrompt, voiceTranscription } = o.settings;
  const voiceNote = voiceTranscription.value && o.voiceInactive
    ? `\n  ${text(o.voiceInactive === 'config' ? 'voiceInactiveConfig' : 'voiceInactiveIntent', language)}` : '';
  return [
    t('overview.title', language, { channel: o.channelId }),
    t('overview.model', language, { model: model.value, source: from(model) })
      + (model.notAllowed ? `\n${t('overview.modelNotAllowed', language, { model: model.notAllowed.value, source: from(model.notAllowed) })}` : ''),
    t('overview.systemPrompt', language, { source: from(systemPrompt), prompt: preview(systemPrompt.value) }),
    t('overview.voice', language, { state: text(voiceTranscription.value ? 'on' : 'off', language), source: from(voiceTranscription) }) + voiceNote,
    effortOverviewLine(o.settings.reasoningEffort, from(o.settings.reasoningEffort), language),
    historyLine(o.historyMaxTokens, language),
    t('overview.serverTitle', language),
    o.translateLanguage === undefined ? t('overview.translateLanguageUnset', language) : t('overview.translateLanguage', language, { language: o.translateLanguage }),
    o.timeZone === undefined ? t('overview.timeZoneUnset', language) : t('overview.timeZone', language, { zone: o.timeZone }),
  ].join('\n');
}
