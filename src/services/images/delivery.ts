import { DiscordAPIError, RESTJSONErrorCodes, type AttachmentPayload, type RepliableInteraction } from 'discord.js';
import type { Logger } from '../../logger.ts';
import { INTERACTION_TOKEN_LIFETIME_MS, INTERACTION_TOKEN_SAFETY_MS } from '../discord/limits.ts';
import { NO_MENTIONS } from '../discord/sinks.ts';

/** Time kept after the generation to post the result: up to four multi-megabyte PNGs to Discord. */
export const RESULT_DELIVERY_ROOM_MS = 60_000;

/**
 * When the generation (every attempt and wait) must be over: the interaction token lasts 15 minutes from
 * the command, and a result that comes later can only be sent by DM.
 */
export function generationDeadline(interaction: Pick<RepliableInteraction, 'createdTimestamp'>): number {
  return interaction.createdTimestamp + INTERACTION_TOKEN_LIFETIME_MS - INTERACTION_TOKEN_SAFETY_MS - RESULT_DELIVERY_ROOM_MS;
}

const tokenExpired = (interaction: RepliableInteraction) =>
  Date.now() - interaction.createdTimestamp > INTERACTION_TOKEN_LIFETIME_MS - INTERACTION_TOKEN_SAFETY_MS;

/** Discord's answers to a webhook call made with an interaction token that has expired. */
const isExpiredToken = (error: unknown) =>
  error instanceof DiscordAPIError && (error.code === RESTJSONErrorCodes.InvalidWebhookToken || error.code === RESTJSONErrorCodes.UnknownWebhook);

export interface DirectMessage {
  content: string;
  /** Groups of files, each small enough for one message; the first goes with the content. */
  fileGroups: AttachmentPayload[][];
}

/** Sends the messages to the member's DMs; closed DMs are skipped silently (there is nowhere else to say it). */
async function sendByDm(interaction: RepliableInteraction, message: DirectMessage, log: Logger): Promise<void> {
  const [first = [], ...rest] = message.fileGroups;
  try {
    await interaction.user.send({ content: message.content, files: first, allowedMentions: NO_MENTIONS });
    for (const files of rest) await interaction.user.send({ files, allowedMentions: NO_MENTIONS });
  } catch (error) {
    if (error instanceof DiscordAPIError && error.code === RESTJSONErrorCodes.CannotSendMessagesToThisUser) return log.debug('late result not sent: the member does not accept DMs');
    log.warn({ err: error }, 'late result could not be sent by DM');
  }
}

/**
 * Shows a paid result in the interaction; when the token has expired (the result came too late), the
 * member is told by DM instead, since they were charged for it.
 */
export async function showOrDm(interaction: RepliableInteraction, show: () => Promise<void>, late: () => DirectMessage, log: Logger): Promise<void> {
  if (!tokenExpired(interaction)) {
    try {
      return await show();
    } catch (error) {
      if (!isExpiredToken(error)) throw error;
    }
  }
  log.warn('the interaction token expired before a paid result could be shown; sending it by DM');
  await sendByDm(interaction, late(), log);
}
