/**
 * FakeOpenAI: a strict, scriptable fake of the OpenAI HTTP API for tests.
 *
 *   const fake = await FakeOpenAI.start();
 *   const client = new OpenAI({ apiKey: fake.apiKey, baseURL: fake.baseUrl, maxRetries: 0 });
 *   fake.chat.enqueue({ text: 'hi' });
 *   ...
 *   await fake.close();
 *
 * Route modules: fakeOpenAIChat.ts, fakeOpenAIImages.ts, fakeOpenAIAudio.ts, fakeOpenAIFineTuning.ts;
 * shared plumbing in fakeOpenAIHttp.ts and fakeOpenAIErrors.ts.
 */
import { setMaxListeners } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Model } from 'openai/resources/models';
import { FakeAudio } from './fakeOpenAIAudio.ts';
import { FakeChat } from './fakeOpenAIChat.ts';
import { FakeRawResponse, isMissingRoute, routeNotFound, type CompatOptions } from './fakeOpenAICompat.ts';
import {
  FakeApiError,
  invalidApiKey,
  invalidRequest,
  invalidUrl,
  missingApiKey,
} from './fakeOpenAIErrors.ts';
import { FakeFiles, FakeFineTuning } from './fakeOpenAIFineTuning.ts';
import { Exchange, parseBody, readRawBody, type FakeEnv, type RecordedRequest } from './fakeOpenAIHttp.ts';
import { FakeImages } from './fakeOpenAIImages.ts';
import { FakeModeration } from './fakeOpenAIModeration.ts';
import { knownContextWindow, knownMaxOutputTokens, UNKNOWN_MODEL_WINDOW } from './fakeOpenAIWindow.ts';

export type { ChatReply, ChatReplySource, ChatTextReply, ChatToolCallSpec } from './fakeOpenAIChat.ts';
export type { ImageReply } from './fakeOpenAIImages.ts';
export type { ModerationReply } from './fakeOpenAIModeration.ts';
export type { AudioReply, AudioTextReply } from './fakeOpenAIAudio.ts';
export type { ScriptedError, OpenAIErrorBody } from './fakeOpenAIErrors.ts';
export type { MultipartBody, RecordedRequest, UploadedFile } from './fakeOpenAIHttp.ts';
export { FakeApiError, maskKey } from './fakeOpenAIErrors.ts';
export { crc32, makePng, PNG_SIGNATURE } from './fakeOpenAIImages.ts';
export { AUDIO_EXTENSIONS } from './fakeOpenAIAudio.ts';
export { FINE_TUNABLE_MODELS } from './fakeOpenAIFineTuning.ts';
export { lastUserText } from './fakeOpenAIChat.ts';
export type { CompatOptions, CompatRoute, NotFoundStyle } from './fakeOpenAICompat.ts';

export interface FakeOpenAIOptions {
  /** Key every request must send as `Authorization: Bearer <key>` (default 'sk-test-fake-key'). */
  apiKey?: string;
  /** Model ids served by /v1/models and accepted by the endpoints (default DEFAULT_MODELS). */
  models?: string[];
  /** Context window in tokens, for all models or per model id (else gpt-tokenizer's for the model, else 128000). */
  contextWindow?: number | Record<string, number>;
  /** The most output a model may be asked for per request, by model id (else gpt-tokenizer's; none: any); more is refused with OpenAI's 400. */
  maxOutputTokens?: Record<string, number>;
  /** Max request body for /v1/audio/transcriptions (default 25 MiB = 26214400, like the API). */
  maxAudioBytes?: number;
  /** Values reported in the x-ratelimit-* headers (defaults 10000 requests / 30000000 tokens per minute). */
  rateLimits?: { requests?: number; tokens?: number };
  /** Behave like a compatible server (vLLM, llama.cpp, Ollama, LM Studio, a proxy) instead of OpenAI; see fakeOpenAICompat.ts. */
  compat?: CompatOptions;
}

export const DEFAULT_API_KEY = 'sk-test-fake-key';
export const DEFAULT_MODELS = [
  'gpt-4o-mini', 'gpt-4o', 'gpt-4.1', 'gpt-4.1-mini', 'gpt-4.1-nano', 'gpt-3.5-turbo', 'whisper-1',
  'gpt-4o-transcribe', 'gpt-4o-mini-transcribe', 'dall-e-2', 'dall-e-3', 'gpt-image-1',
];
const MAX_BODY = 64 * 1024 * 1024;

type Handler = (ex: Exchange, ...params: string[]) => void | Promise<void>;
interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
  maxBody?: number;
}

export class FakeOpenAI {
  readonly apiKey: string;
  /** Every request received (any route, also rejected ones), in arrival order. */
  readonly requests: RecordedRequest[] = [];
  readonly chat: FakeChat;
  readonly images: FakeImages;
  readonly audio: FakeAudio;
  readonly files: FakeFiles;
  readonly fineTuning: FakeFineTuning;
  readonly moderation: FakeModeration;
  /** Compatible-server quirks in force; a test may change them at any time (reset() restores the start options). */
  compat: CompatOptions;
  /** `http://127.0.0.1:PORT` */
  origin = '';
  /** `http://127.0.0.1:PORT/v1`: pass as the SDK's `baseURL`. */
  baseUrl = '';
  port = 0;

  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly abort = new AbortController();
  private readonly models = new Map<string, Model>();
  private readonly recent: { at: number; tokens: number }[] = [];
  private readonly routes: Route[];
  private closed = false;

