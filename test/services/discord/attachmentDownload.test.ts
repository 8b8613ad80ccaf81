import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { downloadAttachment } from '../../../src/services/discord/attachmentDownload.ts';
import { DownloadGate } from '../../../src/services/discord/downloadGate.ts';

const CHUNK = 32 * 1024;
const SLOW_TOTAL = 4 * 1024 * 1024; // 128 chunks, 10 ms apart: over a second if nobody stops it
let server: Server;
let base = '';
/** Bytes the /slow handler managed to write before the client hung up; resolved on close. */
let slowWritten: Promise<number> = Promise.resolve(0);

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/ok') return void res.end(Buffer.alloc(1000, 7));
    if (req.url === '/chunked2000') { res.write(Buffer.alloc(1000, 1)); return void res.end(Buffer.alloc(1000, 2)); }
    if (req.url === '/missing') return void res.writeHead(404).end('no such attachment');
    if (req.url === '/hang') return; // never answers: only the timeout ends this
    if (req.url === '/stall') return void res.writeHead(200).write('a few bytes, then nothing');
    if (req.url === '/slow') {
      // Chunked with no content-length, so only counting streamed bytes can enforce the cap.
      slowWritten = new Promise((resolve) => {
        let written = 0;
        const timer = setInterval(() => {
          if (res.destroyed || written >= SLOW_TOTAL) {
            clearInterval(timer);
            res.end();
            return resolve(written);
          }
          res.write(Buffer.alloc(CHUNK, 1));
          written += CHUNK;
        }, 10);
      });
      return;
    }
    res.writeHead(500).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections(); // /hang and /stall are still open
  await new Promise((resolve) => server.close(resolve));
});

/** A fetch that records calls, for proving no request was made. */
function countingFetch(): { fetch: typeof fetch; calls: string[] } {
  const calls: string[] = [];
  const fake = (async (input: string | URL | Request) => {
    calls.push(String(input));
    return new Response('x');
  }) as typeof fetch;
  return { fetch: fake, calls };
}

/** A response whose body would produce `chunks` chunks of CHUNK bytes, counting how many were pulled. */
function endlessResponse(headers: Record<string, string>, chunks: number): { response: Response; pulled: () => number } {
  let pulled = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled++ >= chunks) controller.close();
      else controller.enqueue(new Uint8Array(CHUNK));
    },
  });
  return { response: new Response(body, { headers }), pulled: () => pulled };
}

