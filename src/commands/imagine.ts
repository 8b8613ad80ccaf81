import { InteractionContextType, SlashCommandBuilder } from 'discord.js';
import { catalogueLanguageOf } from '../services/i18n.ts';
import { replyPrivately } from '../services/discord/privateReply.ts';
import { choice, described } from '../services/discord/commandText.ts';
import { payerOf } from '../services/discord/payer.ts';
import { NO_MENTIONS } from '../services/discord/sinks.ts';
import { planProblemText, progressText } from '../services/images/messages.ts';
import { IMAGE_QUALITIES, IMAGE_SIZES, MAX_IMAGES } from '../services/images/options.ts';
import { generationDeadline } from '../services/images/delivery.ts';
import { showImages } from '../services/images/present.ts';
import { screenForInteraction } from '../services/moderation/interaction.ts';
import type { SlashCommand } from './types.ts';
import { deferFirst } from '../services/discord/acknowledgeFirst.ts';

/** Discord's own cap on a string option's length (each model's own prompt limit is checked in the plan). */
const PROMPT_MAX_LENGTH = 6000;

/** A size or quality choice, named in the reader's language from the `images` catalogue. */
const option = (name: 'size' | 'quality', value: string) => choice('images', `command.${name}.${value}`, value);

export const command: SlashCommand = {
  kind: 'slash',
  data: described(new SlashCommandBuilder().setName('imagine'), 'images', 'command.description')
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM, InteractionContextType.PrivateChannel)
    .addStringOption((o) => described(o.setName('prompt'), 'images', 'command.prompt')
      .setRequired(true).setMaxLength(PROMPT_MAX_LENGTH))
    .addStringOption((o) => described(o.setName('size'), 'images', 'command.size')
      .addChoices(...IMAGE_SIZES.map((size) => option('size', size))))
    .addStringOption((o) => described(o.setName('quality'), 'images', 'command.quality')
      .addChoices(...IMAGE_QUALITIES.map((quality) => option('quality', quality))))
    .addIntegerOption((o) => described(o.setName('count'), 'images', 'command.count', { max: MAX_IMAGES }).setMinValue(1).setMaxValue(MAX_IMAGES))
    .toJSON(),

  async execute(interaction, ctx) {
    const { services } = ctx;
    const language = catalogueLanguageOf(interaction.locale);
    const planned = services.imagine.plan({
      prompt: interaction.options.getString('prompt', true),
      size: interaction.options.getString('size'),
      quality: interaction.options.getString('quality'),
      count: interaction.options.getInteger('count'),
    });
    if (!planned.ok) {
      return replyPrivately(interaction, planProblemText(planned.problem, language));
    }
    const { plan } = planned;
    // Defer before anything slow: Discord drops interactions not acknowledged within 3 s.
    await deferFirst(interaction);
    if (!(await screenForInteraction(interaction, ctx, 'input', plan.prompt))) return;
    const payer = payerOf(interaction.guildId, interaction.channelId, interaction.user, interaction.member);
    const showProgress = async () => {
      // Progress is a courtesy: a failed edit must not stop images that are already paid for.
      await interaction.editReply({ content: progressText(plan, language), allowedMentions: NO_MENTIONS })
        .catch((error: unknown) => ctx.logger.debug({ err: error }, 'progress edit failed'));
    };
    const outcome = await services.imagine.run(plan, payer, ctx.logger, { deadline: generationDeadline(interaction), onStarted: showProgress });
    try {
      await showImages(interaction, outcome, plan, language, ctx.logger);
    } finally {
      // Images downloaded from URLs hold room among the files in memory until they are posted.
      if (outcome.kind === 'done') outcome.release();
    }
  },
};
