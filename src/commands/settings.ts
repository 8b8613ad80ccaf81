import { InteractionContextType, PermissionFlagsBits, SlashCommandBuilder, type ChatInputCommandInteraction } from 'discord.js';
import type { BotContext } from '../context.ts';
import { suggestTimeZones } from '../services/budget/timeZone.ts';
import { channelScopeOf } from '../services/discord/channelScope.ts';
import { described, choice } from '../services/discord/commandText.ts';
import { replyPrivately, replyPrivatelyInParts } from '../services/discord/privateReply.ts';
import { catalogueLanguageOf, type CatalogueLanguage } from '../services/i18n.ts';
import type { ChannelScope } from '../services/settings.ts';
import { describeOverview, describeSource, text } from '../services/settingsMessages.ts';
import { choiceLabel, findLanguage, suggestLanguages } from '../services/translate/languages.ts';
import { autoThreadSubcommand, forumAnswersSubcommand, threadSettingsHandlers, threadSettingsLine } from './settings/threads.ts';
import type { SlashCommand } from './types.ts';
import { addModerationSubcommands, describeModeration, moderationHandlers } from './settings/moderation.ts';
import { reasoningEffortSubcommand, setReasoningEffort } from './settings/reasoningEffort.ts';

/** Sent before every question: 4,000 characters (~1,000 tokens) leaves room for the conversation even in an 8K-token model. */
export const SYSTEM_PROMPT_MAX_LENGTH = 4000;
/** Discord caps autocomplete values at 100 characters; real model ids are far shorter. */
const MODEL_NAME_MAX_LENGTH = 100;
/** Model ids: OpenAI (`ft:gpt-4o-mini:org::id`), Ollama (`llama3.1:8b`), Hugging Face (`org/name`); never spaces. */
const MODEL_NAME = /^[\w.:/@-]+$/;
/** The word that clears a setting, so the value is inherited again. */
const DEFAULT = 'default';
/** The catalogue (locales/<language>/settings.json) of this command's texts. */
const NS = 'settings';
/** Discord shows at most 25 autocomplete choices. */
const MAX_CHOICES = 25;

type Scope = ChannelScope & { guildId: string };
type Handler = (interaction: ChatInputCommandInteraction<'cached' | 'raw'>, ctx: BotContext, scope: Scope, language: CatalogueLanguage) => Promise<void>;

