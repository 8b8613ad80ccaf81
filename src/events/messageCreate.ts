import { Events, type Client, type Message } from 'discord.js';
import type { BotContext } from '../context.ts';
import { requestLogger } from '../logger.ts';
import { ReplyStream } from '../services/discord/replyStream.ts';
import { ChannelReplySink, NO_MENTIONS } from '../services/discord/sinks.ts';
import { displayNameOf } from '../services/discord/people.ts';
import { t } from '../services/failureMessages.ts';
import { t as text } from '../services/i18n.ts';
import { languageOfMessage } from '../services/textLanguage.ts';
import { describeRefusal, describeRefusalInPublic } from '../services/budget/messages.ts';
import { payerOf } from '../services/discord/payer.ts';
import { MessageAuthors, type MessageAuthor } from '../services/discord/messageAuthors.ts';
import { channelScopeOf } from '../services/discord/channelScope.ts';
import { apologizeForMessage } from '../services/discord/messageFailure.ts';
import { afterRequestsWritten } from '../services/discord/inputFirst.ts';
import { maySpeakIn } from '../services/discord/speakPermission.ts';
import { noteOutcome } from '../services/metrics/outcome.ts';
import { transcribeVoiceMessage, wantsTranscription } from '../services/transcription/voiceMessage.ts';
import { promptFromMention, threadQuestion, type ThreadQuestion } from '../services/threads/inbound.ts';
import { threadAfterMention } from '../services/threads/afterAnswer.ts';
import { questionImagesOf } from '../services/vision/attachments.ts';

/** With more answers than this in progress, the typing indicator is skipped. */
const TYPING_MAX_IN_FLIGHT = 5;

/** `member`: the author as the message brought them (undefined in a DM): their roles decide role limits. */
async function answerMention(message: Message, ctx: BotContext, member: MessageAuthor | undefined, asked?: ThreadQuestion): Promise<void> {
  const botId = message.client.user.id;
  const logger = requestLogger(ctx.logger, { event: 'mention', messageId: message.id, userId: message.author.id, guildId: message.guildId ?? undefined });
  // A message has no reader locale: the member reads the language they wrote in (a forum post: its title and text).
  const language = languageOfMessage(asked?.prompt ?? message.content, message.guild?.preferredLocale);
  const allowedMentions = { ...NO_MENTIONS, repliedUser: true };
  // Where the bot can't reply, nothing is sent (not even typing) and nothing is paid for.
  if (!maySpeakIn(message, logger)) return noteOutcome(message, 'ignored');
  try {
    if (!ctx.services.lifecycle.accepting) {
      noteOutcome(message, 'shutting_down');
      await message.reply({ content: t('shuttingDown', language), allowedMentions });
      return;
    }
    const prompt = asked?.prompt ?? promptFromMention(message.content, botId);
    const images = questionImagesOf(message.attachments.values());
    if (prompt === '' && images.length === 0) {
      await message.reply({ content: text(language, 'events', 'emptyMention'), allowedMentions });
      return;
    }
    // Typing costs a bot-token request; when many answers stream at once the cap is better spent on replies.
    if (ctx.services.lifecycle.inFlight <= TYPING_MAX_IN_FLIGHT && 'sendTyping' in message.channel) {
      void message.channel.sendTyping().catch(() => undefined);
      // The indicator leaves before the answer's synchronous start (history, tokens, the reservation, the model request).
      await afterRequestsWritten();
    }
    const sink = new ChannelReplySink(message);
    const reply = new ReplyStream(sink, ctx.services.botTokenPacer, logger);
    const speaker = { id: message.author.id, name: displayNameOf(member, message.author) };
    const result = await ctx.services.ask.answer({
      scope: channelScopeOf(message.guildId, message.channelId, message.channel),
      isPrivate: false,
      payer: payerOf(message.guildId, message.channelId, message.author, member),
      command: 'mention',
      speaker,
      prompt,
      language,
      reply,
      log: logger,
      moderation: { client: message.client, link: message.url },
      images,
    });
    if (!result.ok && result.reason === 'over_budget') {
      noteOutcome(message, 'refused');
      // A DM is private; in a channel everyone would read the member's spend and limit.
      const refusal = message.channel.isDMBased() ? describeRefusal(result.refusal, language, true) : describeRefusalInPublic(result.refusal, language);
      await message.reply({ content: refusal, allowedMentions });
    }
    if (!result.ok && (result.reason === 'moderated' || result.reason === 'image_refused')) await message.reply({ content: result.notice, allowedMentions });
    await threadAfterMention(message, ctx, { result, speaker, prompt, log: logger, asked, reply: sink.first, language });
  } catch (error) {
    await apologizeForMessage(message, error, { log: logger, language, pingAuthor: true, refused: 'Discord refused the reply to a mention', failed: 'answering a mention failed' });
  }
}

/**
 * A voice message in a channel with transcription on gets its transcript; a message that mentions the bot,
 * or any message in a DM with it, is answered like /ask, as a reply (Discord delivers those with their
 * text even without the Message Content intent).
 */
export function registerMessageCreate(client: Client, ctx: BotContext): void {
  const authors = new MessageAuthors(client, ctx.logger);
  client.on(Events.MessageCreate, (message) => {
    const held = authors.take(message.id);
    if (message.author.bot || !client.user) return;
    // A webhook's message (no member) already stopped above: its author is a bot. A member's message whose packet was
    // let go unread (MAX_HELD_AUTHORS passed while discord.js queued packets before READY) has no author at hand.
    if (message.inGuild() && !held) authors.letGo();
    const { lifecycle, metrics } = ctx.services;
    const voice = wantsTranscription(message, ctx);
    // In a DM every message is meant for the bot; in a server only those that mention it, and those in its threads.
    const asked = voice ? undefined : threadQuestion(message, ctx);
    const addressed = voice || asked !== undefined || message.channel.isDMBased() || message.mentions.has(client.user, { ignoreEveryone: true, ignoreRoles: true, ignoreRepliedUser: true });
    if (!addressed) return;
    void lifecycle.track(metrics.message(voice ? 'voice_message' : 'mention', message, async () => {
      const log = requestLogger(ctx.logger, { event: 'message', messageId: message.id, userId: message.author.id });
      // Where the bot can't reply the message is ignored below all the same: no request spent finding its author.
      if (message.inGuild() && !held && !maySpeakIn(message, log)) return noteOutcome(message, 'ignored');
      // The author's roles decide their role limits: one let go is fetched, never guessed as a member without roles.
      const member = message.inGuild() ? held ?? await authors.fetch(message, log) : undefined;
      if (message.inGuild() && !member) {
        noteOutcome(message, 'ignored');
        // Unanswered, not silent: the member is told why, and that another try will do.
        const language = languageOfMessage(message.content, message.guild.preferredLocale);
        await message.reply({ content: text(language, 'events', 'authorUnchecked'), allowedMentions: { ...NO_MENTIONS, repliedUser: true } })
          .catch((error: unknown) => log.warn({ err: error }, 'Discord refused the reply saying the author could not be checked'));
        return;
      }
      if (voice) return transcribeVoiceMessage(message, ctx, member!);
      return answerMention(message, ctx, member, asked);
    }));
  });
}