  private constructor(private readonly options: FakeOpenAIOptions) {
    // Every request sleeping in a scripted delay listens for the close (sleep() removes its listener when it wakes):
    // 100 concurrent streams are 100 listeners, not a leak, so Node's warning past 10 is turned off for this one signal.
    setMaxListeners(0, this.abort.signal);
    this.apiKey = options.apiKey ?? DEFAULT_API_KEY;
    this.compat = { ...options.compat };
    const getOrigin = (): string => this.origin;
    const env: FakeEnv = {
      signal: this.abort.signal,
      get origin() {
        return getOrigin();
      },
      maxAudioBytes: options.maxAudioBytes ?? 26_214_400,
      hasModel: (id) => this.models.has(id),
      addModel: (id, ownedBy) => this.addModel(id, ownedBy),
      contextWindow: (model) => {
        const cw = options.contextWindow;
        return typeof cw === 'number' ? cw : (cw?.[model] ?? knownContextWindow(model) ?? UNKNOWN_MODEL_WINDOW);
      },
      maxOutputTokens: (model) => options.maxOutputTokens?.[model] ?? knownMaxOutputTokens(model),
      compat: () => this.compat,
    };
    this.chat = new FakeChat(env);
    this.images = new FakeImages(env);
    this.audio = new FakeAudio(env);
    this.files = new FakeFiles();
    this.fineTuning = new FakeFineTuning(env, this.files);
    this.moderation = new FakeModeration(env);
    this.resetModels();
    const jobs = '/v1/fine_tuning/jobs';
    this.routes = [
      { method: 'GET', pattern: /^\/v1\/models$/, handler: (ex) => this.listModels(ex) },
      { method: 'GET', pattern: /^\/v1\/models\/([^/]+)$/, handler: (ex, id) => this.retrieveModel(ex, id ?? '') },
      { method: 'POST', pattern: /^\/v1\/chat\/completions$/, handler: (ex) => this.chat.handle(ex) },
      { method: 'POST', pattern: /^\/v1\/images\/generations$/, handler: (ex) => this.images.handle(ex) },
      { method: 'POST', pattern: /^\/v1\/moderations$/, handler: (ex) => this.moderation.handle(ex) },
      {
        method: 'POST',
        pattern: /^\/v1\/audio\/transcriptions$/,
        handler: (ex) => this.audio.handle(ex),
        maxBody: env.maxAudioBytes,
      },
      { method: 'POST', pattern: /^\/v1\/files$/, handler: (ex) => this.files.create(ex) },
      { method: 'GET', pattern: /^\/v1\/files$/, handler: (ex) => this.files.list(ex) },
      { method: 'GET', pattern: /^\/v1\/files\/([^/]+)$/, handler: (ex, id) => this.files.retrieve(ex, id ?? '') },
      { method: 'DELETE', pattern: /^\/v1\/files\/([^/]+)$/, handler: (ex, id) => this.files.delete(ex, id ?? '') },
      { method: 'GET', pattern: /^\/v1\/files\/([^/]+)\/content$/, handler: (ex, id) => this.files.content(ex, id ?? '') },
      { method: 'POST', pattern: new RegExp(`^${jobs}$`), handler: (ex) => this.fineTuning.create(ex) },
      { method: 'GET', pattern: new RegExp(`^${jobs}$`), handler: (ex) => this.fineTuning.list(ex) },
      { method: 'GET', pattern: new RegExp(`^${jobs}/([^/]+)$`), handler: (ex, id) => this.fineTuning.retrieve(ex, id ?? '') },
      { method: 'GET', pattern: new RegExp(`^${jobs}/([^/]+)/events$`), handler: (ex, id) => this.fineTuning.events(ex, id ?? '') },
      { method: 'POST', pattern: new RegExp(`^${jobs}/([^/]+)/cancel$`), handler: (ex, id) => this.fineTuning.cancel(ex, id ?? '') },
    ];
    this.server = createServer((req, res) => void this.onRequest(req, res));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('error', () => {}); // ECONNRESET from clients that time out / abort
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  /** Starts a server on 127.0.0.1 with a random free port. */
  static async start(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
    const fake = new FakeOpenAI(options);
    await new Promise<void>((resolve, reject) => {
      fake.server.once('error', reject);
      fake.server.listen(0, '127.0.0.1', () => resolve());
    });
    fake.port = (fake.server.address() as AddressInfo).port;
    fake.origin = `http://127.0.0.1:${fake.port}`;
    fake.baseUrl = `${fake.origin}/v1`;
    return fake;
  }

  addModel(id: string, ownedBy = 'system'): void {
    this.models.set(id, { id, object: 'model', created: 1_700_000_000, owned_by: ownedBy });
  }

  removeModel(id: string): void {
    this.models.delete(id);
  }

  /** Recorded requests for one path, e.g. `fake.requestsTo('/v1/chat/completions')`. */
  requestsTo(path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  /** Clears recorded requests, scripted queues/defaults, files, jobs, and restores the model list. */
  reset(): void {
    this.requests.length = 0;
    this.recent.length = 0;
    this.chat.reset();
    this.images.reset();
    this.audio.reset();
    this.files.reset();
    this.fineTuning.reset();
    this.moderation.reset();
    this.resetModels();
    this.compat = { ...this.options.compat };
  }

  /** Destroys every open socket (hung and streaming responses included) and stops the server. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.abort.abort(new Error('FakeOpenAI closed'));
    for (const socket of this.sockets) socket.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private resetModels(): void {
    this.models.clear();
    for (const id of this.options.models ?? DEFAULT_MODELS) this.addModel(id);
  }

  private listModels(ex: Exchange): void {
    ex.sendJson(200, { object: 'list', data: this.compat.emptyModels ? [] : [...this.models.values()] });
  }

  private retrieveModel(ex: Exchange, rawId: string): void {
    const id = decodeURIComponent(rawId);
    const model = this.models.get(id);
    if (!model) throw invalidRequest(`The model '${id}' does not exist`, 'model', 'model_not_found', 404);
    ex.sendJson(200, model);
  }

  private rateHeaders(): Record<string, string> {
    const now = performance.now();
    while (this.recent.length > 0 && now - (this.recent[0]?.at ?? now) > 60_000) this.recent.shift();
    const limitRequests = this.options.rateLimits?.requests ?? 10_000;
    const limitTokens = this.options.rateLimits?.tokens ?? 30_000_000;
    const usedTokens = this.recent.reduce((sum, r) => sum + r.tokens, 0);
    return {
      'x-ratelimit-limit-requests': String(limitRequests),
      'x-ratelimit-remaining-requests': String(Math.max(0, limitRequests - this.recent.length)),
      'x-ratelimit-limit-tokens': String(limitTokens),
      'x-ratelimit-remaining-tokens': String(Math.max(0, limitTokens - usedTokens)),
      'x-ratelimit-reset-requests': `${Math.round((60_000 / limitRequests) * this.recent.length)}ms`,
      'x-ratelimit-reset-tokens': `${Math.round((60_000 / limitTokens) * usedTokens)}ms`,
    };
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.origin);
    const method = req.method ?? 'GET';
    const ex = new Exchange(req, res, url.pathname, url.searchParams, () => this.rateHeaders());
    ex.omitContentType = this.compat.noContentType === true;
    if (this.compat.streamContentType) ex.streamContentType = this.compat.streamContentType;
    const record: RecordedRequest = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body: undefined,
      at: ex.startedAt,
      requestId: ex.requestId,
    };
    this.requests.push(record);
    try {
      const hosted = /^\/fake-images\/([^/]+)\.png$/.exec(url.pathname);
      if (method === 'GET' && hosted && this.images.serveHosted(ex, hosted[1] ?? '')) return;

      let route: Route | undefined;
      let params: string[] = [];
      for (const r of this.routes) {
        const m = r.method === method ? r.pattern.exec(url.pathname) : null;
        if (m) {
          route = r;
          params = m.slice(1);
          break;
        }
      }
      const raw = await readRawBody(req, route?.maxBody ?? MAX_BODY);
      this.recent.push({ at: performance.now(), tokens: Math.ceil(raw.length / 4) });
      let parseError: unknown;
      try {
        ex.body = await parseBody(raw, req.headers['content-type'] ?? '');
      } catch (err) {
        parseError = err;
        ex.body = raw.toString('utf8');
      }
      record.body = ex.body;

      const auth = req.headers.authorization;
      if (!auth || !auth.startsWith('Bearer ') || auth.length === 'Bearer '.length) throw missingApiKey();
      if (auth !== `Bearer ${this.apiKey}`) throw invalidApiKey(auth.slice('Bearer '.length));
      if (isMissingRoute(this.compat, url.pathname)) throw routeNotFound(this.compat.notFoundStyle ?? 'gin', method, url.pathname);
      if (!route) throw invalidUrl(method, url.pathname);
      if (parseError) throw parseError;
      await route.handler(ex, ...params);
    } catch (err) {
      if (err instanceof FakeApiError) return ex.sendError(err);
      if (err instanceof FakeRawResponse) return ex.sendRaw(err.status, err.body, err.contentType);
      if (this.abort.signal.aborted || res.headersSent) {
        req.socket.destroy();
        return;
      }
      const message = err instanceof Error ? err.message : String(err);
      console.error(`FakeOpenAI internal error on ${method} ${url.pathname}:`, err);
      ex.sendJson(
        500,
        { error: { message: `FakeOpenAI internal error: ${message}`, type: 'server_error', param: null, code: null } },
        { 'x-should-retry': 'false' },
      );
    }
  }
}
