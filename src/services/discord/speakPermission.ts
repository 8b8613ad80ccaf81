import { PermissionFlagsBits, PermissionsBitField, type Client, type Message } from 'discord.js';
import type { Logger } from '../../logger.ts';

/** Channels already logged as closed to the bot, per running bot; forgetting one only means one more log line. */
const MAX_REMEMBERED_CHANNELS = 1_000;
const reported = new WeakMap<Client, Map<string, string>>();

/** What replying to a message needs: seeing the channel, writing in it, and reading the message replied to. */
function neededIn(message: Message): bigint {
  const send = message.channel.isThread() ? PermissionFlagsBits.SendMessagesInThreads : PermissionFlagsBits.SendMessages;
  return PermissionFlagsBits.ViewChannel | send | PermissionFlagsBits.ReadMessageHistory;
}

/** The permissions the bot lacks to reply to this message, from the gateway's cache (no REST call); [] in a DM. */
export function missingReplyPermissions(message: Message): string[] {
  if (!message.inGuild()) return [];
  const granted = message.channel.permissionsFor(message.client.user);
  // Not cached (should not happen for the bot's own member): let the call decide; a 403 stops it at once.
  if (!granted) return [];
  return granted.missing(new PermissionsBitField(neededIn(message)));
}

/**
 * Whether the bot may reply to this message. Checked before anything is paid for or sent, so a
 * channel that muted the bot costs neither money nor failing requests. Logs once per channel
 * (again only when what is missing changes).
 */
export function maySpeakIn(message: Message, log: Logger): boolean {
  const missing = missingReplyPermissions(message);
  let seen = reported.get(message.client);
  if (missing.length === 0) {
    seen?.delete(message.channelId);
    return true;
  }
  if (!seen) reported.set(message.client, (seen = new Map()));
  const key = missing.join(',');
  if (seen.get(message.channelId) !== key) {
    if (seen.size >= MAX_REMEMBERED_CHANNELS) seen.clear();
    seen.set(message.channelId, key);
    log.info({ channelId: message.channelId, missing }, 'the bot may not reply in this channel; messages there are ignored (no AI request)');
  }
  return false;
}
