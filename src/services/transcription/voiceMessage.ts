import type { Message } from 'discord.js';
import type { BotContext } from '../../context.ts';
import { channelScopeOf } from '../discord/channelScope.ts';
import { NO_MENTIONS } from '../discord/sinks.ts';
import { payerOf } from '../discord/payer.ts';
import { languageOf, t } from '../failureMessages.ts';
import { findAudio, isVoiceMessage } from './audioAttachment.ts';
import { describeTranscriptionFailure, voiceOverBudgetNotice } from './messages.ts';
import { replyToMessage, transcriptMessages } from './reply.ts';

/** A voice message in a server channel where an admin turned automatic transcription on. */
export function wantsTranscription(message: Message, ctx: BotContext): boolean {
  if (ctx.services.transcription.automatic !== 'on' || !ctx.services.lifecycle.accepting || !message.inGuild() || !isVoiceMessage(message)) return false;
  return ctx.services.settings.forChannel(channelScopeOf(message.guildId, message.channelId, message.channel)).voiceTranscription.value;
}

/** Replies to a voice message with its transcript, charged to the speaker; over their limit, a short notice and no call. */
export async function transcribeVoiceMessage(message: Message, ctx: BotContext): Promise<void> {
  const log = ctx.logger.child({ event: 'voice-message', messageId: message.id, userId: message.author.id, guildId: message.guildId ?? undefined });
  const language = languageOf(message.guild?.preferredLocale);
  const audio = findAudio(message);
  if (!audio) {
    // Without the Message Content intent Discord blanks the attachments: nothing to download.
    log.warn('voice message arrived without its attachment; is the Message Content intent enabled in the developer portal?');
    return;
  }
  try {
    if ('sendTyping' in message.channel) await message.channel.sendTyping().catch(() => undefined);
    const result = await ctx.services.transcription.transcribe({
      audio, payer: payerOf(message.guildId, message.channelId, message.author, message.member), command: 'voice-message', log,
    });
    if (result.ok) await replyToMessage(message, transcriptMessages(result.text, language));
    else if (result.reason === 'over_budget') await replyToMessage(message, [{ content: voiceOverBudgetNotice(result.refusal, language) }]);
    else await replyToMessage(message, [{ content: describeTranscriptionFailure(result, language, ctx.services.transcription.model) }]);
  } catch (error) {
    log.error({ err: error }, 'transcribing a voice message failed');
    await message.reply({ content: t('unexpected', language), allowedMentions: { ...NO_MENTIONS, repliedUser: false } }).catch(() => undefined);
  }
}
