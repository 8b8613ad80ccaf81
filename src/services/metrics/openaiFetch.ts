import type { BotMetrics } from './metrics.ts';

/**
 * The API routes the bot calls (and a few neighbours), as endpoint labels. Anything else is 'other':
 * ids in paths (files/file-abc, fine_tuning/jobs/ftjob-abc/events) never become labels.
 */
const ENDPOINTS = [
  'chat/completions', 'completions', 'responses', 'embeddings', 'moderations',
  'images/generations', 'images/edits', 'images/variations',
  'audio/transcriptions', 'audio/translations', 'audio/speech',
  'models', 'files', 'uploads', 'fine_tuning', 'batches',
] as const;

export type OpenAIEndpoint = (typeof ENDPOINTS)[number] | 'other';

const DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/** The endpoint label of a request URL, after the base URL's own path (/v1, /api/v1, ...). */
export function endpointOf(url: string, baseUrl: string = DEFAULT_BASE_URL): OpenAIEndpoint {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return 'other';
  }
  const basePath = new URL(baseUrl).pathname.replace(/\/+$/, '');
  if (basePath !== '' && path.startsWith(`${basePath}/`)) path = path.slice(basePath.length);
  path = path.replace(/^\/+/, '').replace(/\/+$/, '');
  return ENDPOINTS.find((endpoint) => path === endpoint || path.startsWith(`${endpoint}/`)) ?? 'other';
}

function urlOf(input: Parameters<typeof fetch>[0]): string {
  if (typeof input === 'string') return input;
  return input instanceof URL ? input.href : input.url;
}

/**
 * Times every HTTP attempt the SDK makes (each retry is one) until the answer's headers arrive (for a
 * stream: until it starts), and counts it by status class; 429s also by reason. The answer is handed on untouched.
 */
export function meteredFetch(base: typeof fetch, metrics: BotMetrics, baseUrl?: string): typeof fetch {
  return async (input, init) => {
    const endpoint = endpointOf(urlOf(input), baseUrl);
    const started = performance.now();
    let response: Response;
    try {
      response = await base(input, init);
    } catch (error) {
      metrics.openaiFailed(endpoint, init?.signal?.aborted ? 'aborted' : 'network');
      throw error;
    }
    metrics.openaiAnswered(endpoint, response.status, (performance.now() - started) / 1000);
    if (response.status === 429) {
      // 429 bodies are small and were already read by quotaAwareFetch; the clone leaves this one unread.
      const body = await response.clone().text().catch(() => '');
      metrics.openaiRateLimited(endpoint, body.includes('insufficient_quota') ? 'insufficient_quota' : 'rate_limit');
    }
    return response;
  };
}