const handlers: Record<string, Handler> = {
  async show(interaction, ctx, scope, language) {
    const { settings, transcription } = ctx.services;
    const translate = settings.translateLanguage(scope.guildId);
    await replyPrivately(interaction, describeOverview({
      channelId: scope.channelId, parentId: scope.parentId, settings: settings.forChannel(scope),
      translateLanguage: translate && (findLanguage(translate) ? choiceLabel(findLanguage(translate)!) : translate),
      timeZone: settings.timeZone(scope.guildId),
      voiceInactive: transcription.automatic === 'on' ? undefined : transcription.automatic === 'off' ? 'config' : 'intent-refused',
      historyMaxTokens: ctx.config.historyMaxTokens,
    }, language) + `\n${describeModeration(ctx, scope.guildId, language)}\n${threadSettingsLine(ctx, scope.channelId, interaction.locale, scope.guildId)}`);
  },

  async model(interaction, ctx, scope, language) {
    const typed = interaction.options.getString('name', true).trim();
    const { settings, pricing } = ctx.services;
    if (typed.toLowerCase() === DEFAULT) {
      settings.updateChannel(scope, { model: null }, interaction.user.id);
      const now = settings.forChannel(scope).model;
      return replyPrivately(interaction, text('modelCleared', language, { model: now.value, source: describeSource(now.source, scope.parentId, language) }));
    }
    if (typed.length > MODEL_NAME_MAX_LENGTH || !MODEL_NAME.test(typed)) return replyPrivately(interaction, text('badModel', language, { model: typed.slice(0, MODEL_NAME_MAX_LENGTH), max: MODEL_NAME_MAX_LENGTH }));
    // Model ids are case-sensitive at OpenAI: `GPT-4o` stored as typed would make every later question a 404.
    const typedPrice = pricing.resolveChat(typed);
    const respelled = settings.spellingOf(scope.guildId, typed, typedPrice.known ? typedPrice.resolvedFrom : undefined);
    const name = respelled ?? typed;
    // The operator's ALLOWED_MODELS: the list itself is the host's business, so the reply names only the refused model.
    if (!settings.allowsModel(name)) return replyPrivately(interaction, text('modelNotAllowed', language, { model: name }));
    // OpenAI would answer every question to it with a 404: said now, in the words members would read.
    if (ctx.services.responsesOnly.has(name)) return replyPrivately(interaction, text('modelResponsesOnly', language, { model: name }));
    const priced = pricing.resolveChat(name).known;
    // The answers would be refused (UNPRICED_MODELS): say so now rather than set a model that can't be used.
    if (!priced && ctx.config.unpricedModels === 'refuse') return replyPrivately(interaction, text('modelUnpricedRefused', language, { model: name }));
    settings.updateChannel(scope, { model: name }, interaction.user.id);
    const notes = [
      ...(respelled === undefined ? [] : [text('modelRespelled', language, { model: name, typed })]),
      ...(priced ? [] : [text('modelUnpriced', language, { model: name })]),
    ];
    await replyPrivately(interaction, [text('modelSet', language, { model: name }), ...notes].join('\n'));
  },

  async 'system-prompt/set'(interaction, ctx, scope, language) {
    const prompt = interaction.options.getString('text', true).trim();
    if (prompt === '') return replyPrivately(interaction, text('promptEmpty', language));
    ctx.services.settings.updateChannel(scope, { systemPrompt: prompt }, interaction.user.id);
    await replyPrivately(interaction, text('promptSet', language, { n: prompt.length }));
  },

  async 'system-prompt/show'(interaction, ctx, scope, language) {
    const prompt = ctx.services.settings.forChannel(scope).systemPrompt;
    await replyPrivatelyInParts(interaction, `${text('promptHeader', language, { source: describeSource(prompt.source, scope.parentId, language) })}\n${prompt.value}`);
  },

  async 'system-prompt/clear'(interaction, ctx, scope, language) {
    ctx.services.settings.updateChannel(scope, { systemPrompt: null }, interaction.user.id);
    const now = ctx.services.settings.forChannel(scope).systemPrompt;
    await replyPrivately(interaction, text('promptCleared', language, { source: describeSource(now.source, scope.parentId, language) }));
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
    await replyPrivately(interaction, done + inactive);
  },

  'reasoning-effort': setReasoningEffort,

  async 'translate-language'(interaction, ctx, scope, language) {
    const input = interaction.options.getString('language', true).trim();
    if (input.toLowerCase() === DEFAULT) {
      ctx.services.settings.setTranslateLanguage(scope.guildId, null);
      return replyPrivately(interaction, text('languageCleared', language));
    }
    const found = findLanguage(input);
    if (!found) return replyPrivately(interaction, text('badLanguage', language, { input: input.slice(0, 100) }));
    ctx.services.settings.setTranslateLanguage(scope.guildId, found.id);
    await replyPrivately(interaction, text('languageSet', language, { language: choiceLabel(found) }));
  },

  async timezone(interaction, ctx, scope, language) {
    const input = interaction.options.getString('zone', true).trim();
    // The same audited setter as /budget timezone: budget periods follow this zone.
    if (input.toLowerCase() === DEFAULT) {
      ctx.services.budget.setTimeZone(scope.guildId, interaction.user.id, 'UTC');
      return replyPrivately(interaction, text('timeZoneCleared', language));
    }
    const change = ctx.services.budget.setTimeZone(scope.guildId, interaction.user.id, input);
    if (!change.ok) return replyPrivately(interaction, text('badTimeZone', language, { input: input.slice(0, 100) }));
    await replyPrivately(interaction, text('timeZoneSet', language, { zone: change.new }));
  },

  ...threadSettingsHandlers,
};

const clearChoice = (language: CatalogueLanguage) => ({ name: text('command.clearChoice', language), value: DEFAULT });

