import { InteractionContextType, MessageFlags, SlashCommandBuilder } from 'discord.js';
import { catalogueLanguageOf, localizations, t } from '../services/i18n.ts';
import { payerOf } from '../services/discord/payer.ts';
import { describeUsage } from '../services/budget/usageText.ts';
import type { SlashCommand } from './types.ts';

export const command: SlashCommand = {
  kind: 'slash',
  data: new SlashCommandBuilder()
    .setName('usage')
    .setDescription(t('en', 'usage', 'command.description'))
    .setDescriptionLocalizations(localizations('usage', 'command.description'))
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM, InteractionContextType.PrivateChannel)
    .toJSON(),

  async execute(interaction, ctx) {
    // In DMs there is no server: the ledger applies the bot-wide default.
    const payer = payerOf(interaction.guildId, interaction.channelId, interaction.user, interaction.member);
    // On a host of several, the member's and the bot's totals are the coordinator's.
    const view = await ctx.services.hosts.withSharedTotals(ctx.services.budget.usage(payer), payer.userId);
    const text = describeUsage(view, catalogueLanguageOf(interaction.locale));
    await interaction.reply({ content: text, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
  },
};
