/** HTTP plumbing shared by the FakeOpenAI route handlers. */
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { CompatOptions } from './fakeOpenAICompat.ts';
import { FakeApiError, invalidJsonBody, invalidRequest } from './fakeOpenAIErrors.ts';

export interface UploadedFile {
  field: string;
  filename: string;
  contentType: string;
  data: Buffer;
}

export interface MultipartBody {
  /** Text fields; repeated `name[]` fields are joined with ','. */
  fields: Record<string, string>;
  files: UploadedFile[];
}

export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. `/v1/chat/completions`. */
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** Parsed JSON, a MultipartBody for multipart/form-data, raw text otherwise, undefined when empty. */
  body: unknown;
  /** `performance.now()` when the request arrived. */
  at: number;
  /** The `x-request-id` the fake answered with (same as the SDK's `err.requestID`). */
  requestId: string;
}

export const randomId = (prefix: string, bytes = 12): string => `${prefix}${randomBytes(bytes).toString('hex')}`;
export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

export function isMultipart(body: unknown): body is MultipartBody {
  return typeof body === 'object' && body !== null && 'files' in body && 'fields' in body && Array.isArray(body.files);
}

/** Resolves after `ms`; rejects with an AbortError when `signal` aborts (server closing). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** FIFO of scripted replies; an entry with `times: n` answers n consecutive requests. */
export class ScriptQueue<T extends object> {
  private items: { spec: T; remaining: number }[] = [];

  enqueue(spec: T): void {
    const times = 'times' in spec && typeof spec.times === 'number' ? spec.times : 1;
    if (!Number.isInteger(times) || times < 1) throw new Error(`FakeOpenAI: times must be a positive integer`);
    this.items.push({ spec, remaining: times });
  }

  peek(): T | undefined {
    return this.items[0]?.spec;
  }

  take(): T | undefined {
    const head = this.items[0];
    if (!head) return undefined;
    head.remaining -= 1;
    if (head.remaining <= 0) this.items.shift();
    return head.spec;
  }

  get length(): number {
    return this.items.length;
  }

  clear(): void {
    this.items = [];
  }
}

export async function readRawBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      throw new FakeApiError(413, {
        message: `Maximum content size limit (${limit}) exceeded (${size} bytes read)`,
        type: 'server_error',
        param: null,
        code: null,
      });
    }
    parts.push(chunk);
  }
  return Buffer.concat(parts);
}

/** Parses a request body: JSON, multipart (via the WHATWG `Request.formData()`), or raw text. */
export async function parseBody(raw: Buffer, contentType: string): Promise<unknown> {
  if (raw.length === 0) return undefined;
  if (contentType.startsWith('application/json')) {
    try {
      return JSON.parse(raw.toString('utf8')) as unknown;
    } catch {
      throw invalidJsonBody();
    }
  }
  if (contentType.startsWith('multipart/form-data')) {
    let form: FormData;
    try {
      form = await new Request('http://fake.local/', {
        method: 'POST',
        headers: { 'content-type': contentType },
        body: raw,
      }).formData();
    } catch {
      throw invalidRequest('Could not parse multipart form data.');
    }
    const result: MultipartBody = { fields: {}, files: [] };
    for (const [field, value] of form.entries()) {
      if (typeof value === 'string') {
        // Repeated array fields (`include[]`, `timestamp_granularities[]`) are joined with ','.
        const prev = result.fields[field];
        result.fields[field] = prev !== undefined && field.endsWith('[]') ? `${prev},${value}` : value;
      } else {
        result.files.push({
          field,
          filename: value.name,
          contentType: value.type,
          data: Buffer.from(await value.arrayBuffer()),
        });
      }
    }
    return result;
  }
  return raw.toString('utf8');
}

/** One request/response pair with helpers that always add the real OpenAI response headers. */
export class Exchange {
  readonly startedAt = performance.now();
  readonly requestId = `req_${randomBytes(16).toString('hex')}`;
  body: unknown = undefined;
  /** Compatible-server mode: send no content-type header at all. */
  omitContentType = false;
  /** The content-type an SSE response is labelled with (some proxies mislabel streams). */
  streamContentType = 'text/event-stream; charset=utf-8';

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly path: string,
    readonly query: URLSearchParams,
    private readonly rateHeaders: () => Record<string, string>,
  ) {}

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return {
      'x-request-id': this.requestId,
      'openai-processing-ms': String(Math.max(1, Math.round(performance.now() - this.startedAt))),
      'openai-version': '2020-10-01',
      'openai-organization': 'org-fake',
      ...this.rateHeaders(),
      ...extra,
    };
  }

  sendJson(status: number, body: unknown, extra: Record<string, string> = {}): void {
    if (this.res.destroyed || this.res.headersSent) return;
    const text = JSON.stringify(body);
    this.res.writeHead(status, {
      ...this.headers(extra),
      ...(this.omitContentType ? {} : { 'content-type': 'application/json' }),
      'content-length': String(Buffer.byteLength(text)),
    });
    this.res.end(text);
  }

  /** A body exactly as given, with only the content-type the caller names (none when null). */
  sendRaw(status: number, body: string, contentType: string | null): void {
    if (this.res.destroyed || this.res.headersSent) return;
    this.res.writeHead(status, {
      ...(contentType === null || this.omitContentType ? {} : { 'content-type': contentType }),
      'content-length': String(Buffer.byteLength(body)),
    });
    this.res.end(body);
  }

  sendText(status: number, text: string, contentType = 'text/plain; charset=utf-8'): void {
    if (this.res.destroyed || this.res.headersSent) return;
    this.res.writeHead(status, {
      ...this.headers(),
      'content-type': contentType,
      'content-length': String(Buffer.byteLength(text)),
    });
    this.res.end(text);
  }

  sendError(err: FakeApiError): void {
    this.sendJson(err.status, err.body, err.headers);
  }

  /** Starts an SSE response (chunked, no content-length), like the real streaming endpoints. */
  startEventStream(): void {
    this.res.writeHead(200, {
      ...this.headers(),
      ...(this.omitContentType ? {} : { 'content-type': this.streamContentType }),
      'cache-control': 'no-cache',
    });
    this.res.flushHeaders();
  }

  /** Writes an SSE comment (`:` and a blank line), as a keep-alive; resolves once handed to the socket. */
  writeComment(text = ''): Promise<void> {
    return new Promise((resolve) => {
      if (this.res.destroyed) return resolve();
      this.res.write(`:${text}\n\n`, () => resolve());
    });
  }

  /** Writes one `data: ...\n\n` event; resolves once handed to the socket. */
  writeEvent(data: unknown, event?: string): Promise<void> {
    const line = `${event === undefined ? '' : `event: ${event}\n`}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
    return new Promise((resolve) => {
      if (this.res.destroyed) return resolve();
      this.res.write(line, () => resolve());
    });
  }
}

/** What the route modules need from the server instance. */
export interface FakeEnv {
  /** Aborted when the server closes: pending delays reject, hung requests are dropped. */
  readonly signal: AbortSignal;
  /** e.g. `http://127.0.0.1:PORT` (no `/v1`). */
  readonly origin: string;
  readonly maxAudioBytes: number;
  hasModel(id: string): boolean;
  addModel(id: string, ownedBy?: string): void;
  contextWindow(model: string): number;
  /** The most output the model may be asked for per request; undefined = no limit. */
  maxOutputTokens(model: string): number | undefined;
  /** The compatible-server quirks in force (empty: behave like OpenAI). */
  compat(): CompatOptions;
}
