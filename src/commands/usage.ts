import { InteractionContextType, MessageFlags, SlashCommandBuilder } from 'discord.js';
import { catalogueLanguageOf } from '../services/i18n.ts';
import { described } from '../services/discord/commandText.ts';
import { payerOf } from '../services/discord/payer.ts';
import { editReplyWithChart } from '../services/discord/chartReply.ts';
import { describeUsage } from '../services/budget/usageText.ts';
import type { SlashCommand } from './types.ts';
import { deferFirst } from '../services/discord/acknowledgeFirst.ts';
import { NO_MENTIONS } from '../services/discord/sinks.ts';

export const command: SlashCommand = {
  kind: 'slash',
  data: described(new SlashCommandBuilder().setName('usage'), 'usage', 'command.description')
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM, InteractionContextType.PrivateChannel)
    .toJSON(),

  async execute(interaction, ctx) {
    // The chart is drawn after the acknowledgement (its first one also loads the drawing code and font).
    await deferFirst(interaction, { flags: MessageFlags.Ephemeral });
    // In DMs there is no server: the ledger applies the bot-wide default.
    const payer = payerOf(interaction.guildId, interaction.channelId, interaction.user, interaction.member);
    // On a host of several, the member's and the bot's totals are the coordinator's.
    const view = await ctx.services.hosts.withSharedTotals(ctx.services.budget.usage(payer), payer.userId);
    const language = catalogueLanguageOf(interaction.locale);
    const text = describeUsage(view, language);
    const { personal, timeZone } = view.report;
    const chart = async () => ctx.services.charts.draw(ctx.services.charts.member(
      { guildId: payer.guildId, userId: payer.userId, limit: personal && personal.limit, timeZone }, language));
    await editReplyWithChart(interaction, { content: text, allowedMentions: NO_MENTIONS }, chart, ctx.logger);
  },
};
