import { Routes, type Client } from 'discord.js';
import { NO_MENTIONS } from '../discord/sinks.ts';
import { catalogueLanguageOf } from '../i18n.ts';
import { finishNotice, type ModelAllowed } from './present.ts';
import type { Notify } from './types.ts';

/**
 * Posts a finished job's notice in the channel it was started from, with the bot token; it names jobs and models, never
 * pings anyone. `allowed` is ALLOWED_MODELS, read when the job finishes (the list may have changed since its start).
 */
export function channelNotifier(client: Client, allowed: ModelAllowed): Notify {
  return async (job) => {
    const content = finishNotice(job, catalogueLanguageOf(job.language), allowed);
    await client.rest.post(Routes.channelMessages(job.channelId), { body: { content, allowed_mentions: NO_MENTIONS } });
  };
}
