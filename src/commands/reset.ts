import { InteractionContextType, PermissionFlagsBits, SlashCommandBuilder } from 'discord.js';
import { catalogue, catalogueLanguageOf } from '../services/i18n.ts';
import { replyPrivately } from '../services/discord/privateReply.ts';
import { described } from '../services/discord/commandText.ts';
import type { SlashCommand } from './types.ts';

const text = catalogue<'done' | 'empty' | 'denied'>('reset');

export const command: SlashCommand = {
  kind: 'slash',
  data: described(new SlashCommandBuilder().setName('reset'), 'reset', 'command.description')
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM, InteractionContextType.PrivateChannel)
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageMessages)
    .toJSON(),

  async execute(interaction, ctx) {
    const language = catalogueLanguageOf(interaction.locale);
    // Admins can loosen the default permission in server settings; the rule is checked here again.
    if (interaction.inGuild() && !interaction.memberPermissions?.has(PermissionFlagsBits.ManageMessages)) {
      return replyPrivately(interaction, text('denied', language));
    }
    const removed = ctx.services.history.reset(interaction.channelId);
    const content = removed > 0 ? text('done', language, { count: removed }) : text('empty', language);
    await interaction.reply({ content });
  },
};
