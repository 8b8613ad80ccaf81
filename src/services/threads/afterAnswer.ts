import { MessageFlags, type ChatInputCommandInteraction, type Message, type SendableChannels } from 'discord.js';
import type { BotContext } from '../../context.ts';
import type { Logger } from '../../logger.ts';
import type { AskResult } from '../ask.ts';
import { deadEndDetails } from '../discord/deadEnd.ts';
import { NO_MENTIONS } from '../discord/sinks.ts';
import type { Speaker } from '../history.ts';
import { catalogueLanguageOf, type CatalogueLanguage } from '../i18n.ts';
import { openAnswerThread, threadWish, type ThreadOpening } from './answerThread.ts';
import type { ThreadQuestion } from './inbound.ts';
import { threadText } from './texts.ts';

interface Answered {
  result: AskResult;
  speaker: Speaker;
  prompt: string;
  log: Logger;
}

/** The exchange as the thread's history keeps it (the same turn, and model, the channel's history got). */
function exchangeOf(answered: Answered & { result: AskResult & { ok: true } }): ThreadOpening['exchange'] {
  const { usage } = answered.result.outcome;
  return {
    speaker: answered.speaker, prompt: answered.prompt, answer: answered.result.text, model: answered.result.model,
    promptTokens: usage?.promptTokens, completionTokens: usage?.completionTokens,
  };
}

/** After `/ask`: a thread on the answer when asked for (`thread`) or set for the channel (auto-thread). */
export async function threadAfterAsk(
  interaction: ChatInputCommandInteraction, ctx: BotContext, answered: Answered & { explicit: boolean | null; isPrivate: boolean; startMessageId: string | undefined },
): Promise<void> {
  const { result, log } = answered;
  if (!result.ok) return;
  const wish = threadWish(interaction.channel, answered.explicit, answered.isPrivate, ctx.services.threads);
  if (wish.kind === 'none') return;
  const language = catalogueLanguageOf(interaction.locale);
  if (wish.kind === 'impossible') {
    await interaction.followUp({ content: threadText('notHere', language), flags: MessageFlags.Ephemeral }).catch((error: unknown) => log.warn(deadEndDetails(error), 'could not say why no thread was opened'));
    return;
  }
  if (!answered.startMessageId) return void log.warn('the answer has no message to open a thread on');
  await openAnswerThread({
    channel: wish.channel, origin: wish.origin, startMessageId: answered.startMessageId, language, log,
    exchange: exchangeOf({ ...answered, result }),
    // Everyone in the channel sees that no thread was opened, so the note is for everyone too.
    note: (content) => interaction.followUp({ content, allowedMentions: NO_MENTIONS }),
  }, ctx.services);
}

/**
 * After a mention or a thread message was answered: a forum post the bot answered becomes one of its
 * threads; a mention in a channel with auto-thread on opens a thread on the reply.
 */
export async function threadAfterMention(
  message: Message, ctx: BotContext, answered: Answered & { asked: ThreadQuestion | undefined; reply: Message | undefined; language: CatalogueLanguage },
): Promise<void> {
  const { result, log } = answered;
  if (!result.ok || !message.inGuild()) return;
  if (answered.asked?.kind === 'forum' && message.channel.isThread() && message.channel.parentId) {
    ctx.services.threads.remember({ threadId: message.channelId, guildId: message.guildId, parentId: message.channel.parentId, origin: 'forum', openedFor: message.author.id });
    return;
  }
  const wish = threadWish(message.channel, null, false, ctx.services.threads);
  if (wish.kind !== 'open' || !answered.reply) return;
  await openAnswerThread({
    // The language the member wrote in, as for every other text the bot sends about this message.
    channel: wish.channel, origin: wish.origin, startMessageId: answered.reply.id, log, language: answered.language,
    exchange: exchangeOf({ ...answered, result }),
    note: (content) => (message.channel as SendableChannels).send({ content, allowedMentions: NO_MENTIONS }),
  }, ctx.services);
}
