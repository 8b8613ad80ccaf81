import { InteractionContextType, SlashCommandBuilder } from 'discord.js';
import { catalogueLanguageOf } from '../services/i18n.ts';
import { described } from '../services/discord/commandText.ts';
import { replyPrivately } from '../services/discord/privateReply.ts';
import { suggestLanguages } from '../services/translate/languages.ts';
import { unknownLanguageText } from '../services/translate/messages.ts';
import { translateForInteraction } from '../services/translate/interaction.ts';
import { resolveTarget } from '../services/translate/target.ts';
import { screenForInteraction } from '../services/moderation/interaction.ts';
import type { SlashCommand } from './types.ts';
import { deferFirst } from '../services/discord/acknowledgeFirst.ts';

/** The catalogue (locales/<language>/translate.json) of this command's texts. */
const NS = 'translate';
/** Discord's own cap on a string option's length. */
const TEXT_MAX_LENGTH = 6000;
/** Discord's cap on an autocompleted option's typed value. */
const LANGUAGE_MAX_LENGTH = 100;

export const command: SlashCommand = {
  kind: 'slash',
  data: described(new SlashCommandBuilder().setName('translate'), NS, 'command.description')
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM, InteractionContextType.PrivateChannel)
    .addStringOption((o) => described(o.setName('text'), NS, 'command.text').setRequired(true).setMaxLength(TEXT_MAX_LENGTH))
    .addStringOption((o) => described(o.setName('to'), NS, 'command.to').setAutocomplete(true).setMaxLength(LANGUAGE_MAX_LENGTH))
    .toJSON(),

  async autocomplete(interaction) {
    await interaction.respond(suggestLanguages(interaction.options.getFocused(), undefined, catalogueLanguageOf(interaction.locale)));
  },

  async execute(interaction, ctx) {
    const ui = catalogueLanguageOf(interaction.locale);
    const target = resolveTarget(interaction.options.getString('to'), ctx.services.settings.translateLanguage(interaction.guildId), interaction.locale);
    if (!target.ok) return replyPrivately(interaction, unknownLanguageText(target.input, ui));
    // Defer before anything slow: Discord drops interactions not acknowledged within 3 s.
    await deferFirst(interaction);
    const text = interaction.options.getString('text', true);
    if (!(await screenForInteraction(interaction, ctx, 'input', text))) return;
    await translateForInteraction(interaction, ctx, { text, target: target.language, ui });
  },
};
