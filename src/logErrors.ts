/**
 * The `err` serializer around pino's, for whatever reaches a log line: a rejection's reason may be null or a string,
 * a library's error may have a getter that throws, and a throw inside a serializer propagates out of the log call
 * itself (from the unhandledRejection handler, that is a crash).
 */

type Serialize = (error: Error) => Record<string, unknown>;

/** A file discord.js was uploading, as its errors keep it (`requestBody.files`): `data` is the whole file. */
interface RawFile {
  name?: unknown;
  contentType?: unknown;
  data?: unknown;
}

function byteLength(data: unknown): number | undefined {
  if (typeof data === 'string') return Buffer.byteLength(data);
  if (ArrayBuffer.isView(data)) return data.byteLength;
  if (data instanceof ArrayBuffer) return data.byteLength;
  return undefined;
}

/**
 * discord.js's DiscordAPIError and HTTPError keep the request's files with their bytes: written out, a 2 MB image is a
 * 7 MB line of numbers. Each file is named with its size instead; the JSON part (fields, ids) stays, as it tells what
 * Discord refused. Copied, never changed in place: the error object is the caller's.
 */
function withFilesSummarised(serialized: Record<string, unknown>): Record<string, unknown> {
  const body = serialized.requestBody as { files?: unknown } | null | undefined;
  if (!body || typeof body !== 'object' || !Array.isArray(body.files)) return serialized;
  const files = (body.files as RawFile[]).map((file) => {
    const { name, contentType, data } = file ?? {};
    return { name, ...(contentType === undefined ? {} : { contentType }), bytes: byteLength(data) };
  });
  return { ...serialized, requestBody: { ...body, files } };
}

/** What can still be read of an error whose serialization threw. */
function readable(error: Error): Record<string, unknown> {
  const read = (key: 'name' | 'message' | 'stack'): unknown => {
    try {
      return error[key];
    } catch {
      return undefined;
    }
  };
  let type: unknown;
  try {
    type = error.constructor.name;
  } catch {
    type = read('name');
  }
  return { type, message: read('message'), stack: read('stack') };
}

/** The most errors of an array logged as `err` written out: a few tell what failed; thousands make a line megabytes long. */
const MAX_LISTED_ERRORS = 20;

/** pino's `err` serializer, taking any value, never throwing, and writing uploads' files as their sizes. */
export function safeErrorSerializer(serialize: Serialize): (value: unknown) => unknown {
  const serializeOne = (value: unknown): unknown => {
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return value;
    let serialized: Record<string, unknown>;
    try {
      serialized = serialize(value as Error);
    } catch {
      return readable(value as Error);
    }
    if (!serialized || typeof serialized !== 'object') return serialized;
    const summarised = withFilesSummarised(serialized);
    const nested = summarised.aggregateErrors;
    return Array.isArray(nested) ? { ...summarised, aggregateErrors: nested.map((entry) => (entry && typeof entry === 'object' ? withFilesSummarised(entry as Record<string, unknown>) : entry)) } : summarised;
  };
  return (value) => {
    if (!Array.isArray(value)) return serializeOne(value);
    // Several failures logged together (allSettled's reasons): each as an error, not as `{}`. One level only: an array
    // within (one holding itself, say) is left to pino's JSON, which writes a loop as "[Circular]" instead of recursing.
    const listed = value.slice(0, MAX_LISTED_ERRORS).map((entry: unknown) => (Array.isArray(entry) ? entry : serializeOne(entry)));
    return value.length > MAX_LISTED_ERRORS ? [...listed, `...and ${value.length - MAX_LISTED_ERRORS} more`] : listed;
  };
}
