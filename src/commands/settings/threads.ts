import {
  ChannelType, PermissionFlagsBits, PermissionsBitField, SlashCommandSubcommandBuilder, type ChatInputCommandInteraction, type GuildBasedChannel,
} from 'discord.js';
import type { BotContext } from '../../context.ts';
import { catalogueLanguageOf, type CatalogueLanguage } from '../../services/i18n.ts';
import { choice, described } from '../../services/discord/commandText.ts';
import { replyPrivately } from '../../services/discord/privateReply.ts';
import { FORUM_TYPES, isForumType } from '../../services/threads/forumTypes.ts';
import { missingThreadPermissions } from '../../services/threads/permissions.ts';
import { permissionNames, threadText } from '../../services/threads/texts.ts';

const NS = 'threads';
/** Answering a post is replying to its starter message, inside the post's thread. */
const FORUM_PERMISSIONS = PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessagesInThreads | PermissionFlagsBits.ReadMessageHistory;

type Interaction = ChatInputCommandInteraction<'cached' | 'raw'>;

const stateOption = (s: SlashCommandSubcommandBuilder) => s.addStringOption((o) => described(o.setName('state'), NS, 'command.settings.state').setRequired(true)
  .addChoices(choice('settings', 'command.choice.on', 'on'), choice('settings', 'command.choice.off', 'off')));

export const autoThreadSubcommand = (s: SlashCommandSubcommandBuilder) => stateOption(described(s.setName('auto-thread'), NS, 'command.settings.autoThread'));

export const forumAnswersSubcommand = (s: SlashCommandSubcommandBuilder) => stateOption(described(s.setName('forum-answers'), NS, 'command.settings.forumAnswers')
  .addChannelOption((o) => described(o.setName('forum'), NS, 'command.settings.forum').setRequired(true).addChannelTypes(...FORUM_TYPES)));

/** Only the admin sees it, like every /settings reply; a line left undefined is skipped. */
const answer = (interaction: Interaction, lines: (string | undefined)[]) => replyPrivately(interaction, lines.filter(Boolean).join('\n'));

/** When turning something on: says if messages without a mention can't be read yet, and why. */
function inactiveNote(ctx: BotContext, language: CatalogueLanguage): string | undefined {
  const { conversations } = ctx.services.threads;
  return conversations === 'on' ? undefined : threadText(conversations === 'off' ? 'inactiveConfig' : 'inactiveIntent', language);
}

/** The bot's permissions missing in a channel, read from the gateway's cache. */
function missingIn(channel: GuildBasedChannel, needed: bigint): string[] {
  return channel.permissionsFor(channel.client.user)?.missing(new PermissionsBitField(needed)) ?? [];
}

export const threadSettingsHandlers = {
  async 'auto-thread'(interaction: Interaction, ctx: BotContext) {
    const language = catalogueLanguageOf(interaction.locale);
    const on = interaction.options.getString('state', true) === 'on';
    const { channel } = interaction;
    if (!interaction.inCachedGuild() || (channel?.type !== ChannelType.GuildText && channel?.type !== ChannelType.GuildAnnouncement)) {
      return answer(interaction, [threadText('autoThreadNotHere', language)]);
    }
    ctx.services.threads.set(channel.id, channel.guildId, 'autoThread', on, interaction.user.id);
    if (!on) return answer(interaction, [threadText('autoThreadOff', language)]);
    const missing = missingThreadPermissions(channel);
    await answer(interaction, [
      threadText('autoThreadOn', language),
      missing.length > 0 ? threadText('missingPermissions', language, { permissions: permissionNames(missing, language), channel: `<#${channel.id}>` }) : undefined,
      inactiveNote(ctx, language),
    ]);
  },

  async 'forum-answers'(interaction: Interaction, ctx: BotContext) {
    const language = catalogueLanguageOf(interaction.locale);
    const on = interaction.options.getString('state', true) === 'on';
    const picked = interaction.options.getChannel('forum', true);
    const forum = interaction.inCachedGuild() ? interaction.guild.channels.cache.get(picked.id) : undefined;
    if (!forum || !isForumType(forum.type)) return answer(interaction, [threadText('notForum', language, { channel: `<#${picked.id}>` })]);
    ctx.services.threads.set(forum.id, forum.guildId, 'forumAnswers', on, interaction.user.id);
    if (!on) return answer(interaction, [threadText('forumAnswersOff', language, { forum: `<#${forum.id}>` })]);
    const missing = missingIn(forum, FORUM_PERMISSIONS);
    await answer(interaction, [
      threadText('forumAnswersOn', language, { forum: `<#${forum.id}>` }),
      missing.length > 0 ? threadText('missingForumPermissions', language, { permissions: permissionNames(missing, language), channel: `<#${forum.id}>` }) : undefined,
      inactiveNote(ctx, language),
    ]);
  },
};

/** The /settings show line: whether answers in this channel open threads. */
export function threadSettingsLine(ctx: BotContext, channelId: string, locale: string, guildId?: string): string {
  const language = catalogueLanguageOf(locale);
  const auto = threadText('show', language, { state: ctx.services.threads.autoThread(channelId) ? 'on' : 'off' });
  if (!guildId) return auto;
  // Forum answers are set on forums, where slash commands can't be run: the server's list is shown from anywhere.
  const forums = ctx.services.threads.answeredForums(guildId);
  return `${auto}\n${threadText(forums.length > 0 ? 'showForums' : 'showForumsNone', language, { forums: forums.map((id) => `<#${id}>`).join(' ') })}`;
}
