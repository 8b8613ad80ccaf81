import { InteractionContextType, MessageFlags, SlashCommandBuilder } from 'discord.js';
import { channelScopeOf } from '../services/discord/channelScope.ts';
import { languageOf } from '../services/failureMessages.ts';
import { describeTokenReport, measureText } from '../services/tokenReport.ts';
import type { SlashCommand } from './types.ts';

/** Discord's own cap on a string option's length, as for /ask: what fits in /ask can be measured. */
const TEXT_MAX_LENGTH = 6000;
/** Discord caps autocomplete values at 100 characters; real model ids are far shorter. */
const MODEL_NAME_MAX_LENGTH = 100;

export const command: SlashCommand = {
  kind: 'slash',
  data: new SlashCommandBuilder()
    .setName('tokens')
    .setDescription('Count a text\'s tokens and estimate its cost, like OpenAI\'s tokenizer page')
    .setDescriptionLocalizations({ 'zh-TW': '計算文字的 token 數與預估費用，如同 OpenAI 的 Tokenizer 頁面' })
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM, InteractionContextType.PrivateChannel)
    .addStringOption((o) => o.setName('text').setDescription('The text to count').setDescriptionLocalizations({ 'zh-TW': '要計算的文字' }).setRequired(true).setMaxLength(TEXT_MAX_LENGTH))
    .addStringOption((o) => o.setName('model').setDescription('The model to count for (default: this channel\'s model)').setDescriptionLocalizations({ 'zh-TW': '以哪個模型計算（預設：這個頻道的模型）' }).setMaxLength(MODEL_NAME_MAX_LENGTH).setAutocomplete(true))
    .toJSON(),

  async execute(interaction, ctx) {
    const { services } = ctx;
    const model = interaction.options.getString('model')?.trim()
      || services.settings.forChannel(channelScopeOf(interaction.guildId, interaction.channelId, interaction.channel)).model.value;
    const report = measureText(interaction.options.getString('text', true), model, services);
    // Counting is local and fast, so no defer is needed; the echoed model name must ping nobody.
    await interaction.reply({ content: describeTokenReport(report, languageOf(interaction.locale)), flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
  },

  async autocomplete(interaction, ctx) {
    // The same suggestions as /settings model; a DM has no server, so only server-independent models match.
    const models = ctx.services.settings.modelChoices(interaction.guildId ?? '', interaction.options.getFocused());
    await interaction.respond(models.map((model) => ({ name: model, value: model })));
  },
};
