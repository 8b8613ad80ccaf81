/**
 * Faults the fake REST API can be told to answer with, as Discord does under load: 429s for one route
 * or for the whole bot (with `retry_after` in the body and the whole seconds in `Retry-After`), and 5xx
 * answers from Discord or the proxy in front of it. A fault is answered before the route does anything.
 */
import type { RecordedRequest } from './fakeDiscordState.ts';
import type { Result } from './fakeDiscordRest.ts';

export interface RestFault {
  /** Which requests it hits (matched route, method, path…). */
  match: (request: RecordedRequest) => boolean;
  status: 429 | 500 | 502 | 503 | 504;
  /** 429: seconds to wait, as in the body's `retry_after` (default 0.5). */
  retryAfter?: number;
  /** 429: the bot's global limit (`X-RateLimit-Global`) rather than the route's. */
  global?: boolean;
  /** How many matching requests it answers (default 1). */
  times?: number;
}

const SERVER_ERRORS: Record<number, string> = {
  500: '500: Internal Server Error', 502: '502: Bad Gateway', 503: '503: Service Unavailable', 504: '504: Gateway Timeout',
};

function answer(fault: RestFault): Result {
  if (fault.status !== 429) return { status: fault.status, body: { message: SERVER_ERRORS[fault.status], code: 0 } };
  const retryAfter = fault.retryAfter ?? 0.5;
  const headers: Record<string, string> = {
    'retry-after': String(Math.ceil(retryAfter)),
    'x-ratelimit-scope': fault.global ? 'global' : 'user',
    ...(fault.global ? { 'x-ratelimit-global': 'true' } : { 'x-ratelimit-limit': '5', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset-after': retryAfter.toFixed(3) }),
  };
  return { status: 429, body: { message: 'You are being rate limited.', retry_after: retryAfter, global: fault.global ?? false }, headers };
}

/**
 * An attachment download the CDN answers with an error instead of the file: 403 (access refused), 404 (the file is
 * gone), 5xx (Cloudflare or the storage behind it failing). Plain-text bodies, as the CDN sends, never JSON.
 */
export interface CdnFault {
  /** Which downloads it hits, by URL path (/attachments/<channel>/<id>/<name>); every one when absent. */
  match?: (path: string) => boolean;
  status: 403 | 404 | 500 | 502 | 503;
  /** How many matching downloads it answers (default 1). */
  times?: number;
}

const CDN_BODIES: Record<CdnFault['status'], string> = {
  403: 'Forbidden', 404: 'This content is no longer available.', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable',
};

/** A request Discord is slow to answer, as under load: its route runs only after `ms`. */
export interface RestDelay {
  match: (request: RecordedRequest) => boolean;
  ms: number;
  /** How many matching requests it slows (default 1). */
  times?: number;
}

export class RestFaults {
  private readonly pending: { fault: RestFault; left: number }[] = [];
  private readonly delays: { delay: RestDelay; left: number }[] = [];
  private readonly cdnFaults: { fault: CdnFault; left: number }[] = [];
  /** Requests answered with a fault, in order. */
  readonly hits: { request: RecordedRequest; status: number }[] = [];

  add(fault: RestFault): void {
    this.pending.push({ fault, left: fault.times ?? 1 });
  }

  slow(delay: RestDelay): void {
    this.delays.push({ delay, left: delay.times ?? 1 });
  }

  cdn(fault: CdnFault): void {
    this.cdnFaults.push({ fault, left: fault.times ?? 1 });
  }

  /** The CDN's error answer for this download, if one is pending for it (recorded in `hits` like the API's). */
  takeCdn(request: RecordedRequest): { status: number; body: string } | undefined {
    const entry = this.cdnFaults.find((c) => c.left > 0 && (c.fault.match?.(request.path) ?? true));
    if (!entry) return undefined;
    entry.left--;
    this.hits.push({ request, status: entry.fault.status });
    return { status: entry.fault.status, body: CDN_BODIES[entry.fault.status] };
  }

  /** How long this request waits before its route runs (0 unless a pending delay matches it). */
  delayFor(request: RecordedRequest): number {
    const entry = this.delays.find((d) => d.left > 0 && d.delay.match(request));
    if (!entry) return 0;
    entry.left--;
    return entry.delay.ms;
  }

  /** The fault answer for this request, if one is pending for it. */
  take(request: RecordedRequest): Result | undefined {
    const entry = this.pending.find((p) => p.left > 0 && p.fault.match(request));
    if (!entry) return undefined;
    entry.left--;
    this.hits.push({ request, status: entry.fault.status });
    return answer(entry.fault);
  }
}
