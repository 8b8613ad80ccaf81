import type { Logger } from '../../logger.ts';
import type { DownloadGate } from './downloadGate.ts';

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
  /** Sees the answer's content-type before any of the body is read; a returned reason refuses the file unread. */
  accept?: (contentType: string | null) => string | undefined;
  /**
   * The process's bound on files held in memory: room for the file's bound is taken before the request, waiting in
   * line up to `waitMs` (then 'busy'), and kept until the caller calls the result's `release()`.
   */
  gate?: { gate: DownloadGate; waitMs: number };
}

export type DownloadResult =
  /** `release`: gives the file's room back to the gate; call it once the bytes (and any upload made of them) are done with. */
  | { ok: true; bytes: Uint8Array; release: () => void }
  | { ok: false; reason: 'too-large' | 'timeout' | 'http-error' | 'network'; detail: string }
  | { ok: false; reason: 'refused'; detail: string }
  /** No room in the gate within the wait: nothing was requested. */
  | { ok: false; reason: 'busy'; detail: string };

type Read = { ok: true; bytes: Uint8Array } | Exclude<DownloadResult, { ok: true }>;

const tooLarge = (maxBytes: number, bound = maxBytes): Extract<Read, { ok: false }> => ({
  ok: false,
  reason: 'too-large',
  detail: bound < maxBytes ? `The file is larger than the ${bound} bytes Discord declared.` : `The file is larger than the ${(maxBytes / (1024 * 1024)).toFixed(1)} MB limit.`,
});

const NOTHING_HELD = (): void => undefined;

/** What a member's command answers when its file found no room: nothing was downloaded, reserved or sent (failures' `filesBusy`). */
export type NoRoom = { ok: false; reason: 'busy' };

/** A download turned away for want of room, logged and told the same way for every kind of file (`what`: which, for the log). */
export function noRoom(download: Extract<DownloadResult, { reason: 'busy' }>, what: string, log: Logger): NoRoom {
  log.warn({ file: what, detail: download.detail }, 'no room for the file among those in memory: told busy');
  return { ok: false, reason: 'busy' };
}

/**
 * Downloads an attachment into memory with a hard size cap and a timeout. Never throws. With a gate, the room for
 * the file is taken first and read no further than it: the size Discord declares (exact for an attachment) when it
 * is within `maxBytes`, else `maxBytes`. The room stays taken on success until `release()`; on failure it is given back here.
 */
export async function downloadAttachment(url: string, options: DownloadOptions): Promise<DownloadResult> {
  const { maxBytes, declaredSize, gate } = options;
  if (declaredSize !== undefined && declaredSize > maxBytes) return tooLarge(maxBytes);
  const bound = declaredSize === undefined ? maxBytes : Math.min(declaredSize, maxBytes);
  if (!gate) {
    const read = await readAttachment(url, options, bound);
    return read.ok ? { ...read, release: NOTHING_HELD } : read;
  }
  const room = await gate.gate.take(bound, gate.waitMs);
  if (!room) return { ok: false, reason: 'busy', detail: `No room for ${bound} bytes among the files in memory within ${gate.waitMs} ms.` };
  let kept = false;
  try {
    const read = await readAttachment(url, options, bound);
    if (!read.ok) return read;
    kept = true;
    return { ...read, release: room.release };
  } finally {
    if (!kept) room.release();
  }
}

/** The request and the capped read, with the timeout over both. */
async function readAttachment(url: string, options: DownloadOptions, bound: number): Promise<Read> {
  const { maxBytes, timeoutMs, fetch: fetchImpl = globalThis.fetch, check, accept, declaredSize } = options;
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
    const refused = accept?.(response.headers.get('content-type'));
    if (refused !== undefined) {
      controller.abort();
      return { ok: false, reason: 'refused', detail: refused };
    }
    // A content-length over the bound is a cheap early refusal; a small or missing one is not trusted below.
    const length = Number(response.headers.get('content-length'));
    if (Number.isFinite(length) && length > bound) {
      controller.abort();
      return tooLarge(maxBytes, bound);
    }
    return await readCapped(response, bound, maxBytes, controller, check, declaredSize !== undefined);
  } catch (error) {
    if (timedOut) return { ok: false, reason: 'timeout', detail: `No complete download within ${timeoutMs} ms.` };
    return { ok: false, reason: 'network', detail: error instanceof Error ? describeNetworkError(error) : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Streams the body, counting bytes as they arrive, and aborts as soon as the bound (the declared size or the cap) is
 * passed. With a declared size (exact for an attachment) the bytes go straight into one buffer of that size, so a
 * file is never held twice (its pieces, then their joined copy) and stays within the room it took.
 */
async function readCapped(response: Response, bound: number, maxBytes: number, controller: AbortController, check: DownloadOptions['check'], sized: boolean): Promise<Read> {
  if (!response.body) return { ok: true, bytes: new Uint8Array(0) };
  const reader = response.body.getReader();
  const into = sized ? new Uint8Array(bound) : undefined;
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (total + value.byteLength > bound) {
      controller.abort();
      await reader.cancel().catch(() => undefined); // already aborted; cancel only releases the lock
      return tooLarge(maxBytes, bound);
    }
    const refused = check?.(value, total + value.byteLength);
    if (refused !== undefined) {
      controller.abort();
      await reader.cancel().catch(() => undefined);
      return { ok: false, reason: 'refused', detail: refused };
    }
    if (into) into.set(value, total);
    else chunks.push(value);
    total += value.byteLength;
  }
  if (into) return { ok: true, bytes: total === bound ? into : into.slice(0, total) };
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
