import { ChannelType, MessageFlags, type ChatInputCommandInteraction, type SlashCommandSubcommandsOnlyBuilder } from 'discord.js';
import type { BotContext } from '../../context.ts';
import type { ModerationMode } from '../../db/moderationSettings.ts';
import { catalogue, localizations, t, type CatalogueLanguage } from '../../services/i18n.ts';
import { noteChannelProblem } from '../../services/moderation/logChannel.ts';

const NS = 'moderation';
const text = catalogue(NS);
const describe = (key: string) => ({ description: t('en', NS, key), localizations: localizations(NS, key) });
const choice = (value: string) => ({ name: value, value, name_localizations: localizations(NS, `choice.${value}`) });
/** Channels a note can be posted in. */
const NOTE_CHANNEL_TYPES = [ChannelType.GuildText, ChannelType.GuildAnnouncement, ChannelType.PublicThread, ChannelType.PrivateThread] as const;

/** `/settings moderation`, `moderation-log` and `moderation-failure` (server-wide, Manage Server like the rest of /settings). */
export function addModerationSubcommands(builder: SlashCommandSubcommandsOnlyBuilder): SlashCommandSubcommandsOnlyBuilder {
  const moderation = describe('command.moderation');
  const mode = describe('command.moderation.mode');
  const log = describe('command.moderationLog');
  const channel = describe('command.moderationLog.channel');
  const failure = describe('command.moderationFailure');
  const state = describe('command.moderationFailure.state');
  return builder
    .addSubcommand((s) => s.setName('moderation').setDescription(moderation.description).setDescriptionLocalizations(moderation.localizations)
      .addStringOption((o) => o.setName('mode').setDescription(mode.description).setDescriptionLocalizations(mode.localizations).setRequired(true)
        .addChoices(choice('off'), choice('flag'), choice('block'))))
    .addSubcommand((s) => s.setName('moderation-log').setDescription(log.description).setDescriptionLocalizations(log.localizations)
      .addChannelOption((o) => o.setName('channel').setDescription(channel.description).setDescriptionLocalizations(channel.localizations).addChannelTypes(...NOTE_CHANNEL_TYPES)))
    .addSubcommand((s) => s.setName('moderation-failure').setDescription(failure.description).setDescriptionLocalizations(failure.localizations)
      .addStringOption((o) => o.setName('state').setDescription(state.description).setDescriptionLocalizations(state.localizations).setRequired(true)
        .addChoices(choice('open'), choice('closed'))));
}

type Handler = (interaction: ChatInputCommandInteraction, ctx: BotContext, guildId: string, language: CatalogueLanguage) => Promise<void>;

async function answer(interaction: ChatInputCommandInteraction, content: string): Promise<void> {
  await interaction.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
}

export const moderationHandlers: Record<string, Handler> = {
  async moderation(interaction, ctx, guildId, language) {
    const mode = interaction.options.getString('mode', true) as ModerationMode;
    const { moderation } = ctx.services;
    moderation.setMode(guildId, mode);
    const logChannel = moderation.settings(guildId).logChannelId;
    const key = mode === 'off' ? 'modeOff' : mode === 'block' ? 'modeBlock' : logChannel ? 'modeFlag' : 'modeFlagNoLog';
    await answer(interaction, text(key, language, { channel: logChannel ? `<#${logChannel}>` : '' }));
  },

  async 'moderation-log'(interaction, ctx, guildId, language) {
    const picked = interaction.options.getChannel('channel');
    if (!picked) {
      ctx.services.moderation.setLogChannel(guildId, null);
      return answer(interaction, text('logCleared', language));
    }
    const mention = `<#${picked.id}>`;
    const problem = noteChannelProblem(interaction.client, picked.id);
    if (problem === 'not_text' || problem === 'missing') return answer(interaction, text('logNotText', language, { channel: mention }));
    if (problem === 'no_permission') return answer(interaction, text('logUnusable', language, { channel: mention }));
    ctx.services.moderation.setLogChannel(guildId, picked.id);
    await answer(interaction, text('logSet', language, { channel: mention }));
  },

  async 'moderation-failure'(interaction, ctx, guildId, language) {
    const closed = interaction.options.getString('state', true) === 'closed';
    ctx.services.moderation.setFailClosed(guildId, closed);
    await answer(interaction, text(closed ? 'failureClosed' : 'failureOpen', language));
  },
};

/** The moderation line of `/settings show`. */
export function describeModeration(ctx: BotContext, guildId: string, language: CatalogueLanguage): string {
  const settings = ctx.services.moderation.settings(guildId);
  return text('show', language, {
    mode: text(`choice.${settings.mode}`, language),
    log: settings.logChannelId ? `<#${settings.logChannelId}>` : text('showNoLog', language),
    failure: text(settings.failClosed ? 'choice.closed' : 'choice.open', language),
  });
}
