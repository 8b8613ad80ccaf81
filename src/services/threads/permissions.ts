import { PermissionFlagsBits, PermissionsBitField, type Client, type GuildTextBasedChannel } from 'discord.js';

/** Opening a public thread on the answer and answering in it: nothing else is asked for, and only when used. */
export const THREAD_PERMISSIONS = PermissionFlagsBits.CreatePublicThreads | PermissionFlagsBits.SendMessagesInThreads;

/** The thread permissions the bot lacks in a channel, from the gateway's cache (no REST call). */
export function missingThreadPermissions(channel: GuildTextBasedChannel): string[] {
  const granted = channel.permissionsFor(channel.client.user);
  // Not cached (should not happen for the bot's own member): let the call decide; a 403 is handled there.
  if (!granted) return [];
  return granted.missing(new PermissionsBitField(THREAD_PERMISSIONS));
}

/**
 * Channels already told why no thread was opened, per running bot. Kept in memory, not in the database: a
 * restart repeats the note once, a reminder to an admin who has not fixed it yet, and a channel whose
 * permissions came back and went again is told again. Bounded: forgetting one only means one more note.
 */
const MAX_REMEMBERED_CHANNELS = 1_000;
const told = new WeakMap<Client, Set<string>>();

/** True the first time a channel lacks the thread permissions (until they come back). */
export function firstTimeWithout(client: Client, channelId: string): boolean {
  let seen = told.get(client);
  if (!seen) told.set(client, (seen = new Set()));
  if (seen.has(channelId)) return false;
  if (seen.size >= MAX_REMEMBERED_CHANNELS) seen.clear();
  seen.add(channelId);
  return true;
}

/** The permissions are back: a later loss is explained again. */
export function permissionsBack(client: Client, channelId: string): void {
  told.get(client)?.delete(channelId);
}
