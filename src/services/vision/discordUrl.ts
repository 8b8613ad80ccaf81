/**
 * Discord's attachment URLs are signed and expire: `ex` is the expiry and `is` the issue time, both Unix
 * seconds in hex, `hm` the signature (discord.com/developers/docs/reference#signed-attachment-cdn-urls).
 * An expired URL answers 404, so an older turn's image is sent again only while its URL is still valid.
 */

/** A URL this close to its expiry may lapse during the download. */
export const EXPIRY_MARGIN_MS = 60_000;

/** Expiry time (ms since the epoch) of a signed attachment URL; undefined when it carries none. */
export function attachmentUrlExpiry(url: string): number | undefined {
  let ex: string | null;
  try {
    ex = new URL(url).searchParams.get('ex');
  } catch {
    return undefined;
  }
  if (!ex || !/^[0-9a-f]{1,12}$/i.test(ex)) return undefined;
  return Number.parseInt(ex, 16) * 1000;
}

/** Still worth fetching: not expired (with a margin). A URL without `ex` (older or unsigned) is tried; a failed fetch drops it. */
export function isStillValid(url: string, now: number): boolean {
  const expiry = attachmentUrlExpiry(url);
  return expiry === undefined || expiry - EXPIRY_MARGIN_MS > now;
}
