import { InteractionContextType, MessageFlags, PermissionFlagsBits, SlashCommandBuilder } from 'discord.js';
import { languageOf } from '../services/failureMessages.ts';
import type { SlashCommand } from './types.ts';

const TEXT = {
  done: { en: 'Done: I forgot this channel\'s conversation ({n} messages).', 'zh-TW': '完成：已忘記這個頻道的對話（{n} 則訊息）。' },
  empty: { en: 'There was no conversation to forget in this channel.', 'zh-TW': '這個頻道沒有需要忘記的對話。' },
  denied: { en: 'You need the **Manage Messages** permission in this channel to reset its conversation.', 'zh-TW': '你需要這個頻道的「管理訊息」權限才能重設對話。' },
} as const;

export const command: SlashCommand = {
  kind: 'slash',
  data: new SlashCommandBuilder()
    .setName('reset')
    .setDescription('Forget this channel\'s conversation with the AI')
    .setDescriptionLocalizations({ 'zh-TW': '忘記這個頻道與 AI 的對話' })
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM, InteractionContextType.PrivateChannel)
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageMessages)
    .toJSON(),

  async execute(interaction, ctx) {
    const language = languageOf(interaction.locale);
    // Admins can loosen the default permission in server settings; the rule is checked here again.
    if (interaction.inGuild() && !interaction.memberPermissions?.has(PermissionFlagsBits.ManageMessages)) {
      await interaction.reply({ content: TEXT.denied[language], flags: MessageFlags.Ephemeral });
      return;
    }
    const removed = ctx.services.history.reset(interaction.channelId);
    const text = removed > 0 ? TEXT.done[language].replace('{n}', String(removed)) : TEXT.empty[language];
    await interaction.reply({ content: text });
  },
};
