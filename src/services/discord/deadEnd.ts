import { DiscordAPIError, DiscordjsError, DiscordjsErrorCodes, RESTJSONErrorCodes } from 'discord.js';

/**
 * Discord answers that repeating the call can't change: 401 (an expired interaction token, 50027),
 * 403 (50001 Missing Access, 50013 Missing Permissions) and 404 (10003 Unknown Channel, 10008 Unknown
 * Message, 10015 Unknown Webhook, 10062 Unknown Interaction). Each counts toward Discord's 10,000
 * invalid requests per 10 minutes, past which the bot's IP is banned for a while.
 */
const DEAD_END_STATUSES = new Set([401, 403, 404]);
/**
 * A thread archived (50083: its messages can't be edited) or locked (160005: nothing can be written) while
 * an answer was streaming into it: only a moderator can change that, so no call for that answer can succeed.
 */
const DEAD_END_CODES = new Set<number | string>([RESTJSONErrorCodes.InvalidActionOnArchivedThread, RESTJSONErrorCodes.ThreadLocked]);

/** A local refusal before any request: the interaction token is too old to use. */
export class InteractionExpiredError extends Error {
  constructor() {
    super('the interaction token expired (15 minutes); the reply can no longer be edited');
    this.name = 'InteractionExpiredError';
  }
}

/**
 * A local refusal before any request: the gateway said the channel was deleted (a thread deleted mid-answer),
 * so discord.js no longer has it and won't edit a message there.
 */
function isChannelGone(error: unknown): boolean {
  return error instanceof DiscordjsError && error.code === DiscordjsErrorCodes.ChannelNotCached;
}

/**
 * A reply to a message deleted meanwhile (by its author, a moderator or AutoMod): Discord refuses it with 400 50035,
 * `message_reference` MESSAGE_REFERENCE_UNKNOWN_MESSAGE. The question is gone: no reply to it can ever be posted.
 */
function isRepliedMessageGone(error: unknown): boolean {
  if (!(error instanceof DiscordAPIError) || error.code !== RESTJSONErrorCodes.InvalidFormBodyOrContentType) return false;
  const reference = (error.rawError as { errors?: { message_reference?: { _errors?: { code?: unknown }[] } } }).errors?.message_reference;
  return reference?._errors?.some((problem) => problem.code === 'MESSAGE_REFERENCE_UNKNOWN_MESSAGE') ?? false;
}

/** True when a failed Discord call must not be repeated, nor followed by other calls for the same reply. */
export function isDeadEnd(error: unknown): boolean {
  return error instanceof InteractionExpiredError || isChannelGone(error) || isRepliedMessageGone(error)
    || (error instanceof DiscordAPIError && (DEAD_END_STATUSES.has(error.status) || DEAD_END_CODES.has(error.code)));
}

/** What a log line needs about a dead end: no URL (it may hold an interaction token), no request body. */
export function deadEndDetails(error: unknown): { status?: number; code?: number | string; reason: string } {
  if (error instanceof DiscordAPIError) return { status: error.status, code: error.code, reason: error.message };
  if (error instanceof DiscordjsError) return { code: error.code, reason: error.message };
  return { reason: error instanceof Error ? error.message : String(error) };
}

/**
 * True when the interaction itself can't be answered any more (token expired, interaction or its webhook
 * unknown): an apology through it would fail the same way.
 */
export function isInteractionGone(error: unknown): boolean {
  if (error instanceof InteractionExpiredError) return true;
  if (!(error instanceof DiscordAPIError)) return false;
  return error.status === 401 || error.code === RESTJSONErrorCodes.UnknownInteraction || error.code === RESTJSONErrorCodes.UnknownWebhook;
}
