import { Events, type Client, type Message } from 'discord.js';
import type { BotContext } from '../context.ts';
import { ReplyStream } from '../services/discord/replyStream.ts';
import { ChannelReplySink, NO_MENTIONS } from '../services/discord/sinks.ts';
import { displayNameOf } from '../services/discord/people.ts';
import { languageOf, t } from '../services/failureMessages.ts';
import { describeRefusal } from '../services/budget/messages.ts';
import { payerOf } from '../services/discord/payer.ts';
import { channelScopeOf } from '../services/discord/channelScope.ts';
import { deadEndDetails, isDeadEnd } from '../services/discord/deadEnd.ts';
import { maySpeakIn } from '../services/discord/speakPermission.ts';
import { noteOutcome } from '../services/metrics/outcome.ts';
import { transcribeVoiceMessage, wantsTranscription } from '../services/transcription/voiceMessage.ts';
import { questionImagesOf } from '../services/vision/attachments.ts';

/** With more answers than this in progress, the typing indicator is skipped. */
const TYPING_MAX_IN_FLIGHT = 5;

const EMPTY_MENTION = { en: 'Hi! Mention me with a question (for example `@me what is a token?`), or use `/ask`.', 'zh-TW': '嗨！請在提及我時附上問題（例如 `@我 什麼是 token？`），或使用 `/ask`。' } as const;

/** The text of a message that mentions the bot, without the mention itself. */
export function promptFromMention(content: string, botId: string): string {
  return content.replace(new RegExp(`<@!?${botId}>`, 'g'), '').trim();
}

async function answerMention(message: Message, ctx: BotContext): Promise<void> {
  const botId = message.client.user.id;
  const logger = ctx.logger.child({ event: 'mention', messageId: message.id, userId: message.author.id, guildId: message.guildId ?? undefined });
  const language = languageOf(message.guild?.preferredLocale);
  const allowedMentions = { ...NO_MENTIONS, repliedUser: true };
  // Where the bot can't reply, nothing is sent (not even typing) and nothing is paid for.
  if (!maySpeakIn(message, logger)) return noteOutcome('ignored');
  try {
    if (!ctx.services.lifecycle.accepting) {
      noteOutcome('shutting_down');
      await message.reply({ content: t('shuttingDown', language), allowedMentions });
      return;
    }
    const prompt = promptFromMention(message.content, botId);
    const images = questionImagesOf(message.attachments.values());
    if (prompt === '' && images.length === 0) {
      await message.reply({ content: EMPTY_MENTION[language], allowedMentions });
      return;
    }
    // Typing costs a bot-token request; when many answers stream at once the cap is better spent on replies.
    if (ctx.services.lifecycle.inFlight <= TYPING_MAX_IN_FLIGHT && 'sendTyping' in message.channel) {
      void message.channel.sendTyping().catch(() => undefined);
    }
    const reply = new ReplyStream(new ChannelReplySink(message), ctx.services.botTokenPacer, logger);
    const result = await ctx.services.ask.answer({
      scope: channelScopeOf(message.guildId, message.channelId, message.channel),
      isPrivate: false,
      payer: payerOf(message.guildId, message.channelId, message.author, message.member),
      command: 'mention',
      speaker: { id: message.author.id, name: displayNameOf(message.member, message.author) },
      prompt,
      language,
      reply,
      log: logger,
      images,
    });
    if (!result.ok && result.reason === 'over_budget') await message.reply({ content: describeRefusal(result.refusal, language), allowedMentions });
  } catch (error) {
    noteOutcome('error');
    // Discord refused for good (403/404): one more reply would only be refused again.
    if (isDeadEnd(error)) return void logger.warn(deadEndDetails(error), 'Discord refused the reply to a mention');
    logger.error({ err: error }, 'answering a mention failed');
    await message.reply({ content: t('unexpected', language), allowedMentions }).catch(() => undefined);
  }
}

/**
 * A voice message in a channel with transcription on gets its transcript; a message that mentions the bot,
 * or any message in a DM with it, is answered like /ask, as a reply (Discord delivers those with their
 * text even without the Message Content intent).
 */
export function registerMessageCreate(client: Client, ctx: BotContext): void {
  client.on(Events.MessageCreate, (message) => {
    if (message.author.bot || !client.user) return;
    const { lifecycle, metrics } = ctx.services;
    if (wantsTranscription(message, ctx)) return void lifecycle.track(metrics.message('voice_message', () => transcribeVoiceMessage(message, ctx)));
    // In a DM every message is meant for the bot; in a server only those that mention it.
    const addressed = message.channel.isDMBased() || message.mentions.has(client.user, { ignoreEveryone: true, ignoreRoles: true, ignoreRepliedUser: true });
    if (addressed) void lifecycle.track(metrics.message('mention', () => answerMention(message, ctx)));
  });
}
