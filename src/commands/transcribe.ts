import { InteractionContextType, MessageFlags, SlashCommandBuilder } from 'discord.js';
import { audioSourceOf } from '../services/transcription/audioAttachment.ts';
import { transcribeForInteraction } from '../services/transcription/interaction.ts';
import { transcriptionLanguage } from '../services/transcription/language.ts';
import { text } from '../services/transcription/messages.ts';
import { languageOf } from '../services/failureMessages.ts';
import { suggestLanguages } from '../services/translate/languages.ts';
import type { SlashCommand } from './types.ts';

/** Longest language name worth accepting ("Traditional Chinese — 繁體中文 (zh-TW)" is 36). */
const LANGUAGE_MAX_LENGTH = 100;

export const command: SlashCommand = {
  kind: 'slash',
  data: new SlashCommandBuilder()
    .setName('transcribe')
    .setDescription('Turn an audio file or voice recording into text')
    .setDescriptionLocalizations({ 'zh-TW': '把音訊檔或錄音轉成文字' })
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM, InteractionContextType.PrivateChannel)
    .addAttachmentOption((o) => o.setName('audio').setDescription('flac, mp3, mp4, m4a, ogg, wav or webm; at most 25 MB').setDescriptionLocalizations({ 'zh-TW': 'flac、mp3、mp4、m4a、ogg、wav 或 webm，最大 25 MB' }).setRequired(true))
    .addStringOption((o) => o.setName('language').setDescription('Spoken language, if you know it (e.g. en, zh, ja); improves accuracy').setDescriptionLocalizations({ 'zh-TW': '錄音使用的語言（例如 en、zh、ja），可提高準確度' }).setMaxLength(LANGUAGE_MAX_LENGTH).setAutocomplete(true))
    .toJSON(),

  async execute(interaction, ctx) {
    const languageInput = interaction.options.getString('language');
    const hint = languageInput ? transcriptionLanguage(languageInput) : undefined;
    if (hint && !hint.ok) {
      await interaction.reply({ content: text('badLanguage', languageOf(interaction.locale), { input: languageInput! }), flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
      return;
    }
    const audio = audioSourceOf(interaction.options.getAttachment('audio', true));
    await transcribeForInteraction(interaction, ctx, audio, { command: 'transcribe', language: hint?.code });
  },

  async autocomplete(interaction) {
    // Only languages with a two-letter code can be passed to the API (Cantonese, `yue`, cannot).
    await interaction.respond(suggestLanguages(interaction.options.getFocused()).filter((choice) => transcriptionLanguage(choice.value).ok));
  },
};
