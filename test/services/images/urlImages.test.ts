/**
 * The download of an image a compatible server sent only as a URL, against a loopback host: what it follows, what it
 * refuses before any request, and what it keeps. (Through the bot: urlAnswers.test.ts.)
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DownloadGate } from '../../../src/services/discord/downloadGate.ts';
import { fetchUrlImages } from '../../../src/services/images/urlImages.ts';
import { makePng } from '../../support/fakeOpenAIImages.ts';

const png = makePng();
let server: Server;
let base = '';
const seen: { url: string; headers: IncomingHttpHeaders }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    if (req.url === '/image.png') return void res.writeHead(200, { 'content-type': 'image/png' }).end(png);
    if (req.url === '/moved') return void res.writeHead(302, { location: '/image.png' }).end();
    if (req.url === '/to-file') return void res.writeHead(302, { location: 'file:///etc/passwd' }).end();
    if (req.url === '/to-data') return void res.writeHead(302, { location: `data:image/png;base64,${png.toString('base64')}` }).end();
    if (req.url === '/labelled') return void res.writeHead(200, { 'content-type': 'image/png' }).end('{"instance-id":"i-0abc"}');
    if (req.url === '/untyped') return void res.end(png);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const fetchOne = async (url: string, gate?: DownloadGate) => {
  const { fetched: [got], release } = await fetchUrlImages([{ url, revisedPrompt: undefined }], { timeoutMs: 5_000, gate });
  return { ...got!, release };
};

describe('fetchUrlImages, one image', () => {
  test('a loopback host (the operator\'s own server) is fetched, an http redirect followed, and the room in the gate kept until released', async () => {
    const gate = new DownloadGate(64 * 1024 * 1024);
    const got = await fetchOne(`${base}/moved`, gate);
    expect(got).toMatchObject({ ok: true, image: { data: png } });
    expect(gate.inFlight).toBeGreaterThan(0);
    if (got.ok) got.release();
    expect(gate.inFlight).toBe(0);
  });

  test.each(['file:///etc/passwd', 'data:image/png;base64,iVBORw0KGgo=', 'ftp://127.0.0.1/image.png', 'not a url'])('%s is refused before any request', async (url) => {
    const before = seen.length;
    const got = await fetchOne(url);
    expect(got).toMatchObject({ ok: false, problem: { kind: 'unreachable' } });
    expect(seen.length).toBe(before);
  });

  test('a URL carrying a user name or password is refused before any request, and the detail for the log holds neither', async () => {
    const before = seen.length;
    const got = await fetchOne(`http://operator:s3cret-pw@127.0.0.1:${new URL(base).port}/image.png`);
    expect(got).toMatchObject({ ok: false, problem: { kind: 'unreachable' } });
    expect(seen.length).toBe(before);
    expect(JSON.stringify(got)).not.toMatch(/operator|s3cret-pw/);
  });

  test.each(['/to-file', '/to-data'])('a redirect to a non-http(s) URL (%s) is refused', async (path) => {
    expect(await fetchOne(`${base}${path}`)).toMatchObject({ ok: false, problem: { kind: 'unreachable' } });
  });

  test('an answer labelled image/png whose bytes are not an image is refused; so is one with no content-type', async () => {
    expect(await fetchOne(`${base}/labelled`)).toMatchObject({ ok: false, problem: { kind: 'not-image' } });
    expect(await fetchOne(`${base}/untyped`)).toMatchObject({ ok: false, problem: { kind: 'not-image' } });
  });

  test('the host sees no Authorization or OpenAI SDK header', async () => {
    await fetchOne(`${base}/image.png`);
    const { headers } = seen.at(-1)!;
    expect(headers.authorization).toBeUndefined();
    expect(Object.keys(headers).filter((name) => /^(x-stainless|openai-)/.test(name))).toEqual([]);
  });
});
