import { DiscordAPIError, RESTJSONErrorCodes, type ChatInputCommandInteraction, type MessageContextMenuCommandInteraction } from 'discord.js';
import type { BotContext } from '../../context.ts';
import type { Logger } from '../../logger.ts';
import { MAX_TRANSCRIPTION_BYTES, REPLY_MARGIN_MS } from '../audio/limits.ts';
import { INTERACTION_TOKEN_LIFETIME_MS } from '../discord/limits.ts';
import { payerOf } from '../discord/payer.ts';
import { replyPrivately, replyRefused } from '../discord/privateReply.ts';
import { NO_MENTIONS } from '../discord/sinks.ts';
import { catalogueLanguageOf, type CatalogueLanguage } from '../i18n.ts';
import type { AudioSource } from './audioAttachment.ts';
import { screenForInteraction } from '../moderation/interaction.ts';
import { describeTranscriptionFailure, text } from './messages.ts';
import { sendToInteraction, transcriptMessages, type OutgoingMessage } from './reply.ts';
import type { TranscribeRequest } from './service.ts';
import { deferFirst } from '../discord/acknowledgeFirst.ts';

type TranscribeInteraction = ChatInputCommandInteraction | MessageContextMenuCommandInteraction;

/** Shared by /transcribe and the Transcribe menu: defer, transcribe, then show the text or, privately, the reason. */
export async function transcribeForInteraction(
  interaction: TranscribeInteraction,
  ctx: BotContext,
  audio: AudioSource,
  options: { command: TranscribeRequest['command']; language?: string },
): Promise<void> {
  const language = catalogueLanguageOf(interaction.locale);
  const { transcription } = ctx.services;
  if (audio.size > MAX_TRANSCRIPTION_BYTES) {
    // Known from Discord's numbers alone: say so at once, nothing is downloaded.
    return replyPrivately(interaction, describeTranscriptionFailure({ ok: false, reason: 'too_large', size: audio.size }, language, transcription.model));
  }
  // Defer before downloading: Discord drops interactions not acknowledged within 3 s.
  await deferFirst(interaction);
  const result = await transcription.transcribe({
    audio, command: options.command, language: options.language, log: ctx.logger,
    payer: payerOf(interaction.guildId, interaction.channelId, interaction.user, interaction.member),
    // The download and every attempt end while the token still has time for the reply.
    deadline: interaction.createdTimestamp + INTERACTION_TOKEN_LIFETIME_MS - REPLY_MARGIN_MS,
  });
  // The transcription is paid for either way; a transcript the server's moderation withholds is replaced by its notice.
  if (result.ok && !(await screenForInteraction(interaction, ctx, 'transcript', result.text, interaction.isMessageContextMenuCommand() ? interaction.targetMessage : undefined))) return;
  if (result.ok) return deliverTranscript(interaction, transcriptMessages(result.text, language), { file: audio.filename, language, log: ctx.logger });
  if (result.reason === 'over_budget') return replyRefused(interaction, result.refusal, language);
  // A refused file or failed call is the invoker's business, not the channel's.
  await replyPrivately(interaction, describeTranscriptionFailure(result, language, transcription.model));
}

/** Discord's answers for a dead interaction token: the webhook is gone or its token no longer valid. */
const EXPIRED_TOKEN_CODES = new Set<number | string>([RESTJSONErrorCodes.InvalidWebhookToken, RESTJSONErrorCodes.UnknownWebhook, RESTJSONErrorCodes.UnknownInteraction]);

/**
 * The transcript was paid for, so it must reach the member: in the interaction while its token lives, else by
 * direct message (silently dropped when their DMs are closed: nothing else can reach them).
 */
async function deliverTranscript(interaction: TranscribeInteraction, messages: OutgoingMessage[], about: { file: string; language: CatalogueLanguage; log: Logger }): Promise<void> {
  if (Date.now() - interaction.createdTimestamp < INTERACTION_TOKEN_LIFETIME_MS) {
    try {
      return await sendToInteraction(interaction, messages);
    } catch (error) {
      if (!(error instanceof DiscordAPIError && EXPIRED_TOKEN_CODES.has(error.code))) throw error;
    }
  }
  about.log.warn({ interactionId: interaction.id }, 'interaction token expired before the transcript could be shown; sending it by DM');
  try {
    await interaction.user.send({ content: text('lateDelivery', about.language, { file: about.file.replace(/[*_`~|\\]/g, '') }), allowedMentions: NO_MENTIONS });
    for (const message of messages) await interaction.user.send({ ...message, allowedMentions: NO_MENTIONS });
  } catch (error) {
    about.log.info({ err: error instanceof Error ? error.message : String(error) }, 'could not DM the late transcript (DMs closed?)');
  }
}
