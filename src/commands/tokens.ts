import { InteractionContextType, SlashCommandBuilder } from 'discord.js';
import { channelScopeOf } from '../services/discord/channelScope.ts';
import { described } from '../services/discord/commandText.ts';
import { catalogueLanguageOf } from '../services/i18n.ts';
import { replyPrivately } from '../services/discord/privateReply.ts';
import { describeTokenReport, measureText } from '../services/tokenReport.ts';
import type { SlashCommand } from './types.ts';

/** Discord's own cap on a string option's length, as for /ask: what fits in /ask can be measured. */
const TEXT_MAX_LENGTH = 6000;
/** Discord caps autocomplete values at 100 characters; real model ids are far shorter. */
const MODEL_NAME_MAX_LENGTH = 100;

export const command: SlashCommand = {
  kind: 'slash',
  data: described(new SlashCommandBuilder().setName('tokens'), 'tokens', 'command.description')
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM, InteractionContextType.PrivateChannel)
    .addStringOption((o) => described(o.setName('text'), 'tokens', 'command.text').setRequired(true).setMaxLength(TEXT_MAX_LENGTH))
    .addStringOption((o) => described(o.setName('model'), 'tokens', 'command.model').setMaxLength(MODEL_NAME_MAX_LENGTH).setAutocomplete(true))
    .toJSON(),

  async execute(interaction, ctx) {
    const { services } = ctx;
    const model = interaction.options.getString('model')?.trim()
      || services.settings.forChannel(channelScopeOf(interaction.guildId, interaction.channelId, interaction.channel)).model.value;
    const report = measureText(interaction.options.getString('text', true), model, services);
    // Counting is local and fast, so no defer is needed; the echoed model name must ping nobody.
    await replyPrivately(interaction, describeTokenReport(report, catalogueLanguageOf(interaction.locale)));
  },

  async autocomplete(interaction, ctx) {
    // The same suggestions as /settings model; a DM has no server, so only server-independent models match.
    const models = ctx.services.settings.modelChoices(interaction.guildId ?? '', interaction.options.getFocused());
    await interaction.respond(models.map((model) => ({ name: model, value: model })));
  },
};
