import { HEADER, LinkSigner } from '../../../../src/services/budget/shared/signing.ts';

/** A request to the coordinator signed as a host signs it (client.ts), with parts a test may set (a stale timestamp, a nonce). */
export interface SignedRequest {
  url: string;
  init: { method: string; headers: Record<string, string>; body?: string };
  nonce: string;
}

export function signedRequest(baseUrl: string, secret: string, method: 'GET' | 'POST', path: string, body?: unknown, parts: { timestamp?: number; nonce?: string } = {}): SignedRequest {
  const text = body === undefined ? '' : JSON.stringify(body);
  const nonce = parts.nonce ?? LinkSigner.nonce();
  const timestamp = parts.timestamp ?? Date.now();
  const signature = new LinkSigner(secret).signRequest({ method, path, timestamp, nonce, body: text });
  const headers: Record<string, string> = { [HEADER.timestamp]: String(timestamp), [HEADER.nonce]: nonce, [HEADER.signature]: signature };
  if (body !== undefined) headers['content-type'] = 'application/json';
  return { url: `${baseUrl}${path}`, init: { method, headers, ...(body === undefined ? {} : { body: text }) }, nonce };
}

export function signedFetch(baseUrl: string, secret: string, method: 'GET' | 'POST', path: string, body?: unknown, parts: { timestamp?: number; nonce?: string } = {}): Promise<Response> {
  const { url, init } = signedRequest(baseUrl, secret, method, path, body, parts);
  return fetch(url, init);
}
