import { InteractionContextType, MessageFlags, PermissionFlagsBits, SlashCommandBuilder, type ChatInputCommandInteraction } from 'discord.js';
import type { BotContext } from '../context.ts';
import { suggestTimeZones } from '../services/budget/timeZone.ts';
import { channelScopeOf } from '../services/discord/channelScope.ts';
import { languageOf, type Language } from '../services/failureMessages.ts';
import { splitMessage } from '../services/messageSplitter.ts';
import type { ChannelScope } from '../services/settings.ts';
import { describeOverview, describeSource, text } from '../services/settingsMessages.ts';
import { choiceLabel, findLanguage, suggestLanguages } from '../services/translate/languages.ts';
import type { SlashCommand } from './types.ts';
import { reasoningEffortSubcommand, setReasoningEffort } from './settings/reasoningEffort.ts';

/** Sent before every question: 4,000 characters (~1,000 tokens) leaves room for the conversation even in an 8K-token model. */
export const SYSTEM_PROMPT_MAX_LENGTH = 4000;
/** Discord caps autocomplete values at 100 characters; real model ids are far shorter. */
const MODEL_NAME_MAX_LENGTH = 100;
/** Model ids: OpenAI (`ft:gpt-4o-mini:org::id`), Ollama (`llama3.1:8b`), Hugging Face (`org/name`); never spaces. */
const MODEL_NAME = /^[\w.:/@-]+$/;
/** The word that clears a setting, so the value is inherited again. */
const DEFAULT = 'default';
/** Discord shows at most 25 autocomplete choices. */
const MAX_CHOICES = 25;

type Scope = ChannelScope & { guildId: string };
type Handler = (interaction: ChatInputCommandInteraction<'cached' | 'raw'>, ctx: BotContext, scope: Scope, language: Language) => Promise<void>;

async function answer(interaction: ChatInputCommandInteraction, content: string): Promise<void> {
  await interaction.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
}

