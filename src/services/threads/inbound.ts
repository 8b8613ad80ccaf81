import type { Message } from 'discord.js';
import type { BotContext } from '../../context.ts';
import { looksLikeImage } from '../vision/attachments.ts';
import { isForumType } from './forumTypes.ts';

/** A message in a thread the bot answers without a mention: a new forum post, or a message in one of its threads. */
export interface ThreadQuestion {
  kind: 'forum' | 'thread';
  prompt: string;
}

/** The text meant for the bot: its own mention removed (needed in a channel; in its thread allowed, not needed). */
export function promptFromMention(content: string, botId: string): string {
  return content.replace(new RegExp(`<@!?${botId}>`, 'g'), '').trim();
}

/**
 * What a thread message asks the bot without mentioning it, if anything. Only people count (not bots,
 * webhooks or system messages such as "thread created"); only servers the operator allows; only when the
 * bot can read messages that don't mention it (THREAD_CONVERSATIONS and the Message Content intent).
 */
export function threadQuestion(message: Message, ctx: BotContext): ThreadQuestion | undefined {
  const { threads, ledger } = ctx.services;
  if (threads.conversations !== 'on' || !message.inGuild() || !message.channel.isThread()) return undefined;
  if (message.author.bot || message.webhookId !== null || message.system) return undefined;
  if (!ledger.isGuildAllowed(message.guildId)) return undefined;
  const thread = message.channel;
  const text = promptFromMention(message.content, message.client.user.id);
  // A forum post's starter message has the post's id; its title is half the question.
  const parent = thread.parent;
  if (message.id === thread.id && parent && isForumType(parent.type) && threads.forumAnswers(parent.id)) {
    return { kind: 'forum', prompt: text === '' ? thread.name : `${thread.name}\n\n${text}` };
  }
  // A picture alone is a question too (as in a mention or a DM); an empty message without one is not.
  const hasImage = [...message.attachments.values()].some(looksLikeImage);
  if ((text === '' && !hasImage) || !threads.isBotThread(thread.id)) return undefined;
  return { kind: 'thread', prompt: text };
}
