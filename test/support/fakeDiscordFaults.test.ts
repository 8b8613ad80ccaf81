import { afterEach, describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { GatewayOpcodes } from 'discord-api-types/v10';
import { FakeDiscord } from './fakeDiscord.ts';

const TOKEN = 'fake-faults-token';
let fake: FakeDiscord | undefined;
afterEach(async () => { await fake?.close(); fake = undefined; });

interface Payload { op: number; d: unknown; s: number | null; t: string | null }

/** A raw gateway client: every payload received is kept; `next` waits for one that matches. */
async function connect(url: string) {
  const ws = new WebSocket(`${url}/?v=10&encoding=json`);
  const received: Payload[] = [];
  const waiters: (() => void)[] = [];
  ws.on('message', (data) => { received.push(JSON.parse(String(data)) as Payload); for (const w of waiters.splice(0)) w(); });
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  const next = async (match: (p: Payload) => boolean): Promise<Payload> => {
    for (;;) {
      const found = received.find(match);
      if (found) { received.splice(received.indexOf(found), 1); return found; }
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  await next((p) => p.op === GatewayOpcodes.Hello);
  const send = (op: number, d: unknown) => ws.send(JSON.stringify({ op, d }));
  return { ws, next, send, closed };
}

async function identified(url: string) {
  const conn = await connect(url);
  conn.send(GatewayOpcodes.Identify, { token: TOKEN, intents: 1, properties: { os: 'linux', browser: 'test', device: 'test' } });
  const ready = await conn.next((p) => p.t === 'READY');
  return { ...conn, sessionId: (ready.d as { session_id: string }).session_id, seq: ready.s! };
}

describe('fake gateway faults', () => {
  test('a session closed with 4009 is gone: its RESUME gets op 9 (not resumable)', async () => {
    fake = await FakeDiscord.start({ token: TOKEN });
    const first = await identified(fake.gatewayUrl);
    fake.closeGateway(4009);
    expect(await first.closed).toBe(4009);
    const second = await connect(fake.gatewayUrl);
    second.send(GatewayOpcodes.Resume, { token: TOKEN, session_id: first.sessionId, seq: first.seq });
    expect((await second.next((p) => p.op === GatewayOpcodes.InvalidSession)).d).toBe(false);
  });

  test('a session closed with 4000 is kept: its RESUME replays and says RESUMED', async () => {
    fake = await FakeDiscord.start({ token: TOKEN });
    const first = await identified(fake.gatewayUrl);
    fake.closeGateway(4000);
    await first.closed;
    const second = await connect(fake.gatewayUrl);
    second.send(GatewayOpcodes.Resume, { token: TOKEN, session_id: first.sessionId, seq: first.seq });
    await second.next((p) => p.t === 'RESUMED');
  });

  test.each([true, false])('op 9 with d=%s: the connection is no longer authenticated; RESUME works only when resumable', async (resumable) => {
    fake = await FakeDiscord.start({ token: TOKEN });
    const conn = await identified(fake.gatewayUrl);
    fake.invalidateSession(resumable);
    expect((await conn.next((p) => p.op === GatewayOpcodes.InvalidSession)).d).toBe(resumable);
    conn.send(GatewayOpcodes.Resume, { token: TOKEN, session_id: conn.sessionId, seq: conn.seq });
    if (resumable) await conn.next((p) => p.t === 'RESUMED');
    else expect((await conn.next((p) => p.op === GatewayOpcodes.InvalidSession)).d).toBe(false);
  });
});

describe('fake REST faults', () => {
  const getMe = () => fetch(`${fake!.restUrl}/v10/users/@me`, { headers: { authorization: `Bot ${TOKEN}` } });

  test('a route 429: retry_after in seconds in the body, whole seconds in Retry-After, then the route answers', async () => {
    fake = await FakeDiscord.start({ token: TOKEN });
    fake.injectRestFault({ match: (r) => r.route === '/users/@me', status: 429, retryAfter: 1.25 });
    const limited = await getMe();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(limited.headers.get('x-ratelimit-scope')).toBe('user');
    expect(limited.headers.has('x-ratelimit-global')).toBe(false);
    expect(await limited.json()).toEqual({ message: 'You are being rate limited.', retry_after: 1.25, global: false });
    expect((await getMe()).status).toBe(200);
  });

  test('a global 429 and 5xx answers, each as many times as asked', async () => {
    fake = await FakeDiscord.start({ token: TOKEN });
    fake.injectRestFault({ match: (r) => r.route === '/users/@me', status: 429, retryAfter: 0.5, global: true });
    fake.injectRestFault({ match: (r) => r.route === '/users/@me', status: 502, times: 2 });
    const global = await getMe();
    expect(global.headers.get('x-ratelimit-global')).toBe('true');
    expect(global.headers.get('x-ratelimit-scope')).toBe('global');
    expect(await global.json()).toMatchObject({ retry_after: 0.5, global: true });
    expect([(await getMe()).status, (await getMe()).status, (await getMe()).status]).toEqual([502, 502, 200]);
    expect(fake.restFaultHits.map((h) => h.status)).toEqual([429, 502, 502]);
  });
});
