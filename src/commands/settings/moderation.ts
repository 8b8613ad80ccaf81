import { ChannelType, type ChatInputCommandInteraction, type SlashCommandSubcommandsOnlyBuilder } from 'discord.js';
import type { BotContext } from '../../context.ts';
import type { ModerationMode } from '../../db/moderationSettings.ts';
import { choice, described } from '../../services/discord/commandText.ts';
import { replyPrivately } from '../../services/discord/privateReply.ts';
import { catalogue, type CatalogueLanguage } from '../../services/i18n.ts';
import { noteChannelProblem } from '../../services/moderation/logChannel.ts';

const NS = 'moderation';
const text = catalogue(NS);
const option = (value: string) => choice(NS, `choice.${value}`, value);
/** Channels a note can be posted in. */
const NOTE_CHANNEL_TYPES = [ChannelType.GuildText, ChannelType.GuildAnnouncement, ChannelType.PublicThread, ChannelType.PrivateThread] as const;

/** `/settings moderation`, `moderation-log` and `moderation-failure` (server-wide, Manage Server like the rest of /settings). */
export function addModerationSubcommands(builder: SlashCommandSubcommandsOnlyBuilder): SlashCommandSubcommandsOnlyBuilder {
  return builder
    .addSubcommand((s) => described(s.setName('moderation'), NS, 'command.moderation')
      .addStringOption((o) => described(o.setName('mode'), NS, 'command.moderation.mode').setRequired(true)
        .addChoices(option('off'), option('flag'), option('block'))))
    .addSubcommand((s) => described(s.setName('moderation-log'), NS, 'command.moderationLog')
      .addChannelOption((o) => described(o.setName('channel'), NS, 'command.moderationLog.channel').addChannelTypes(...NOTE_CHANNEL_TYPES)))
    .addSubcommand((s) => described(s.setName('moderation-failure'), NS, 'command.moderationFailure')
      .addStringOption((o) => described(o.setName('state'), NS, 'command.moderationFailure.state').setRequired(true)
        .addChoices(option('open'), option('closed'))));
}

type Handler = (interaction: ChatInputCommandInteraction, ctx: BotContext, guildId: string, language: CatalogueLanguage) => Promise<void>;

export const moderationHandlers: Record<string, Handler> = {
  async moderation(interaction, ctx, guildId, language) {
    const mode = interaction.options.getString('mode', true) as ModerationMode;
    const { moderation } = ctx.services;
    moderation.setMode(guildId, mode);
    const logChannel = moderation.settings(guildId).logChannelId;
    const key = mode === 'off' ? 'modeOff' : mode === 'block' ? 'modeBlock' : logChannel ? 'modeFlag' : 'modeFlagNoLog';
    await replyPrivately(interaction, text(key, language, { channel: logChannel ? `<#${logChannel}>` : '' }));
  },

  async 'moderation-log'(interaction, ctx, guildId, language) {
    const picked = interaction.options.getChannel('channel');
    if (!picked) {
      ctx.services.moderation.setLogChannel(guildId, null);
      return replyPrivately(interaction, text('logCleared', language));
    }
    const mention = `<#${picked.id}>`;
    const problem = noteChannelProblem(interaction.client, picked.id);
    if (problem === 'not_text' || problem === 'missing') return replyPrivately(interaction, text('logNotText', language, { channel: mention }));
    if (problem === 'no_permission') return replyPrivately(interaction, text('logUnusable', language, { channel: mention }));
    ctx.services.moderation.setLogChannel(guildId, picked.id);
    await replyPrivately(interaction, text('logSet', language, { channel: mention }));
  },

  async 'moderation-failure'(interaction, ctx, guildId, language) {
    const closed = interaction.options.getString('state', true) === 'closed';
    ctx.services.moderation.setFailClosed(guildId, closed);
    await replyPrivately(interaction, text(closed ? 'failureClosed' : 'failureOpen', language));
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