describe('downloadAttachment', () => {
  test('downloads a small file', async () => {
    const result = await downloadAttachment(`${base}/ok`, { maxBytes: 5000, timeoutMs: 5000, declaredSize: 1000 });
    expect(result.ok && Array.from(new Set(result.bytes))).toEqual([7]);
    expect(result.ok && result.bytes.length).toBe(1000);
  });

  test.each([
    ['declared size over the cap', 1_000_001],
    ['declared size far over the cap', 30 * 1024 * 1024],
  ])('%s: refused with no request at all', async (_name, declaredSize) => {
    const { fetch, calls } = countingFetch();
    const result = await downloadAttachment('https://cdn.example/a.ogg', { maxBytes: 1_000_000, timeoutMs: 1000, declaredSize, fetch });
    expect(result).toMatchObject({ ok: false, reason: 'too-large' });
    expect(calls).toEqual([]);
  });

  test('a declared size exactly at the cap is fetched', async () => {
    const { fetch, calls } = countingFetch();
    expect(await downloadAttachment('https://cdn.example/a.ogg', { maxBytes: 1, timeoutMs: 1000, declaredSize: 1, fetch })).toMatchObject({ ok: true });
    expect(calls).toHaveLength(1);
  });

  test('a slow streamed body over the cap is cut off early', async () => {
    const started = Date.now();
    const result = await downloadAttachment(`${base}/slow`, { maxBytes: 256 * 1024, timeoutMs: 10_000 });
    expect(result).toMatchObject({ ok: false, reason: 'too-large' });
    expect(Date.now() - started).toBeLessThan(1000); // the full body takes ~1.3 s to send
    expect(await slowWritten).toBeLessThan(SLOW_TOTAL / 2); // the server saw the hang-up and stopped
  });

  test('a content-length that understates the body is not trusted', async () => {
    const { response, pulled } = endlessResponse({ 'content-length': '10' }, 1000);
    const result = await downloadAttachment('https://cdn.example/a.ogg', { maxBytes: 100_000, timeoutMs: 5000, fetch: async () => response });
    expect(result).toMatchObject({ ok: false, reason: 'too-large' });
    expect(pulled()).toBeLessThan(10); // 100 KB is four 32 KB chunks; the other ~996 are never read
  });

  test('a content-length over the cap is refused without reading the body', async () => {
    const { response, pulled } = endlessResponse({ 'content-length': String(50 * 1024 * 1024) }, 1000);
    const result = await downloadAttachment('https://cdn.example/a.ogg', { maxBytes: 100_000, timeoutMs: 5000, fetch: async () => response });
    expect(result).toMatchObject({ ok: false, reason: 'too-large' });
    expect(pulled()).toBeLessThanOrEqual(1); // a stream may pre-pull one chunk on creation
  });

  test.each(['/hang', '/stall'])('%s times out', async (path) => {
    const started = Date.now();
    const result = await downloadAttachment(`${base}${path}`, { maxBytes: 1_000_000, timeoutMs: 200 });
    expect(result).toMatchObject({ ok: false, reason: 'timeout' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test('404 is an http-error', async () => {
    const result = await downloadAttachment(`${base}/missing`, { maxBytes: 1_000_000, timeoutMs: 5000 });
    expect(result).toMatchObject({ ok: false, reason: 'http-error' });
    expect(!result.ok && result.detail).toMatch(/404/);
  });

  test('a refused connection is a network error', async () => {
    // Take a free port and close it again, so nothing listens there.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const result = await downloadAttachment(`http://127.0.0.1:${port}/a.ogg`, { maxBytes: 1000, timeoutMs: 5000 });
    expect(result).toMatchObject({ ok: false, reason: 'network' });
    expect(!result.ok && result.detail).toMatch(/ECONNREFUSED/);
  });
});

describe('downloadAttachment with a gate on the bytes in memory', () => {
  const gated = (gate: DownloadGate, waitMs = 1000) => ({ gate: { gate, waitMs } });

  test('the room is the declared size, held after the download until the caller releases it', async () => {
    const gate = new DownloadGate(10_000);
    const result = await downloadAttachment(`${base}/ok`, { maxBytes: 5000, timeoutMs: 5000, declaredSize: 1000, ...gated(gate) });
    expect(result.ok && result.bytes.length).toBe(1000);
    expect(gate.inFlight).toBe(1000);
    if (result.ok) result.release();
    expect(gate.inFlight).toBe(0);
  });

  test('a body shorter than its declared size comes back whole, at its own length', async () => {
    const result = await downloadAttachment(`${base}/chunked2000`, { maxBytes: 1_000_000, timeoutMs: 5000, declaredSize: 5000 });
    expect(result.ok && [result.bytes.length, result.bytes[0], result.bytes[1999]]).toEqual([2000, 1, 2]);
  });

  test('without a declared size the room is the cap', async () => {
    const gate = new DownloadGate(10_000);
    const seen: number[] = [];
    const fetch = (async () => { seen.push(gate.inFlight); return new Response('abc'); }) as typeof globalThis.fetch;
    const result = await downloadAttachment('https://cdn.example/a.ogg', { maxBytes: 5000, timeoutMs: 5000, fetch, ...gated(gate) });
    expect(seen).toEqual([5000]);
    if (result.ok) result.release();
    expect(gate.inFlight).toBe(0);
  });

  test('a body longer than the declared size is cut off there, not at the cap', async () => {
    const gate = new DownloadGate(10_000);
    const result = await downloadAttachment(`${base}/chunked2000`, { maxBytes: 1_000_000, timeoutMs: 5000, declaredSize: 1000, ...gated(gate) });
    expect(result).toMatchObject({ ok: false, reason: 'too-large', detail: 'The file is larger than the 1000 bytes Discord declared.' });
    expect(gate.inFlight).toBe(0);
  });

  test.each([
    ['an HTTP error', '/missing', {}, 'http-error'],
    ['a timeout', '/hang', { timeoutMs: 100 }, 'timeout'],
    ['a body over its bound', '/slow', { maxBytes: 64 * 1024 }, 'too-large'],
    ['a byte check that refuses', '/ok', { check: () => 'not wanted' }, 'refused'],
  ])('%s gives the room back', async (_name, path, extra, reason) => {
    const gate = new DownloadGate(10_000_000);
    const result = await downloadAttachment(`${base}${path}`, { maxBytes: 1_000_000, timeoutMs: 5000, ...extra, ...gated(gate) });
    expect(result).toMatchObject({ ok: false, reason });
    expect(gate.inFlight).toBe(0);
  });

  test('a network failure and a fetch that throws give the room back', async () => {
    const gate = new DownloadGate(10_000);
    const fetch = (async () => { throw new TypeError('fetch failed', { cause: new Error('ECONNRESET') }); }) as typeof globalThis.fetch;
    expect(await downloadAttachment('https://cdn.example/a.ogg', { maxBytes: 1000, timeoutMs: 5000, fetch, ...gated(gate) })).toMatchObject({ ok: false, reason: 'network' });
    expect(gate.inFlight).toBe(0);
  });

  test('no room within the wait: busy, and no request is made', async () => {
    const gate = new DownloadGate(1500);
    const held = (await gate.take(1000, 0))!;
    const { fetch, calls } = countingFetch();
    const result = await downloadAttachment('https://cdn.example/a.ogg', { maxBytes: 5000, timeoutMs: 5000, declaredSize: 1000, fetch, ...gated(gate, 50) });
    expect(result).toMatchObject({ ok: false, reason: 'busy' });
    expect(calls).toEqual([]);
    expect(gate.inFlight).toBe(1000);
    held.release();
  });

  test('a file over the cap by its declared size takes no room at all', async () => {
    const gate = new DownloadGate(1000);
    const held = (await gate.take(1000, 0))!;
    const started = Date.now();
    const result = await downloadAttachment('https://cdn.example/a.ogg', { maxBytes: 5000, timeoutMs: 5000, declaredSize: 9000, ...gated(gate, 5000) });
    expect(result).toMatchObject({ ok: false, reason: 'too-large' });
    expect(Date.now() - started).toBeLessThan(1000); // refused at once, not after waiting in line
    held.release();
  });
});
