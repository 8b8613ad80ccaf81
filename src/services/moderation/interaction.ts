import type { Message, RepliableInteraction } from 'discord.js';
import type { BotContext } from '../../context.ts';
import { replyPrivately } from '../discord/privateReply.ts';
import { catalogueLanguageOf } from '../i18n.ts';
import type { Direction } from './service.ts';

/**
 * The server's moderation for a command's own text (after the defer: a check can take seconds). A refusal is
 * shown only to the invoker; nothing has been paid unless the text is a transcript (made, and charged, before its
 * check). Returns whether the command may go on. `message`: the message a menu was run on, whose author wrote the text.
 */
export async function screenForInteraction(
  interaction: RepliableInteraction, ctx: BotContext, direction: Direction, text: string | readonly string[], message?: Message,
): Promise<boolean> {
  const verdict = await ctx.services.moderation.screen({
    guildId: interaction.guildId, channelId: interaction.channelId ?? '', userId: interaction.user.id, authorId: message?.author.id, direction, text,
    language: catalogueLanguageOf(interaction.locale), client: interaction.client, link: message?.url, log: ctx.logger,
  });
  if (verdict.ok) return true;
  await replyPrivately(interaction, verdict.notice);
  return false;
}
