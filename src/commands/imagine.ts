import { InteractionContextType, MessageFlags, SlashCommandBuilder } from 'discord.js';
import { languageOf } from '../services/failureMessages.ts';
import { payerOf } from '../services/discord/payer.ts';
import { NO_MENTIONS } from '../services/discord/sinks.ts';
import { planProblemText, progressText } from '../services/images/messages.ts';
import { IMAGE_QUALITIES, IMAGE_SIZES, MAX_IMAGES } from '../services/images/options.ts';
import { generationDeadline } from '../services/images/delivery.ts';
import { showImages } from '../services/images/present.ts';
import { screenForInteraction } from '../services/moderation/interaction.ts';
import type { SlashCommand } from './types.ts';

/** Discord's own cap on a string option's length (each model's own prompt limit is checked in the plan). */
const PROMPT_MAX_LENGTH = 6000;

export const command: SlashCommand = {
  kind: 'slash',
  data: new SlashCommandBuilder()
    .setName('imagine')
    .setDescription('Generate images from a description')
    .setDescriptionLocalizations({ 'zh-TW': '依描述產生圖片' })
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM, InteractionContextType.PrivateChannel)
    .addStringOption((o) => o.setName('prompt').setDescription('What the image should show').setDescriptionLocalizations({ 'zh-TW': '圖片要呈現的內容' }).setRequired(true).setMaxLength(PROMPT_MAX_LENGTH))
    .addStringOption((o) => o.setName('size').setDescription('Image size (default 1024×1024; which sizes work depends on the image model)')
      .setDescriptionLocalizations({ 'zh-TW': '圖片尺寸（預設 1024×1024；可用的尺寸依圖片模型而定）' })
      .addChoices(...IMAGE_SIZES.map((size) => ({ name: size.name, value: size.value }))))
    .addStringOption((o) => o.setName('quality').setDescription('Image quality (default medium, or standard for dall-e); higher costs more')
      .setDescriptionLocalizations({ 'zh-TW': '圖片品質（預設 medium，dall-e 為 standard）；品質越高越貴' })
      .addChoices(...IMAGE_QUALITIES.map((quality) => ({ name: quality.name, value: quality.value }))))
    .addIntegerOption((o) => o.setName('count').setDescription(`How many images (1-${MAX_IMAGES}, default 1)`).setDescriptionLocalizations({ 'zh-TW': `圖片數量（1-${MAX_IMAGES}，預設 1）` }).setMinValue(1).setMaxValue(MAX_IMAGES))
    .toJSON(),

  async execute(interaction, ctx) {
    const { services } = ctx;
    const language = languageOf(interaction.locale);
    const planned = services.imagine.plan({
      prompt: interaction.options.getString('prompt', true),
      size: interaction.options.getString('size'),
      quality: interaction.options.getString('quality'),
      count: interaction.options.getInteger('count'),
    });
    if (!planned.ok) {
      await interaction.reply({ content: planProblemText(planned.problem, language), flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
      return;
    }
    const { plan } = planned;
    // Defer before anything slow: Discord drops interactions not acknowledged within 3 s.
    await interaction.deferReply();
    if (!(await screenForInteraction(interaction, ctx, 'input', plan.prompt))) return;
    const payer = payerOf(interaction.guildId, interaction.channelId, interaction.user, interaction.member);
    const showProgress = async () => {
      // Progress is a courtesy: a failed edit must not stop images that are already paid for.
      await interaction.editReply({ content: progressText(plan, language), allowedMentions: NO_MENTIONS })
        .catch((error: unknown) => ctx.logger.debug({ err: error }, 'progress edit failed'));
    };
    const outcome = await services.imagine.run(plan, payer, ctx.logger, { deadline: generationDeadline(interaction), onStarted: showProgress });
    await showImages(interaction, outcome, plan, language, ctx.logger);
  },
};
