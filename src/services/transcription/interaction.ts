import type { ChatInputCommandInteraction, MessageContextMenuCommandInteraction } from 'discord.js';
import type { BotContext } from '../../context.ts';
import { MAX_TRANSCRIPTION_BYTES } from '../audio/limits.ts';
import { describeRefusal } from '../budget/messages.ts';
import { payerOf } from '../discord/payer.ts';
import { replyPrivately } from '../discord/privateReply.ts';
import { languageOf } from '../failureMessages.ts';
import type { AudioSource } from './audioAttachment.ts';
import { describeTranscriptionFailure } from './messages.ts';
import { sendToInteraction, transcriptMessages } from './reply.ts';
import type { TranscribeRequest } from './service.ts';

/** Shared by /transcribe and the Transcribe menu: defer, transcribe, then show the text or, privately, the reason. */
export async function transcribeForInteraction(
  interaction: ChatInputCommandInteraction | MessageContextMenuCommandInteraction,
  ctx: BotContext,
  audio: AudioSource,
  options: { command: TranscribeRequest['command']; language?: string },
): Promise<void> {
  const language = languageOf(interaction.locale);
  const { transcription } = ctx.services;
  if (audio.size > MAX_TRANSCRIPTION_BYTES) {
    // Known from Discord's numbers alone: say so at once, nothing is downloaded.
    return replyPrivately(interaction, describeTranscriptionFailure({ ok: false, reason: 'too_large', size: audio.size }, language, transcription.model));
  }
  // Defer before downloading: Discord drops interactions not acknowledged within 3 s.
  await interaction.deferReply();
  const result = await transcription.transcribe({
    audio, command: options.command, language: options.language, log: ctx.logger,
    payer: payerOf(interaction.guildId, interaction.channelId, interaction.user, interaction.member),
  });
  if (result.ok) return sendToInteraction(interaction, transcriptMessages(result.text, language));
  if (result.reason === 'over_budget') return replyPrivately(interaction, describeRefusal(result.refusal, language));
  // A refused file or failed call is the invoker's business, not the channel's.
  await replyPrivately(interaction, describeTranscriptionFailure(result, language, transcription.model));
}
