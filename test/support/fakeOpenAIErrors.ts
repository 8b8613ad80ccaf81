/**
 * OpenAI-style error bodies used by the fake server. Messages, types, params
 * and codes mirror what api.openai.com sends (see the SDK's `APIError`, which
 * copies `error.code/param/type` onto the thrown error).
 */

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | number | null };
}

/** Thrown by handlers/validators; the router turns it into an HTTP response. */
export class FakeApiError extends Error {
  readonly status: number;
  readonly body: OpenAIErrorBody;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    error: OpenAIErrorBody['error'],
    headers: Record<string, string> = {},
  ) {
    super(error.message);
    this.status = status;
    this.body = { error };
    this.headers = headers;
  }
}

export function invalidRequest(
  message: string,
  param: string | null = null,
  code: string | null = null,
  status = 400,
): FakeApiError {
  return new FakeApiError(status, { message, type: 'invalid_request_error', param, code });
}

export const missingParam = (param: string): FakeApiError =>
  invalidRequest(`Missing required parameter: '${param}'.`, param, 'missing_required_parameter');

export const unknownParam = (name: string): FakeApiError =>
  invalidRequest(`Unrecognized request argument supplied: ${name}`);

export const invalidJsonBody = (): FakeApiError =>
  invalidRequest(
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)",
  );

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a decimal';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

export const invalidType = (param: string, expected: string, got: unknown): FakeApiError =>
  invalidRequest(
    `Invalid type for '${param}': expected ${expected}, but got ${describeType(got)} instead.`,
    param,
    'invalid_type',
  );

function listValues(values: readonly string[]): string {
  const quoted = values.map((v) => `'${v}'`);
  if (quoted.length <= 2) return quoted.join(' and ');
  return `${quoted.slice(0, -1).join(', ')}, and ${quoted.at(-1)}`;
}

export const invalidValue = (param: string, value: unknown, supported: readonly string[]): FakeApiError =>
  invalidRequest(
    `Invalid value: '${String(value)}'. Supported values are: ${listValues(supported)}.`,
    param,
    'invalid_value',
  );

/** Checks an optional number parameter the way the API does (type, integer-ness, range). */
export function checkNumber(
  body: Record<string, unknown>,
  param: string,
  opts: { integer?: boolean; min?: number; max?: number },
): number | undefined {
  const value = body[param];
  if (value === undefined || value === null) return undefined;
  const kind = opts.integer ? 'integer' : 'decimal';
  if (typeof value !== 'number' || (opts.integer && !Number.isInteger(value))) {
    throw invalidType(param, opts.integer ? 'an integer' : 'a number', value);
  }
  if (opts.min !== undefined && value < opts.min) {
    throw invalidRequest(
      `Invalid '${param}': ${kind} below minimum value. Expected a value >= ${opts.min}, but got ${value} instead.`,
      param,
      `${kind}_below_min_value`,
    );
  }
  if (opts.max !== undefined && value > opts.max) {
    throw invalidRequest(
      `Invalid '${param}': ${kind} above maximum value. Expected a value <= ${opts.max}, but got ${value} instead.`,
      param,
      `${kind}_above_max_value`,
    );
  }
  return value;
}

export function maskKey(key: string): string {
  if (key.length > 12) return `${key.slice(0, 5)}${'*'.repeat(key.length - 9)}${key.slice(-4)}`;
  return `${key.slice(0, Math.min(5, Math.floor(key.length / 2)))}****`;
}

