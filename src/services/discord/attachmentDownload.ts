export interface DownloadOptions {
  maxBytes: number;
  /** Covers the whole transfer (headers and body), not just the connection. */
  timeoutMs: number;
  /** Size Discord reports for the attachment; over `maxBytes` means no request at all. */
  declaredSize?: number;
  /** Injected in tests. */
  fetch?: typeof fetch;
  /** Sees each piece as it arrives; a returned reason stops the download there (e.g. the first bytes are not an image). */
  check?: (chunk: Uint8Array, received: number) => string | undefined;
}

export type DownloadResult =
  | { ok: true; bytes: Uint8Array }
  | { ok: false; reason: 'too-large' | 'timeout' | 'http-error' | 'network'; detail: string }
  | { ok: false; reason: 'refused'; detail: string };

const tooLarge = (maxBytes: number): DownloadResult => ({
  ok: false,
  reason: 'too-large',
  detail: `The file is larger than the ${(maxBytes / (1024 * 1024)).toFixed(1)} MB limit.`,
});

/** Downloads an attachment into memory with a hard size cap and a timeout. Never throws. */
export async function downloadAttachment(url: string, options: DownloadOptions): Promise<DownloadResult> {
  const { maxBytes, timeoutMs, declaredSize, fetch: fetchImpl = globalThis.fetch, check } = options;
  if (declaredSize !== undefined && declaredSize > maxBytes) return tooLarge(maxBytes);

  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  try {
    const response = await fetchImpl(url, { signal: controller.signal, redirect: 'follow' });
    if (!response.ok) {
      controller.abort(); // the error body is of no use; free the connection
      return { ok: false, reason: 'http-error', detail: `HTTP ${response.status} ${response.statusText}`.trim() };
    }
    // A content-length over the cap is a cheap early refusal; a small or missing one is not trusted below.
    const length = Number(response.headers.get('content-length'));
    if (Number.isFinite(length) && length > maxBytes) {
      controller.abort();
      return tooLarge(maxBytes);
    }
    return await readCapped(response, maxBytes, controller, check);
  } catch (error) {
    if (timedOut) return { ok: false, reason: 'timeout', detail: `No complete download within ${timeoutMs} ms.` };
    return { ok: false, reason: 'network', detail: error instanceof Error ? describeNetworkError(error) : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

/** Streams the body, counting bytes as they arrive, and aborts as soon as the cap is passed. */
async function readCapped(response: Response, maxBytes: number, controller: AbortController, check: DownloadOptions['check']): Promise<DownloadResult> {
  if (!response.body) return { ok: true, bytes: new Uint8Array(0) };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      controller.abort();
      await reader.cancel().catch(() => undefined); // already aborted; cancel only releases the lock
      return tooLarge(maxBytes);
    }
    const refused = check?.(value, total);
    if (refused !== undefined) {
      controller.abort();
      await reader.cancel().catch(() => undefined);
      return { ok: false, reason: 'refused', detail: refused };
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { ok: true, bytes };
}

/** Node's fetch says only "fetch failed"; the useful part (ECONNREFUSED, ENOTFOUND...) is in `cause`. */
function describeNetworkError(error: Error): string {
  const cause = error.cause;
  return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
}
