import { APIConnectionError, APIError } from 'openai';
import { describe, expect, test } from 'vitest';
import { normaliseErrorBody, redactSecrets } from '../../../src/services/openai/errorBodies.ts';
import { classifyError, type FailureContext, type ModelFailure } from '../../../src/services/openai/failures.ts';

/** What openai-node's Stream throws for `data: {"error": …}`: an APIError with no status (src/core/streaming.ts). */
const streamEvent = (error: unknown) => new APIError(undefined, error as object, undefined, new Headers());
/** What the SDK throws for an HTTP error, after our fetch wrapper read the body into OpenAI's shape. */
const httpError = (status: number, body: string, contentType = 'application/json', headers: Record<string, string> = {}) =>
  APIError.generate(status, { error: normaliseErrorBody(body, contentType, ['sk-echoed-secret-key']) }, undefined, new Headers(headers));

describe('errors sent inside a stream (HTTP 200 already sent) are read from what they say', () => {
  test.each<[string, unknown, ModelFailure]>([
    ['llama.cpp server error', { code: 500, message: 'failed to decode the batch', type: 'server_error' }, { kind: 'server_error', status: 500 }],
    ['llama.cpp context overflow', { code: 400, message: 'request (9412 tokens) exceeds the available context size (8192 tokens), try increasing it', type: 'exceed_context_size_error', n_prompt_tokens: 9412, n_ctx: 8192 }, { kind: 'context_too_long' }],
    ['llama.cpp model loading', { code: 503, message: 'Loading model', type: 'unavailable_error' }, { kind: 'server_error', status: 503 }],
    ['vLLM bad request', { message: 'temperature must be non-negative', type: 'BadRequestError', param: null, code: 400 }, { kind: 'bad_request', message: 'temperature must be non-negative' }],
    ['vLLM context length (OpenAI wording, no code)', { object: 'error', message: "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens.", type: 'BadRequestError', param: null, code: 400 }, { kind: 'context_too_long' }],
    ['vLLM internal error', { message: 'CUDA out of memory', type: 'InternalServerError', param: null, code: 500 }, { kind: 'server_error', status: 500 }],
    ['LiteLLM rate limit (code as a string)', { message: 'litellm.RateLimitError: Please try again in 20s', type: 'None', param: 'None', code: '429' }, { kind: 'rate_limited', retryAfterSeconds: 20 }],
    ['OpenAI-style rate limit', { message: 'Rate limit reached for requests', type: 'requests', param: null, code: 'rate_limit_exceeded' }, { kind: 'rate_limited', retryAfterSeconds: undefined }],
    ['quota', { message: 'You exceeded your current quota, please check your plan and billing details.', type: 'insufficient_quota', param: null, code: 'insufficient_quota' }, { kind: 'quota' }],
    ['a refusal', { message: 'blocked', type: 'invalid_request_error', code: 'content_filter' }, { kind: 'refused', message: undefined }],
    ['a string body: rate limit', 'Rate limit exceeded', { kind: 'rate_limited', retryAfterSeconds: undefined }],
    ['a string body nobody can classify', 'Something went wrong', { kind: 'server_error', status: undefined }],
    ['an object with nothing recognisable', { message: 'oops' }, { kind: 'server_error', status: undefined }],
  ])('%s', (_name, event, expected) => {
    expect(classifyError(streamEvent(event), false, { endpoint: 'chat', model: 'llama3.1:8b' })).toEqual(expected);
  });

  test('a key echoed in an event message is blanked', () => {
    const failure = classifyError(streamEvent({ message: 'bad header Authorization: Bearer my-local-key-123', type: 'invalid_request_error', code: 400 }), false, { secrets: ['my-local-key-123'] });
    expect(failure).toEqual({ kind: 'bad_request', message: 'bad header Authorization: Bearer [redacted]' });
  });

  test('a connection lost is still the network, not the server', () => {
    expect(classifyError(new APIConnectionError({ message: 'Connection error.' }), false)).toEqual({ kind: 'network' });
    expect(classifyError(new TypeError('terminated'), false)).toEqual({ kind: 'network' });
  });
});

