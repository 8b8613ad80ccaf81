import { DiscordAPIError, RESTJSONErrorCodes, type Message } from 'discord.js';
import type { BotContext } from '../../context.ts';
import { channelScopeOf } from '../discord/channelScope.ts';
import { NO_MENTIONS } from '../discord/sinks.ts';
import { payerOf } from '../discord/payer.ts';
import type { MessageAuthor } from '../discord/messageAuthors.ts';
import { deadEndDetails } from '../discord/deadEnd.ts';
import { apologizeForMessage } from '../discord/messageFailure.ts';
import { maySpeakIn } from '../discord/speakPermission.ts';
import { noteOutcome } from '../metrics/outcome.ts';
import { requestLogger, type Logger } from '../../logger.ts';
import { catalogueLanguageOf } from '../i18n.ts';
import { findAudio, isVoiceMessage } from './audioAttachment.ts';
import { describeTranscriptionFailure, voiceOverBudgetNotice } from './messages.ts';
import { replyToMessage, transcriptMessages } from './reply.ts';

/** Speakers told they are over their limit, until when; per running bot. */
const notified = new WeakMap<object, Map<string, number>>();
/** Bounds the memory of who was told; forgetting only means one more notice. */
const MAX_REMEMBERED_NOTICES = 10_000;

/** One over-limit notice per speaker per budget period, so a chatty speaker can't make the bot spam their DMs. */
function firstNoticeThisPeriod(ctx: BotContext, key: string, resetsAt: number): boolean {
  let told = notified.get(ctx.services.transcription);
  if (!told) notified.set(ctx.services.transcription, (told = new Map()));
  if ((told.get(key) ?? 0) > Date.now()) return false;
  if (told.size >= MAX_REMEMBERED_NOTICES) told.clear();
  told.set(key, resetsAt);
  return true;
}

/** A voice message in a server channel where an admin turned automatic transcription on. */
export function wantsTranscription(message: Message, ctx: BotContext): boolean {
  if (ctx.services.transcription.automatic !== 'on' || !ctx.services.lifecycle.accepting || !message.inGuild() || !isVoiceMessage(message)) return false;
  return ctx.services.settings.forChannel(channelScopeOf(message.guildId, message.channelId, message.channel)).voiceTranscription.value;
}

/**
 * Tells the speaker privately that they are over their limit: never in the channel, where everyone would
 * read it. Closed DMs (50007) are a member's choice, so that is skipped quietly.
 */
async function noticeInPrivate(message: Message, content: string, log: Logger): Promise<void> {
  try {
    await message.author.send({ content: `${content}\n${message.url}`, allowedMentions: NO_MENTIONS });
  } catch (error) {
    if (error instanceof DiscordAPIError && error.code === RESTJSONErrorCodes.CannotSendMessagesToThisUser) log.debug('speaker does not take DMs; over-limit notice skipped');
    else log.warn(deadEndDetails(error), 'could not send the over-limit notice by DM');
  }
}

/**
 * Replies to a voice message with its transcript, charged to the speaker; over their limit, a private notice and no call.
 * `member`: the speaker as the message brought them (their roles decide role limits).
 */
export async function transcribeVoiceMessage(message: Message, ctx: BotContext, member: MessageAuthor): Promise<void> {
  const log = requestLogger(ctx.logger, { event: 'voice-message', messageId: message.id, userId: message.author.id, guildId: message.guildId ?? undefined });
  const language = catalogueLanguageOf(message.guild?.preferredLocale);
  // Where the bot can't reply, the transcript could never be shown: no download, no AI request.
  if (!maySpeakIn(message, log)) return noteOutcome(message, 'ignored');
  if (ctx.services.transcription.routeMissing(Date.now())) {
    log.debug('the AI service has no transcription endpoint; voice message skipped');
    return noteOutcome(message, 'ignored');
  }
  const audio = findAudio(message);
  if (!audio) {
    // Without the Message Content intent Discord blanks the attachments: nothing to download.
    log.warn('voice message arrived without its attachment; is the Message Content intent enabled in the developer portal?');
    return noteOutcome(message, 'error');
  }
  try {
    if ('sendTyping' in message.channel) await message.channel.sendTyping().catch(() => undefined);
    const result = await ctx.services.transcription.transcribe({
      audio, payer: payerOf(message.guildId, message.channelId, message.author, member), command: 'voice-message', log,
    });
    if (result.ok) {
      // Paid for either way; a transcript the server's moderation withholds is replaced by its notice.
      const verdict = await ctx.services.moderation.screen({
        guildId: message.guildId, channelId: message.channelId, userId: message.author.id, direction: 'transcript', text: result.text,
        language, client: message.client, link: message.url, log,
      });
      await replyToMessage(message, verdict.ok ? transcriptMessages(result.text, language) : [{ content: verdict.notice }]);
    }
    else if (result.reason === 'over_budget') {
      noteOutcome(message, 'refused');
      if (firstNoticeThisPeriod(ctx, `${message.guildId}|${message.author.id}`, result.refusal.resetsAt)) {
        await noticeInPrivate(message, voiceOverBudgetNotice(result.refusal, language), log);
      } else log.info('over budget again this period; notice already given');
    }
    else await replyToMessage(message, [{ content: describeTranscriptionFailure(result, language, ctx.services.transcription.model) }]);
  } catch (error) {
    await apologizeForMessage(message, error, { log, language, pingAuthor: false, refused: 'Discord refused the transcript reply', failed: 'transcribing a voice message failed' });
  }
}
