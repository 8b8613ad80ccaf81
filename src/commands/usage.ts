import { InteractionContextType, MessageFlags, SlashCommandBuilder } from 'discord.js';
import { languageOf } from '../services/failureMessages.ts';
import { payerOf } from '../services/discord/payer.ts';
import { describeUsage } from '../services/budget/usageText.ts';
import type { SlashCommand } from './types.ts';

export const command: SlashCommand = {
  kind: 'slash',
  data: new SlashCommandBuilder()
    .setName('usage')
    .setDescription('Your AI spending: this period, your limit, what is left and when it resets')
    .setDescriptionLocalizations({ 'zh-TW': '你的 AI 花費：本期已用、額度、剩餘與重設時間' })
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM, InteractionContextType.PrivateChannel)
    .toJSON(),

  async execute(interaction, ctx) {
    // In DMs there is no server: the ledger applies the bot-wide default.
    const payer = payerOf(interaction.guildId, interaction.channelId, interaction.user, interaction.member);
    // On a host of several, the member's and the bot's totals are the coordinator's.
    const view = await ctx.services.hosts.withSharedTotals(ctx.services.budget.usage(payer), payer.userId);
    const text = describeUsage(view, languageOf(interaction.locale));
    await interaction.reply({ content: text, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
  },
};