describe('a 404 names a model, or the route itself is missing', () => {
  const images: FailureContext = { endpoint: 'images', model: 'gpt-image-1' };
  test.each<[string, number, string, string, FailureContext, ModelFailure]>([
    ['OpenAI: unknown model', 404, '{"error":{"message":"The model `gpt-image-1` does not exist or you do not have access to it.","type":"invalid_request_error","param":null,"code":"model_not_found"}}', 'application/json', images, { kind: 'model_not_found', model: 'gpt-image-1' }],
    ['Ollama: model not pulled', 404, '{"error":{"message":"model \\"llama3\\" not found, try pulling it first","type":"api_error","param":null,"code":null}}', 'application/json', { endpoint: 'chat', model: 'llama3' }, { kind: 'model_not_found', model: 'llama3' }],
    ['vLLM before 0.9: flat body', 404, '{"object":"error","message":"The model `llama3` does not exist.","type":"NotFoundError","param":null,"code":404}', 'application/json', { endpoint: 'chat', model: 'llama3' }, { kind: 'model_not_found', model: 'llama3' }],
    ['gin (Ollama, Go servers): plain text', 404, '404 page not found', 'text/plain', images, { kind: 'endpoint_missing', endpoint: 'images' }],
    ['FastAPI: detail', 404, '{"detail":"Not Found"}', 'application/json', { endpoint: 'transcription', model: 'whisper-1' }, { kind: 'endpoint_missing', endpoint: 'transcription' }],
    ['Express: HTML', 404, '<!DOCTYPE html><html><head><title>Error</title></head><body><pre>Cannot POST /v1/images/generations</pre></body></html>', 'text/html', images, { kind: 'endpoint_missing', endpoint: 'images' }],
    ['NestJS: error as a string', 404, '{"message":"Cannot POST /v1/audio/transcriptions","error":"Not Found","statusCode":404}', 'application/json', { endpoint: 'transcription', model: 'whisper-1' }, { kind: 'endpoint_missing', endpoint: 'transcription' }],
    ['llama.cpp: File Not Found', 404, '{"error":{"code":404,"message":"File Not Found","type":"not_found_error"}}', 'application/json', images, { kind: 'endpoint_missing', endpoint: 'images' }],
    ['OpenAI: Invalid URL', 404, '{"error":{"message":"Invalid URL (POST /v1/images/generation)","type":"invalid_request_error","param":null,"code":null}}', 'application/json', images, { kind: 'endpoint_missing', endpoint: 'images' }],
    ['no context (fine-tuning callers): read as before', 404, '404 page not found', 'text/plain', {}, { kind: 'model_not_found' }],
  ])('%s', (_name, status, body, contentType, context, expected) => {
    expect(classifyError(httpError(status, body, contentType), false, context)).toEqual(expected);
  });
});

describe('HTTP errors in other shapes keep their status, and what the server said for the log', () => {
  test.each<[string, number, string, string, ModelFailure]>([
    ['a proxy\'s HTML 502', 502, '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>', 'text/html', { kind: 'server_error', status: 502 }],
    ['a proxy\'s HTML 429', 429, '<html><head><title>429 Too Many Requests</title></head></html>', 'text/html', { kind: 'rate_limited', retryAfterSeconds: undefined }],
    // Kept for the log (no server's words reach a reply), the key blanked.
    ['plain text 400: kept, the key blanked', 400, 'Bad Request: sk-echoed-secret-key was sent', 'text/plain', { kind: 'bad_request', message: 'Bad Request: [redacted] was sent' }],
    ['FastAPI 422 validation list', 422, '{"detail":[{"loc":["body","messages"],"msg":"field required","type":"value_error.missing"}]}', 'application/json', { kind: 'bad_request', message: 'field required' }],
    ['error as a string with a message', 400, '{"error":"Bad Request","message":"max_tokens must be at least 1"}', 'application/json', { kind: 'bad_request', message: 'max_tokens must be at least 1' }],
    ['a message that echoes the key', 400, '{"error":{"message":"Invalid header: Authorization Bearer sk-echoed-secret-key","type":"invalid_request_error"}}', 'application/json', { kind: 'bad_request', message: 'Invalid header: Authorization Bearer [redacted]' }],
    ['a 400 about the context', 400, '{"detail":"This model\'s maximum context length is 2048 tokens"}', 'application/json', { kind: 'context_too_long' }],
  ])('%s', (_name, status, body, contentType, expected) => {
    expect(classifyError(httpError(status, body, contentType), false, { endpoint: 'chat', model: 'm' })).toEqual(expected);
  });

  test('redaction blanks the configured key and credential-shaped text', () => {
    expect(redactSecrets('key=abcdef123 and local-secret-value', ['local-secret-value'])).toBe('key=abcdef123 and [redacted]');
    expect(redactSecrets('"api_key": "hunter2hunter2"')).toBe('"api_key": "[redacted]"');
  });
});