export const invalidApiKey = (key: string): FakeApiError =>
  new FakeApiError(401, {
    message: `Incorrect API key provided: ${maskKey(key)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
    type: 'invalid_request_error',
    param: null,
    code: 'invalid_api_key',
  });

export const missingApiKey = (): FakeApiError =>
  new FakeApiError(401, {
    message:
      "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username. You can obtain an API key from https://platform.openai.com/account/api-keys.",
    type: 'invalid_request_error',
    param: null,
    code: null,
  });

export const invalidUrl = (method: string, path: string): FakeApiError =>
  invalidRequest(`Invalid URL (${method} ${path})`, null, null, 404);

export const modelNotFound = (model: string): FakeApiError =>
  invalidRequest(
    `The model \`${model}\` does not exist or you do not have access to it.`,
    null,
    'model_not_found',
    404,
  );

/**
 * OpenAI's answer to a chat request for a model it serves only through /v1/responses, as the API sends it (quoted in
 * full in n8n-io/n8n#18352: 404, `invalid_request_error`, param `model`, code null).
 */
export const responsesOnlyModel = (): FakeApiError =>
  invalidRequest('This model is only supported in v1/responses and not in v1/chat/completions.', 'model', null, 404);

export const contextLengthExceeded = (limit: number, tokens: number): FakeApiError =>
  invalidRequest(
    `This model's maximum context length is ${limit} tokens. However, your messages resulted in ${tokens} tokens. Please reduce the length of the messages.`,
    'messages',
    'context_length_exceeded',
  );

/** The same refusal for a prompt plus the output limit asked for (a model whose `max_tokens` reserves room in its window). */
export const contextLengthRequested = (limit: number, prompt: number, completion: number): FakeApiError =>
  invalidRequest(
    `This model's maximum context length is ${limit} tokens. However, you requested ${prompt + completion} tokens (${prompt} in the messages, ${completion} in the completion). Please reduce the length of the messages or completion.`,
    'messages',
    'context_length_exceeded',
  );

function formatWait(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${+(ms / 1000).toFixed(3)}s`;
}

/** Errors a test can script for the next request(s) of chat, images or audio. */
export type ScriptedError =
  | { error: 'rate_limit'; retryAfterMs?: number; times?: number; headers?: Record<string, string> }
  | { error: 'insufficient_quota'; times?: number; headers?: Record<string, string> }
  | { error: 'server_error'; status?: 500 | 502 | 503; times?: number; headers?: Record<string, string> }
  | {
      error: 'bad_request';
      message: string;
      param?: string | null;
      code?: string | null;
      times?: number;
      headers?: Record<string, string>;
    };

export function isScriptedError(spec: object): spec is ScriptedError {
  return 'error' in spec && typeof spec.error === 'string';
}

export function scriptedError(spec: ScriptedError, model: string): FakeApiError {
  const extra = spec.headers ?? {};
  switch (spec.error) {
    case 'rate_limit': {
      const ms = spec.retryAfterMs ?? 20;
      return new FakeApiError(
        429,
        {
          message: `Rate limit reached for ${model} in organization org-fake on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in ${formatWait(ms)}. Visit https://platform.openai.com/account/rate-limits to learn more.`,
          type: 'requests',
          param: null,
          code: 'rate_limit_exceeded',
        },
        {
          'retry-after-ms': String(ms),
          'retry-after': String(Math.ceil(ms / 1000)),
          'x-ratelimit-remaining-requests': '0',
          ...extra,
        },
      );
    }
    case 'insufficient_quota':
      return new FakeApiError(
        429,
        {
          message:
            'You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.',
          type: 'insufficient_quota',
          param: null,
          code: 'insufficient_quota',
        },
        extra,
      );
    case 'server_error': {
      const status = spec.status ?? 500;
      if (status === 502) {
        return new FakeApiError(502, { message: 'Bad gateway.', type: 'cf_bad_gateway', param: null, code: 502 }, extra);
      }
      const message =
        status === 503
          ? 'The server is overloaded or not ready yet.'
          : 'The server had an error while processing your request. Sorry about that!';
      return new FakeApiError(status, { message, type: 'server_error', param: null, code: null }, extra);
    }
    case 'bad_request':
      return new FakeApiError(
        400,
        { message: spec.message, type: 'invalid_request_error', param: spec.param ?? null, code: spec.code ?? null },
        extra,
      );
  }
}
