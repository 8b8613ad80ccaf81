import { downloadAttachment } from '../discord/attachmentDownload.ts';
import type { DownloadGate } from '../discord/downloadGate.ts';
import { gifCanvas, gifFrameCount, readImageHeader, type HeaderResult, type ImageMime } from './imageHeader.ts';
import { IMAGE_DOWNLOAD_TIMEOUT_MS, MAX_IMAGE_BYTES } from './limits.ts';

/** JPEG frame headers may sit behind several 64 KB APPn segments; past this, the file is not read as an image. */
const MAX_HEADER_BYTES = 512 * 1024;

export interface CheckedImage {
  bytes: Uint8Array;
  mime: ImageMime;
  width: number;
  height: number;
}

/** 'busy': no room among the files in memory within the wait; nothing was downloaded. */
export type ImageProblem = 'not-image' | 'animated' | 'too-large' | 'unavailable' | 'busy';
/** `release`: gives the image's room back to the gate once the request that carries it is over. */
export type ImageFetch = { ok: true; image: CheckedImage; release: () => void } | { ok: false; problem: ImageProblem; detail: string };

export interface ImageFetchOptions {
  /** Size Discord reports: over the limit means no request at all. */
  declaredSize?: number;
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** The process's bound on files held in memory, and how long this image may wait for room. */
  gate?: { gate: DownloadGate; waitMs: number };
}

/**
 * Downloads an attachment as an image, checking as the bytes arrive: the first bytes must be PNG, JPEG, GIF
 * or WebP (anything else stops the download at once), the size within OpenAI's per-image limit (stopped as
 * soon as it is passed), the pixel size readable from the header. A GIF must be a still image.
 */
export async function fetchImage(url: string, options: ImageFetchOptions = {}): Promise<ImageFetch> {
  let head = new Uint8Array(0);
  let header: HeaderResult = { kind: 'more' };
  const check = (chunk: Uint8Array): string | undefined => {
    if (header.kind !== 'more') return undefined;
    const joined = new Uint8Array(head.length + chunk.length);
    joined.set(head);
    joined.set(chunk, head.length);
    head = joined;
    header = readImageHeader(head);
    if (header.kind === 'more' && head.length > MAX_HEADER_BYTES) header = { kind: 'broken' };
    if (header.kind === 'not-image' || header.kind === 'broken') return 'not a PNG, JPEG, GIF or WebP image';
    if (header.kind === 'image' && header.animated) return 'an animated image';
    return undefined;
  };
  const download = await downloadAttachment(url, {
    maxBytes: MAX_IMAGE_BYTES, timeoutMs: options.timeoutMs ?? IMAGE_DOWNLOAD_TIMEOUT_MS, declaredSize: options.declaredSize, fetch: options.fetch, check, gate: options.gate,
  });
  // Set inside `check`, which TypeScript cannot see.
  const found = header as HeaderResult;
  if (!download.ok) {
    if (download.reason === 'busy') return { ok: false, problem: 'busy', detail: download.detail };
    if (download.reason === 'too-large') return { ok: false, problem: 'too-large', detail: download.detail };
    if (download.reason === 'refused') return { ok: false, problem: found.kind === 'image' ? 'animated' : 'not-image', detail: download.detail };
    return { ok: false, problem: 'unavailable', detail: download.detail };
  }
  const refuse = (problem: ImageProblem, detail: string): ImageFetch => {
    download.release();
    return { ok: false, problem, detail };
  };
  try {
    if (found.kind !== 'image') return refuse('not-image', 'the file ends before its image header');
    // OpenAI accepts only non-animated GIFs; the frames are counted once the whole file is here.
    if (found.mime === 'image/gif' && gifFrameCount(download.bytes) !== 1) return refuse('animated', 'an animated (or broken) GIF');
    // A GIF's frame may reach past its logical screen; the decoder then bills the larger canvas.
    const { width, height } = found.mime === 'image/gif' ? gifCanvas(download.bytes, found.width, found.height) : found;
    return { ok: true, image: { bytes: download.bytes, mime: found.mime, width, height }, release: download.release };
  } catch (error) {
    download.release();
    throw error;
  }
}

/** The checked bytes as the data URL OpenAI receives (it never fetches from Discord itself). */
export function dataUrlOf(image: Pick<CheckedImage, 'bytes' | 'mime'>): string {
  return `data:${image.mime};base64,${Buffer.from(image.bytes.buffer, image.bytes.byteOffset, image.bytes.byteLength).toString('base64')}`;
}