const handlers: Record<string, Handler> = {
  async show(interaction, ctx, scope, language) {
    const { settings, transcription } = ctx.services;
    const translate = settings.translateLanguage(scope.guildId);
    await answer(interaction, describeOverview({
      channelId: scope.channelId, parentId: scope.parentId, settings: settings.forChannel(scope),
      translateLanguage: translate && (findLanguage(translate) ? choiceLabel(findLanguage(translate)!) : translate),
      timeZone: settings.timeZone(scope.guildId),
      voiceInactive: transcription.automatic === 'on' ? undefined : transcription.automatic === 'off' ? 'config' : 'intent-refused',
    }, language));
  },

  async model(interaction, ctx, scope, language) {
    const name = interaction.options.getString('name', true).trim();
    const { settings, pricing } = ctx.services;
    if (name.toLowerCase() === DEFAULT) {
      settings.updateChannel(scope, { model: null }, interaction.user.id);
      const now = settings.forChannel(scope).model;
      return answer(interaction, text('modelCleared', language, { model: now.value, source: describeSource(now.source, scope.parentId, language) }));
    }
    if (name.length > MODEL_NAME_MAX_LENGTH || !MODEL_NAME.test(name)) return answer(interaction, text('badModel', language, { model: name.slice(0, MODEL_NAME_MAX_LENGTH), max: MODEL_NAME_MAX_LENGTH }));
    settings.updateChannel(scope, { model: name }, interaction.user.id);
    const note = pricing.resolveChat(name).known ? '' : `\n${text('modelUnpriced', language, { model: name })}`;
    await answer(interaction, `${text('modelSet', language, { model: name })}${note}`);
  },

  async 'system-prompt/set'(interaction, ctx, scope, language) {
    const prompt = interaction.options.getString('text', true).trim();
    if (prompt === '') return answer(interaction, text('promptEmpty', language));
    ctx.services.settings.updateChannel(scope, { systemPrompt: prompt }, interaction.user.id);
    await answer(interaction, text('promptSet', language, { n: prompt.length }));
  },

  async 'system-prompt/show'(interaction, ctx, scope, language) {
    const prompt = ctx.services.settings.forChannel(scope).systemPrompt;
    const [first = '', ...rest] = splitMessage(`${text('promptHeader', language, { source: describeSource(prompt.source, scope.parentId, language) })}\n${prompt.value}`);
    await answer(interaction, first);
    for (const part of rest) await interaction.followUp({ content: part, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
  },

  async 'system-prompt/clear'(interaction, ctx, scope, language) {
    ctx.services.settings.updateChannel(scope, { systemPrompt: null }, interaction.user.id);
    const now = ctx.services.settings.forChannel(scope).systemPrompt;
    await answer(interaction, text('promptCleared', language, { source: describeSource(now.source, scope.parentId, language) }));
  },

  async 'voice-transcription'(interaction, ctx, scope, language) {
    const state = interaction.options.getString('state', true);
    const { settings, transcription } = ctx.services;
    settings.updateChannel(scope, { voiceTranscription: state === DEFAULT ? null : state === 'on' }, interaction.user.id);
    const now = settings.forChannel(scope).voiceTranscription;
    const done = state === DEFAULT
      ? text('voiceDefault', language, { state: text(now.value ? 'on' : 'off', language), source: describeSource(now.source, scope.parentId, language) })
      : text(now.value ? 'voiceOn' : 'voiceOff', language);
    const inactive = now.value && transcription.automatic !== 'on' ? `\n${text(transcription.automatic === 'off' ? 'voiceInactiveConfig' : 'voiceInactiveIntent', language)}` : '';
    await answer(interaction, done + inactive);
  },

  'reasoning-effort': (interaction, ctx, scope) => setReasoningEffort(interaction, ctx, scope),

  async 'translate-language'(interaction, ctx, scope, language) {
    const input = interaction.options.getString('language', true).trim();
    if (input.toLowerCase() === DEFAULT) {
      ctx.services.settings.setTranslateLanguage(scope.guildId, null);
      return answer(interaction, text('languageCleared', language));
    }
    const found = findLanguage(input);
    if (!found) return answer(interaction, text('badLanguage', language, { input: input.slice(0, 100) }));
    ctx.services.settings.setTranslateLanguage(scope.guildId, found.id);
    await answer(interaction, text('languageSet', language, { language: choiceLabel(found) }));
  },

  async timezone(interaction, ctx, scope, language) {
    const input = interaction.options.getString('zone', true).trim();
    // The same audited setter as /budget timezone: budget periods follow this zone.
    if (input.toLowerCase() === DEFAULT) {
      ctx.services.budget.setTimeZone(scope.guildId, interaction.user.id, 'UTC');
      return answer(interaction, text('timeZoneCleared', language));
    }
    const change = ctx.services.budget.setTimeZone(scope.guildId, interaction.user.id, input);
    if (!change.ok) return answer(interaction, text('badTimeZone', language, { input: input.slice(0, 100) }));
    await answer(interaction, text('timeZoneSet', language, { zone: change.new }));
  },
};

const clearChoice = (language: Language) => ({ name: language === 'zh-TW' ? 'default（清除設定）' : 'default (clear the setting)', value: DEFAULT });

export const command: SlashCommand = {
  kind: 'slash',
  data: new SlashCommandBuilder()
    .setName('settings')
    .setDescription('Configure the bot for this channel and this server (admins)')
    .setDescriptionLocalizations({ 'zh-TW': '設定機器人在這個頻道與伺服器的行為（管理員）' })
    .setContexts(InteractionContextType.Guild)
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
    .addSubcommand((s) => s.setName('show').setDescription('What applies to this channel, and where each value comes from').setDescriptionLocalizations({ 'zh-TW': '顯示這個頻道目前的設定與來源' }))
    .addSubcommand((s) => s.setName('model').setDescription('The chat model for this channel (threads inherit it)').setDescriptionLocalizations({ 'zh-TW': '這個頻道使用的聊天模型（討論串會沿用）' })
      .addStringOption((o) => o.setName('name').setDescription('A model name, or "default" to inherit again').setDescriptionLocalizations({ 'zh-TW': '模型名稱，或輸入 default 恢復沿用' }).setRequired(true).setMaxLength(MODEL_NAME_MAX_LENGTH).setAutocomplete(true)))
    .addSubcommandGroup((g) => g.setName('system-prompt').setDescription('The instructions sent before every question in this channel').setDescriptionLocalizations({ 'zh-TW': '這個頻道每次提問前送出的系統提示' })
      .addSubcommand((s) => s.setName('set').setDescription('Set this channel\'s system prompt').setDescriptionLocalizations({ 'zh-TW': '設定這個頻道的系統提示' })
        .addStringOption((o) => o.setName('text').setDescription('The system prompt').setDescriptionLocalizations({ 'zh-TW': '系統提示內容' }).setRequired(true).setMaxLength(SYSTEM_PROMPT_MAX_LENGTH)))
      .addSubcommand((s) => s.setName('show').setDescription('Show the system prompt that applies here').setDescriptionLocalizations({ 'zh-TW': '顯示這裡適用的系統提示' }))
      .addSubcommand((s) => s.setName('clear').setDescription('Clear this channel\'s prompt, so it is inherited again').setDescriptionLocalizations({ 'zh-TW': '清除這個頻道的系統提示，恢復沿用' })))
    .addSubcommand((s) => s.setName('voice-transcription').setDescription('Transcribe voice messages posted in this channel automatically').setDescriptionLocalizations({ 'zh-TW': '自動轉錄這個頻道中的語音訊息' })
      .addStringOption((o) => o.setName('state').setDescription('on, off, or default to inherit').setDescriptionLocalizations({ 'zh-TW': '開啟、關閉，或恢復沿用' }).setRequired(true)
        .addChoices({ name: 'on', value: 'on', name_localizations: { 'zh-TW': '開啟' } }, { name: 'off', value: 'off', name_localizations: { 'zh-TW': '關閉' } }, { name: 'default', value: DEFAULT, name_localizations: { 'zh-TW': '恢復沿用' } })))
    .addSubcommand(reasoningEffortSubcommand)
    .addSubcommand((s) => s.setName('translate-language').setDescription('Server-wide default language for /translate').setDescriptionLocalizations({ 'zh-TW': '伺服器預設的 /translate 目標語言' })
      .addStringOption((o) => o.setName('language').setDescription('A language, or "default" to follow each member').setDescriptionLocalizations({ 'zh-TW': '語言，或輸入 default 依成員語言' }).setRequired(true).setMaxLength(100).setAutocomplete(true)))
    .addSubcommand((s) => s.setName('timezone').setDescription('Server-wide time zone where budget periods start at midnight').setDescriptionLocalizations({ 'zh-TW': '伺服器預算週期起算的時區' })
      .addStringOption((o) => o.setName('zone').setDescription('e.g. Asia/Taipei, or "default" for UTC').setDescriptionLocalizations({ 'zh-TW': '例如 Asia/Taipei，或輸入 default 使用 UTC' }).setRequired(true).setMaxLength(100).setAutocomplete(true)))
    .toJSON(),

  async execute(interaction, ctx) {
    const language = languageOf(interaction.locale);
    if (!interaction.inGuild()) return answer(interaction, text('guildOnly', language));
    // Admins can loosen the default permission in server settings; the rule is checked here again.
    if (!interaction.memberPermissions.has(PermissionFlagsBits.ManageGuild)) return answer(interaction, text('denied', language));
    const group = interaction.options.getSubcommandGroup(false);
    const name = group ? `${group}/${interaction.options.getSubcommand(true)}` : interaction.options.getSubcommand(true);
    const handler = handlers[name];
    if (!handler) throw new Error(`/settings has no handler for ${name}`);
    const scope = { ...channelScopeOf(interaction.guildId, interaction.channelId, interaction.channel), guildId: interaction.guildId };
    await handler(interaction, ctx, scope, language);
  },

  async autocomplete(interaction, ctx) {
    const focused = interaction.options.getFocused(true);
    const language = languageOf(interaction.locale);
    const values = focused.name === 'name' && interaction.guildId
      ? ctx.services.settings.modelChoices(interaction.guildId, focused.value).map((model) => ({ name: model, value: model }))
      : focused.name === 'language' ? suggestLanguages(focused.value)
        : focused.name === 'zone' ? suggestTimeZones(focused.value).map((zone) => ({ name: zone, value: zone }))
          : [];
    // "default" leads when the box is empty, so clearing is discoverable.
    await interaction.respond(focused.value.trim() === '' ? [clearChoice(language), ...values].slice(0, MAX_CHOICES) : values);
  },
};
