import type { Message } from 'discord.js';
import type { Logger } from '../../logger.ts';
import { t } from '../failureMessages.ts';
import type { CatalogueLanguage } from '../i18n.ts';
import { noteOutcome } from '../metrics/outcome.ts';
import { deadEndDetails, isDeadEnd } from './deadEnd.ts';
import { NO_MENTIONS } from './sinks.ts';

/**
 * The safety net of work answering a message (a mention, a voice message), as interactionCreate's is for commands:
 * the work ends as an error, and the author is told in a reply, unless Discord refused for good (403/404), where one
 * more reply would only be refused again. `pingAuthor`: whether the reply notifies the author, as the work's own does.
 */
export async function apologizeForMessage(
  message: Message, error: unknown, options: { log: Logger; language: CatalogueLanguage; pingAuthor: boolean; refused: string; failed: string },
): Promise<void> {
  const { log, language, pingAuthor, refused, failed } = options;
  noteOutcome(message, 'error');
  if (isDeadEnd(error)) return void log.warn(deadEndDetails(error), refused);
  log.error({ err: error }, failed);
  await message.reply({ content: t('unexpected', language), allowedMentions: { ...NO_MENTIONS, repliedUser: pingAuthor } }).catch(() => undefined);
}
