/**
 * "Compatible server" mode of FakeOpenAI: the ways servers nobody in this project wrote (vLLM,
 * llama.cpp's server, Ollama, LM Studio, LiteLLM and other proxies) differ from OpenAI on the wire.
 * Shapes follow those servers' sources: llama.cpp `format_oai_sse({"error": …})` then no [DONE];
 * vLLM `create_streaming_error_response` (`{"error": {"message", "type": "BadRequestError", "code": 400}}`)
 * and, before 0.9, flat `{"object": "error", …}` bodies; Ollama's `openai.NewError` and gin's
 * `404 page not found`; LM Studio's `200 {"error": "Unexpected endpoint or method. (POST /v1/…)"}`;
 * LiteLLM's `data: {"error": {…, "code": "429"}}`; llama.cpp's `:` keep-alive comments while a stream is silent
 * (ggml-org/llama.cpp#24013, every second since #25241); vLLM's `finish_reason: "abort"` (vllm/v1/engine
 * FINISH_REASON_STRINGS: only "error" is turned into an error event by `_raise_if_error`).
 */

/** Routes a compatible server may not have. */
export type CompatRoute = 'models' | 'images' | 'transcriptions' | 'moderations' | 'files' | 'fine_tuning';

/** How a server says a route does not exist (`method`: a 405, the path served for another method only). */
export type NotFoundStyle = 'gin' | 'fastapi' | 'express' | 'nest' | 'llamacpp' | 'lmstudio' | 'method';

export interface CompatOptions {
  /** Streams carry no usage, even when `stream_options.include_usage` asks for it. */
  noUsage?: boolean;
  /** A streamed request is answered with the whole completion as JSON (HTTP 200, application/json), as a server that ignores `stream` does. */
  ignoresStream?: boolean;
  /** Streams are labelled with this content-type instead of text/event-stream (a proxy that mislabels them). */
  streamContentType?: string;
  /** Streams end cleanly with [DONE] but never send a finish_reason. */
  noFinishReason?: boolean;
  /** A clean stream ends when the body ends, without `data: [DONE]`. */
  noDone?: boolean;
  /** Chunks carry only `choices` (and `usage`): no `id`, `object`, `created`, `model` or `system_fingerprint`. */
  bareChunks?: boolean;
  /** While a stream is silent (before the first event, between events), an SSE comment `:` every this many ms, as llama.cpp's ping. */
  pingEveryMs?: number;
  /** The first delta has no `role`. */
  noRole?: boolean;
  /** Responses (streams and JSON) are sent without a content-type header. */
  noContentType?: boolean;
  /** Routes this server lacks; answered in `notFoundStyle` (default 'gin'). */
  missingRoutes?: CompatRoute[];
  notFoundStyle?: NotFoundStyle;
  /** GET /models answers an empty list. */
  emptyModels?: boolean;
  /** Images are answered as `url`s whatever `response_format` asks (a server that ignores it): made, and billed, all the same. */
  imagesAsUrls?: boolean;
  /** A chat model the server does not have is reported like Ollama or like vLLM (flat body), not like OpenAI. */
  modelNotFoundStyle?: 'ollama' | 'vllm';
}

/** A response exactly as written (any status, body and content-type), thrown by handlers like FakeApiError. */
export class FakeRawResponse extends Error {
  constructor(readonly status: number, readonly body: string, readonly contentType: string | null) {
    super(`raw ${status}`);
  }
}

const json = (status: number, body: unknown) => new FakeRawResponse(status, JSON.stringify(body), 'application/json');

export function routeNotFound(style: NotFoundStyle, method: string, path: string): FakeRawResponse {
  switch (style) {
    case 'gin': return new FakeRawResponse(404, '404 page not found', 'text/plain');
    case 'fastapi': return json(404, { detail: 'Not Found' });
    case 'express': return new FakeRawResponse(404, `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n</head>\n<body>\n<pre>Cannot ${method} ${path}</pre>\n</body>\n</html>\n`, 'text/html; charset=utf-8');
    case 'nest': return json(404, { message: `Cannot ${method} ${path}`, error: 'Not Found', statusCode: 404 });
    case 'llamacpp': return json(404, { error: { code: 404, message: 'File Not Found', type: 'not_found_error' } });
    case 'lmstudio': return json(200, { error: `Unexpected endpoint or method. (${method} ${path})` });
    // The path is served for another method only (Starlette's answer; nginx in front of a static page says the same).
    case 'method': return json(405, { detail: 'Method Not Allowed' });
  }
}

export function compatModelNotFound(style: 'ollama' | 'vllm', model: string): FakeRawResponse {
  if (style === 'ollama') return json(404, { error: { message: `model "${model}" not found, try pulling it first`, type: 'api_error', param: null, code: null } });
  return json(404, { object: 'error', message: `The model \`${model}\` does not exist.`, type: 'NotFoundError', param: null, code: 404 });
}

export function isMissingRoute(compat: CompatOptions, path: string): boolean {
  const route: CompatRoute | undefined = path === '/v1/models' || path.startsWith('/v1/models/') ? 'models'
    : path === '/v1/images/generations' ? 'images'
    : path === '/v1/audio/transcriptions' ? 'transcriptions'
    : path === '/v1/moderations' ? 'moderations'
    : path === '/v1/files' || path.startsWith('/v1/files/') ? 'files'
    : path.startsWith('/v1/fine_tuning/') ? 'fine_tuning' : undefined;
  return route !== undefined && (compat.missingRoutes ?? []).includes(route);
}
