import { InteractionContextType, SlashCommandBuilder } from 'discord.js';
import { audioSourceOf } from '../services/transcription/audioAttachment.ts';
import { transcribeForInteraction } from '../services/transcription/interaction.ts';
import { transcriptionLanguage } from '../services/transcription/language.ts';
import { text } from '../services/transcription/messages.ts';
import { MAX_TRANSCRIPTION_BYTES } from '../services/audio/limits.ts';
import { catalogueLanguageOf } from '../services/i18n.ts';
import { replyPrivately } from '../services/discord/privateReply.ts';
import { described } from '../services/discord/commandText.ts';
import { suggestLanguages } from '../services/translate/languages.ts';
import type { SlashCommand } from './types.ts';

/** Discord's cap on an autocompleted option's typed value (the longest language label is 36 characters). */
const LANGUAGE_MAX_LENGTH = 100;
/** The transcription API's upload cap, in the option's description (25: the envelope's few KiB are not worth a decimal). */
const MAX_AUDIO_MB = Math.round(MAX_TRANSCRIPTION_BYTES / (1024 * 1024));

export const command: SlashCommand = {
  kind: 'slash',
  data: described(new SlashCommandBuilder().setName('transcribe'), 'transcription', 'command.description')
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM, InteractionContextType.PrivateChannel)
    .addAttachmentOption((o) => described(o.setName('audio'), 'transcription', 'command.audio', { max: MAX_AUDIO_MB }).setRequired(true))
    .addStringOption((o) => described(o.setName('language'), 'transcription', 'command.language').setMaxLength(LANGUAGE_MAX_LENGTH).setAutocomplete(true))
    .toJSON(),

  async execute(interaction, ctx) {
    const languageInput = interaction.options.getString('language');
    const hint = languageInput ? transcriptionLanguage(languageInput) : undefined;
    if (hint && !hint.ok) {
      return replyPrivately(interaction, text('badLanguage', catalogueLanguageOf(interaction.locale), { input: languageInput! }));
    }
    const audio = audioSourceOf(interaction.options.getAttachment('audio', true));
    await transcribeForInteraction(interaction, ctx, audio, { command: 'transcribe', language: hint?.code });
  },

  async autocomplete(interaction) {
    // Only languages with a two-letter code can be passed to the API (Cantonese, `yue`, cannot).
    await interaction.respond(suggestLanguages(interaction.options.getFocused(), undefined, catalogueLanguageOf(interaction.locale)).filter((choice) => transcriptionLanguage(choice.value).ok));
  },
};
