import { downloadAttachment, type DownloadResult } from '../discord/attachmentDownload.ts';
import type { DownloadGate } from '../discord/downloadGate.ts';
import type { GeneratedImage } from './generator.ts';

/** Discord refuses an upload past 10 MiB on a server without boosts (present.ts's MESSAGE_UPLOAD_MAX_BYTES): a larger image could never be posted. */
export const URL_IMAGE_MAX_BYTES = 10 * 1024 * 1024;
/** IMAGE_URL_TIMEOUT_MS's default: a few MB from a server the operator chose; it leaves most of the minute kept for posting. */
export const DEFAULT_URL_IMAGE_TIMEOUT_MS = 30_000;
/** PNG, JPEG and WebP are told apart by their first 12 bytes (WebP's "RIFF....WEBP"). */
const SIGNATURE_BYTES = 12;

/** An image the answer held only as a URL (a compatible server that ignores `response_format`). */
export interface ImageUrl {
  url: string;
  revisedPrompt: string | undefined;
}

/** Why an image made as a URL could not be posted; `status` for 'http-error', `ms` (the timeout) for 'timeout'. */
export type UrlImageProblem =
  | { kind: 'http-error'; status: number }
  | { kind: 'timeout'; ms: number }
  | { kind: 'too-large' | 'not-image' | 'unreachable' | 'busy' };

export type UrlImageFetch =
  | { ok: true; image: GeneratedImage }
  /** `detail` is for the log: it never holds the URL (a signed URL is a credential of sorts). */
  | { ok: false; problem: UrlImageProblem; detail: string };

export interface UrlImageOptions {
  /** IMAGE_URL_TIMEOUT_MS: over the whole transfer. */
  timeoutMs: number;
  /** Injected in tests. */
  fetch?: typeof fetch;
}

/** Each image's download, in order; `release` gives the room they took together back, once they are posted. */
export interface UrlImageFetches {
  fetched: UrlImageFetch[];
  release: () => void;
}

const startsWith = (bytes: Uint8Array, text: string, at = 0) => Buffer.from(bytes.subarray(at, at + text.length)).toString('latin1') === text;

/** PNG, JPEG or WebP by their signatures: what Discord shows inline and what an image service makes. */
function isImageSignature(head: Uint8Array): boolean {
  if (head[0] === 0x89 && startsWith(head, 'PNG\r\n\x1a\n', 1)) return true;
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return true;
  return startsWith(head, 'RIFF') && startsWith(head, 'WEBP', 8);
}

/** The status from downloadAttachment's 'http-error' detail ("HTTP 404 Not Found"). */
const statusOf = (detail: string) => Number(/^HTTP (\d{3})/.exec(detail)?.[1] ?? 0);

function problemOf(download: Exclude<DownloadResult, { ok: true }>, timeoutMs: number): UrlImageProblem {
  switch (download.reason) {
    case 'http-error': return { kind: 'http-error', status: statusOf(download.detail) };
    case 'too-large': return { kind: 'too-large' };
    case 'timeout': return { kind: 'timeout', ms: timeoutMs };
    case 'refused': return { kind: 'not-image' };
    case 'busy': return { kind: 'busy' };
    case 'network': return { kind: 'unreachable' };
  }
}

/**
 * Downloads one image a compatible server made and sent only as a URL, so that the member who paid for it sees it.
 * The URL is a third party's: it is fetched with no header of the bot's (no OpenAI key), http(s) only (a redirect
 * elsewhere is a network error by the fetch standard), within URL_IMAGE_MAX_BYTES and the timeout, and kept only
 * when it says it is an image and its first bytes are PNG, JPEG or WebP.
 *
 * Loopback and private addresses are allowed: the URL comes from the AI server the operator configured (a LocalAI
 * or Ollama on 127.0.0.1 or the LAN serves its images there), which already sees every prompt. What such a URL can
 * reach is bounded by the checks above: a GET with no credentials, and nothing but image bytes is ever posted, so
 * an internal page (a metadata service's JSON, an admin page) is refused, never shown.
 */
async function fetchUrlImage(image: ImageUrl, options: UrlImageOptions): Promise<UrlImageFetch> {
  let url: URL;
  try {
    url = new URL(image.url);
  } catch {
    return { ok: false, problem: { kind: 'unreachable' }, detail: 'not a URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, problem: { kind: 'unreachable' }, detail: `a ${url.protocol} URL, not http(s)` };
  // fetch refuses such a URL with an error that quotes it whole, password and all, and that detail is logged.
  if (url.username !== '' || url.password !== '') return { ok: false, problem: { kind: 'unreachable' }, detail: 'a URL with a user name or password' };
  let head = new Uint8Array(0);
  const check = (chunk: Uint8Array): string | undefined => {
    if (head.length >= SIGNATURE_BYTES) return undefined;
    head = Buffer.concat([head, chunk]).subarray(0, SIGNATURE_BYTES);
    if (head.length < SIGNATURE_BYTES) return undefined;
    return isImageSignature(head) ? undefined : 'not a PNG, JPEG or WebP image';
  };
  const accept = (type: string | null) => (type !== null && /^image\//i.test(type.trim()) ? undefined : `content-type ${type ?? 'missing'}, not an image`);
  const { timeoutMs } = options;
  const download = await downloadAttachment(url.href, { maxBytes: URL_IMAGE_MAX_BYTES, timeoutMs, check, accept, fetch: options.fetch });
  if (!download.ok) return { ok: false, problem: problemOf(download, timeoutMs), detail: download.detail };
  // A file shorter than a signature never met the check.
  if (!isImageSignature(download.bytes)) return { ok: false, problem: { kind: 'not-image' }, detail: 'too short to be an image' };
  const { bytes } = download;
  return { ok: true, image: { data: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), revisedPrompt: image.revisedPrompt } };
}

const NOTHING_HELD = (): void => undefined;

/**
 * Downloads an answer's images (all at once) in one room among the files in memory, waiting for it no longer than the
 * timeout, as a question's images take theirs. A room each, each kept until the post, would have the later images wait
 * for room that only this post gives back: on a small DOWNLOAD_MEMORY_MB they were lost, 'busy', every time.
 */
export async function fetchUrlImages(images: readonly ImageUrl[], options: UrlImageOptions & { gate?: DownloadGate }): Promise<UrlImageFetches> {
  const { gate, ...each } = options;
  const room = gate && images.length > 0 ? await gate.take(images.length * URL_IMAGE_MAX_BYTES, options.timeoutMs) : { release: NOTHING_HELD };
  if (!room) {
    const busy: UrlImageFetch = { ok: false, problem: { kind: 'busy' }, detail: `no room among the files in memory within ${options.timeoutMs} ms` };
    return { fetched: images.map(() => busy), release: NOTHING_HELD };
  }
  try {
    return { fetched: await Promise.all(images.map((image) => fetchUrlImage(image, each))), release: room.release };
  } catch (error) {
    // Downloads don't throw; were one to, its room must not stay taken.
    room.release();
    throw error;
  }
}
