import OpenAI from 'openai';
import type { Config } from '../../config.ts';
import type { Logger } from '../../logger.ts';
import type { BotMetrics } from '../metrics/metrics.ts';
import { meteredFetch } from '../metrics/openaiFetch.ts';
import { compatFetch } from './compatFetch.ts';

/**
 * The SDK retries every 429, but an `insufficient_quota` 429 will not clear by waiting:
 * mark it not-retryable with the header the SDK honours, so the user hears at once.
 */
export function quotaAwareFetch(base: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    const response = await base(input, init);
    if (response.status !== 429) return response;
    const body = await response.text();
    const headers = new Headers(response.headers);
    if (body.includes('insufficient_quota')) headers.set('x-should-retry', 'false');
    return new Response(body, { status: response.status, statusText: response.statusText, headers });
  };
}

/**
 * One SDK client for the whole bot: its timeout and retries (with retry-after) do the waiting for free calls. Paid
 * calls (chat, images, transcription, fine-tuning job creates) run with `maxRetries: 0` and repeat on their own,
 * OPENAI_MAX_RETRIES times at most, only what can't have been billed (paidRetries.ts).
 */
export function createOpenAIClient(config: Config, logger: Logger, metrics?: BotMetrics): OpenAI {
  const log = logger.child({ component: 'openai-sdk' });
  const quotaAware = quotaAwareFetch(compatFetch(fetch, [config.openaiApiKey]));
  return new OpenAI({
    apiKey: config.openaiApiKey,
    baseURL: config.openaiBaseUrl,
    timeout: config.openaiTimeoutMs,
    maxRetries: config.openaiMaxRetries,
    // Error bodies of compatible servers are read into OpenAI's shape first, with the key blanked out.
    // Each HTTP attempt (retries included) is timed and counted for /metrics.
    fetch: metrics ? meteredFetch(quotaAware, metrics, config.openaiBaseUrl) : quotaAware,
    logLevel: 'warn',
    logger: {
      error: (message: string) => log.error(message),
      warn: (message: string) => log.warn(message),
      info: (message: string) => log.info(message),
      debug: (message: string) => log.debug(message),
    },
  });
}
