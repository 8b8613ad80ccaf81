import { InteractionContextType, MessageFlags, SlashCommandBuilder } from 'discord.js';
import { languageOf } from '../services/failureMessages.ts';
import { catalogueLanguageOf } from '../services/i18n.ts';
import { payerOf } from '../services/discord/payer.ts';
import { editReplyWithChart } from '../services/discord/chartReply.ts';
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
    // The chart is drawn after the acknowledgement (its first one also loads the drawing code and font).
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    // In DMs there is no server: the ledger applies the bot-wide default.
    const payer = payerOf(interaction.guildId, interaction.channelId, interaction.user, interaction.member);
    const view = ctx.services.budget.usage(payer);
    const text = describeUsage(view, languageOf(interaction.locale));
    const { personal, timeZone } = view.report;
    const chart = async () => ctx.services.charts.draw(ctx.services.charts.member(
      { guildId: payer.guildId, userId: payer.userId, limit: personal && personal.limit, timeZone }, catalogueLanguageOf(interaction.locale)));
    await editReplyWithChart(interaction, { content: text, allowedMentions: { parse: [] } }, chart, ctx.logger);
  },
};
