import { normaliseErrorBody } from './errorBodies.ts';

/**
 * A 200 JSON answer this short may be an error in disguise: LM Studio answers a route it does not
 * have with `200 {"error": "Unexpected endpoint or method. (POST /v1/…)"}`. Real answers with
 * images are far larger and are never read twice.
 */
const MAX_DISGUISED_ERROR_BYTES = 4096;
/** What a disguised error says when the route is missing: it becomes the 404 it should have been. */
const MISSING_ROUTE = /unexpected endpoint|no such (route|endpoint)|not found|cannot (get|post)|unknown (route|endpoint|url)|invalid url/i;
/** Fields of a real answer: a body with one of these is never taken for an error. */
const ANSWER_FIELDS = ['choices', 'data', 'text', 'id'];

/** A body already read, handed on with the original headers (minus the ones that described the bytes on the wire). */
function rebuilt(text: string, status: number, from: Response, contentType: string | null): Response {
  const headers = new Headers(from.headers);
  if (contentType) headers.set('content-type', contentType);
  headers.delete('content-length');
  headers.delete('content-encoding');
  return new Response(text, { status, statusText: from.statusText, headers });
}

const jsonResponse = (body: unknown, status: number, from: Response) => rebuilt(JSON.stringify(body), status, from, 'application/json');

async function normaliseFailure(response: Response, secrets: readonly string[]): Promise<Response> {
  const text = await response.text().catch(() => '');
  const error = normaliseErrorBody(text, response.headers.get('content-type') ?? '', secrets);
  return jsonResponse({ error }, response.status, response);
}

/** A 200 body read once: an error in disguise becomes a real error status; a missing content-type is filled in. */
async function inspectAnswer(response: Response, secrets: readonly string[]): Promise<Response> {
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return rebuilt(text, response.status, response, null);
  }
  const body = json as Record<string, unknown> | null;
  if (text.length <= MAX_DISGUISED_ERROR_BYTES && body && typeof body === 'object' && body.error && !ANSWER_FIELDS.some((field) => field in body)) {
    const error = normaliseErrorBody(text, 'application/json', secrets);
    const coded = Number(error.code);
    const status = Number.isInteger(coded) && coded >= 400 && coded <= 599 ? coded : MISSING_ROUTE.test(error.message) ? 404 : 500;
    return jsonResponse({ error }, status, response);
  }
  return rebuilt(text, response.status, response, 'application/json');
}

/** A streamed chat request: its answer is never read ahead of the SDK. */
const isStreamRequest = (init: RequestInit | undefined) => typeof init?.body === 'string' && /"stream"\s*:\s*true/.test(init.body);

/**
 * Makes compatible servers' answers readable by the SDK: error bodies in any shape (a string
 * `error`, FastAPI's `detail`, plain text, a proxy's HTML page) become OpenAI's error object with
 * the key blanked out, an error sent with status 200 gets an error status, and JSON answers sent
 * without a content-type are marked as JSON. Streams and large answers pass through unread.
 */
export function compatFetch(base: typeof fetch, secrets: readonly string[]): typeof fetch {
  return async (input, init) => {
    const response = await base(input, init);
    if (response.status >= 400) return normaliseFailure(response, secrets);
    if (response.status !== 200) return response;
    const type = response.headers.get('content-type');
    const length = Number(response.headers.get('content-length') ?? Number.NaN);
    const small = Number.isFinite(length) && length <= MAX_DISGUISED_ERROR_BYTES;
    // Without a content-type the SDK would hand back text instead of JSON: read it here (never a stream).
    if ((type === null && !isStreamRequest(init)) || (small && type?.includes('json'))) return inspectAnswer(response, secrets);
    return response;
  };
}
