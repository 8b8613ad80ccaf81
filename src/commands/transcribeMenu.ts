import { ApplicationCommandType, ContextMenuCommandBuilder, InteractionContextType } from 'discord.js';
import { catalogueLanguageOf, localizations } from '../services/i18n.ts';
import { replyPrivately } from '../services/discord/privateReply.ts';
import { findAudio } from '../services/transcription/audioAttachment.ts';
import { transcribeForInteraction } from '../services/transcription/interaction.ts';
import { text } from '../services/transcription/messages.ts';
import type { MessageMenuCommand } from './types.ts';

export const command: MessageMenuCommand = {
  kind: 'message-menu',
  data: new ContextMenuCommandBuilder()
    .setName('Transcribe')
    .setNameLocalizations(localizations('transcription', 'command.menu'))
    .setType(ApplicationCommandType.Message)
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM, InteractionContextType.PrivateChannel)
    .toJSON(),

  async execute(interaction, ctx) {
    const audio = findAudio(interaction.targetMessage);
    if (!audio) {
      return replyPrivately(interaction, text('noAudio', catalogueLanguageOf(interaction.locale)));
    }
    await transcribeForInteraction(interaction, ctx, audio, { command: 'transcribe-menu' });
  },
};
