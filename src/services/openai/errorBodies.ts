/**
 * Error bodies as compatible servers really send them, turned into OpenAI's
 * `{"error": {"message", "type", "param", "code"}}` so the SDK and classifyError read one shape.
 */

/** How the server wrote its error (for the log: no server's message is ever shown to people). */
export type BodyShape = 'openai' | 'string' | 'flat' | 'detail' | 'text' | 'html' | 'empty';

export interface OpenAIStyleError {
  message: string;
  type: string | null;
  param: string | null;
  code: string | number | null;
  /** Our note on where the message came from (the SDK keeps unknown fields on `APIError.error`). */
  body_shape: BodyShape;
}

/** Longest message kept from a body: enough to classify and log, short enough for a log line. */
const MAX_MESSAGE_CHARS = 500;
/** The least length a configured secret must have to be blanked (shorter values would blank ordinary words). */
const MIN_SECRET_CHARS = 6;
const REDACTED = '[redacted]';

/** What any text a server sends back about this client's calls must have blanked: its API key (an error may echo it). */
export const clientSecrets = (client: { apiKey?: string | null }): string[] => (client.apiKey ? [client.apiKey] : []);

/** Blanks the API key and anything shaped like a credential out of text a server wrote. */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let out = secrets.filter((s) => s.length >= MIN_SECRET_CHARS).reduce((acc, secret) => acc.split(secret).join(REDACTED), text);
  out = out.replace(/\bBearer\s+[^\s"',;]+/gi, `Bearer ${REDACTED}`);
  out = out.replace(/\bsk-[A-Za-z0-9_-]{8,}/g, REDACTED);
  return out.replace(/\b(api[_-]?key|x-api-key)(["']?\s*[:=]\s*["']?)[^\s"',;}]+/gi, `$1$2${REDACTED}`);
}

const clip = (text: string) => (text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS - 1)}…` : text);
const asText = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);
const asCode = (value: unknown): string | number | null => (typeof value === 'string' || typeof value === 'number' ? value : null);

/** FastAPI's `detail`: a string, or a list of validation problems each with a `msg`. */
function detailText(detail: unknown): string | undefined {
  if (Array.isArray(detail)) {
    const parts = detail.map((item: unknown) => asText((item as { msg?: unknown } | null)?.msg) ?? (typeof item === 'string' ? item : undefined));
    return asText(parts.filter(Boolean).join('; '));
  }
  return asText(detail) ?? (detail && typeof detail === 'object' ? detailText((detail as { message?: unknown }).message) : undefined);
}

function fromJson(json: unknown): OpenAIStyleError | undefined {
  if (!json || typeof json !== 'object' || Array.isArray(json)) return undefined;
  const body = json as Record<string, unknown>;
  const { error } = body;
  if (error && typeof error === 'object' && !Array.isArray(error)) {
    const inner = error as Record<string, unknown>;
    return {
      message: asText(inner.message) ?? asText(body.message) ?? asText(inner.type) ?? 'no message',
      type: asText(inner.type) ?? null, param: asText(inner.param) ?? null, code: asCode(inner.code), body_shape: 'openai',
    };
  }
  // `{"error": "Not Found", "message": "Cannot POST /v1/…", "statusCode": 404}` (NestJS, LM Studio, Ollama's native API).
  if (typeof error === 'string') {
    return { message: asText(body.message) ?? error, type: asText(body.type) ?? null, param: null, code: asCode(body.code ?? body.statusCode), body_shape: 'string' };
  }
  if ('detail' in body) {
    const message = detailText(body.detail);
    return message ? { message, type: null, param: null, code: null, body_shape: 'detail' } : undefined;
  }
  // vLLM before 0.9 and others: `{"object": "error", "message", "type", "code"}` at the top level.
  const message = asText(body.message);
  return message ? { message, type: asText(body.type) ?? null, param: asText(body.param) ?? null, code: asCode(body.code), body_shape: 'flat' } : undefined;
}

function fromText(text: string, contentType: string): OpenAIStyleError {
  const trimmed = text.trim();
  if (trimmed === '') return { message: 'no body', type: null, param: null, code: null, body_shape: 'empty' };
  if (/html/i.test(contentType) || /^<(!doctype|html|head|body|center|h1|pre)\b/i.test(trimmed)) {
    // A reverse proxy's error page: its title is the useful part (e.g. "502 Bad Gateway").
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(trimmed)?.[1] ?? /<h1[^>]*>([^<]*)<\/h1>/i.exec(trimmed)?.[1] ?? trimmed.replace(/<[^>]*>/g, ' ');
    return { message: title.replace(/\s+/g, ' ').trim() || 'an HTML page', type: null, param: null, code: null, body_shape: 'html' };
  }
  return { message: trimmed.split(/\r?\n/)[0] ?? trimmed, type: null, param: null, code: null, body_shape: 'text' };
}

/** Reads any error body into OpenAI's shape; the message is clipped and stripped of secrets. */
export function normaliseErrorBody(text: string, contentType: string, secrets: readonly string[]): OpenAIStyleError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const error = fromJson(parsed) ?? fromText(text, contentType);
  return { ...error, message: clip(redactSecrets(error.message, secrets)) };
}
