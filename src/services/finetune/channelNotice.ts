import { Routes, type Client } from 'discord.js';
import type { Notify } from './tracker.ts';

/** Posts a notice with the bot token; it names jobs and models, never pings anyone. */
export function channelNotifier(client: Client): Notify {
  return async (channelId, content) => {
    await client.rest.post(Routes.channelMessages(channelId), { body: { content, allowed_mentions: { parse: [] } } });
  };
}