export const command: SlashCommand = {
  kind: 'slash',
  data: addModerationSubcommands(described(new SlashCommandBuilder().setName('settings'), NS, 'command.description')
    .setContexts(InteractionContextType.Guild)
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
    .addSubcommand((s) => described(s.setName('show'), NS, 'command.show'))
    .addSubcommand((s) => described(s.setName('model'), NS, 'command.model')
      .addStringOption((o) => described(o.setName('name'), NS, 'command.model.name').setRequired(true).setMaxLength(MODEL_NAME_MAX_LENGTH).setAutocomplete(true)))
    .addSubcommandGroup((g) => described(g.setName('system-prompt'), NS, 'command.systemPrompt')
      .addSubcommand((s) => described(s.setName('set'), NS, 'command.systemPrompt.set')
        .addStringOption((o) => described(o.setName('text'), NS, 'command.systemPrompt.set.text').setRequired(true).setMaxLength(SYSTEM_PROMPT_MAX_LENGTH)))
      .addSubcommand((s) => described(s.setName('show'), NS, 'command.systemPrompt.show'))
      .addSubcommand((s) => described(s.setName('clear'), NS, 'command.systemPrompt.clear')))
    .addSubcommand((s) => described(s.setName('voice-transcription'), NS, 'command.voice')
      .addStringOption((o) => described(o.setName('state'), NS, 'command.voice.state').setRequired(true)
        .addChoices(choice(NS, 'command.choice.on', 'on'), choice(NS, 'command.choice.off', 'off'), choice(NS, 'command.choice.default', DEFAULT))))
    .addSubcommand(reasoningEffortSubcommand)
    .addSubcommand((s) => described(s.setName('translate-language'), NS, 'command.translateLanguage')
      .addStringOption((o) => described(o.setName('language'), NS, 'command.translateLanguage.language').setRequired(true).setMaxLength(100).setAutocomplete(true)))
    .addSubcommand((s) => described(s.setName('timezone'), NS, 'command.timezone')
      .addStringOption((o) => described(o.setName('zone'), NS, 'command.timezone.zone').setRequired(true).setMaxLength(100).setAutocomplete(true)))
    .addSubcommand(autoThreadSubcommand)
    .addSubcommand(forumAnswersSubcommand))
    .toJSON(),

  async execute(interaction, ctx) {
    const language = catalogueLanguageOf(interaction.locale);
    if (!interaction.inGuild()) return replyPrivately(interaction, text('guildOnly', language));
    // Admins can loosen the default permission in server settings; the rule is checked here again.
    if (!interaction.memberPermissions.has(PermissionFlagsBits.ManageGuild)) return replyPrivately(interaction, text('denied', language));
    const group = interaction.options.getSubcommandGroup(false);
    const name = group ? `${group}/${interaction.options.getSubcommand(true)}` : interaction.options.getSubcommand(true);
    const moderationHandler = moderationHandlers[name];
    if (moderationHandler) return moderationHandler(interaction, ctx, interaction.guildId, language);
    const handler = handlers[name];
    if (!handler) throw new Error(`/settings has no handler for ${name}`);
    const scope = { ...channelScopeOf(interaction.guildId, interaction.channelId, interaction.channel), guildId: interaction.guildId };
    await handler(interaction, ctx, scope, language);
  },

  async autocomplete(interaction, ctx) {
    const focused = interaction.options.getFocused(true);
    const language = catalogueLanguageOf(interaction.locale);
    const values = focused.name === 'name' && interaction.guildId
      ? ctx.services.settings.modelChoices(interaction.guildId, focused.value, (model) => !ctx.services.responsesOnly.has(model)).map((model) => ({ name: model, value: model }))
      : focused.name === 'language' ? suggestLanguages(focused.value)
        : focused.name === 'zone' ? suggestTimeZones(focused.value).map((zone) => ({ name: zone, value: zone }))
          : [];
    // "default" leads when the box is empty, so clearing is discoverable.
    await interaction.respond(focused.value.trim() === '' ? [clearChoice(language), ...values].slice(0, MAX_CHOICES) : values);
  },
};
