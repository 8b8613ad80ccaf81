import { RESTEvents, type REST } from 'discord.js';
import type { BotMetrics } from './metrics.ts';

/** Which REST client: discord.js's own (bot-token calls, interaction callbacks) or the one streaming interaction-reply edits (see sinks.ts). */
export type DiscordRestClient = 'bot' | 'webhook';

/** Discord's x-ratelimit-scope values; anything else is counted as 'unknown'. */
const SCOPES = new Set(['user', 'global', 'shared']);

/**
 * Counts every Discord response by status code and every 429 by scope, and each time discord.js held a
 * request back for a rate limit it already knew. Only status and headers are read: with discord.js's
 * default request strategy the body seen here is the caller's own stream.
 */
export function meterDiscordRest(rest: REST, client: DiscordRestClient, metrics: BotMetrics): void {
  rest.on(RESTEvents.Response, (_request, response) => {
    metrics.discordAnswered(client, response.status);
    if (response.status !== 429) return;
    const scope = response.headers.get('x-ratelimit-scope') ?? (response.headers.has('x-ratelimit-global') ? 'global' : 'user');
    metrics.discordRateLimited(client, SCOPES.has(scope) ? scope : 'unknown');
  });
  rest.on(RESTEvents.RateLimited, (info) => metrics.discordRateLimitWait(client, info.global));
}
