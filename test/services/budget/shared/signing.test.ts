import { hkdfSync } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, test } from 'vitest';
import { BudgetStore } from '../../../../src/db/budgetLimits.ts';
import { LedgerStore } from '../../../../src/db/ledger.ts';
import { MetaStore } from '../../../../src/db/meta.ts';
import { SharedLedgerStore } from '../../../../src/db/sharedLedger.ts';
import { createLogger, type Logger } from '../../../../src/logger.ts';
import { Ledger, NO_OPERATOR_LIMITS } from '../../../../src/services/budget/ledger.ts';
import { CoordinatorClient, MAX_ANSWER_BYTES } from '../../../../src/services/budget/shared/client.ts';
import { CoordinatorLink } from '../../../../src/services/budget/shared/link.ts';
import { startLedgerServer } from '../../../../src/services/budget/shared/server.ts';
import { CLOCK_SKEW_MS, LINK_KEY_INFO, NonceWindow } from '../../../../src/services/budget/shared/signing.ts';
import { call, closeAll, coordinatorHost, database, GUILD_B, payer, SECRET, START } from './hostsHarness.ts';
import { signedFetch, signedRequest } from './signedFetch.ts';

/**
 * The link between machines over real loopback HTTP: LEDGER_SECRET never travels, a request is taken once and only as
 * signed, and a machine acts only on answers the coordinator signed for that very request.
 */

/** Every log line of the machines here. The logger is not told the secret, so nothing scrubs it: a leak would show. */
const logged: string[] = [];
const log: Logger = createLogger({ logLevel: 'debug', logFormat: 'json', discordToken: 'discord-token-x', openaiApiKey: 'openai-key-x' },
  new Writable({ write(chunk: Buffer, _encoding, done) { logged.push(chunk.toString()); done(); } }));
const linesSaying = (text: string) => logged.filter((line) => line.includes(text));

const open: { close(): unknown }[] = [];
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
  await closeAll();
});

/** The coordinator of hostsHarness.ts, with its API served (again) by a server logging into `logged`. */
async function coordinator(options: { maxNonces?: number } = {}) {
  const clock = { now: START };
  const a = await coordinatorHost(clock);
  const server = await startLedgerServer({ host: '127.0.0.1', port: 0, secret: SECRET, coordinator: a.coordinator, log, ...options });
  open.push(server);
  const reserved = () => a.db.prepare('SELECT COUNT(*) FROM ledger').pluck().get() as number;
  return { ...a, url: server.url, reserved, clock };
}

/** Another machine asking at `url`, logging into `logged`. */
function machine(url: string, clock: { now: number }, options: { now?: () => number } = {}) {
  const { db } = database();
  const client = new CoordinatorClient(url, SECRET, { log, now: options.now });
  const link = new CoordinatorLink({ client, store: new SharedLedgerStore(db), meta: new MetaStore(db), apply: () => undefined, resync: () => undefined, log, now: () => clock.now });
  const ledger = new Ledger(new LedgerStore(db), new BudgetStore(db), null, () => clock.now, { operator: NO_OPERATOR_LIMITS, log, shared: link });
  return { db, client, link, ledger };
}

const refusedAs = async (result: Promise<Awaited<ReturnType<Ledger['reserveShared']>>>) => {
  const done = await result;
  return done.ok ? 'reserved' : done.refusal.limit.source;
};

/** Every request signature a plain server here received, to look for in the log. */
const signatures: string[] = [];

interface Seen { method: string; url: string; headers: IncomingHttpHeaders; body: string }

/** A plain HTTP server on loopback answering with `respond`, recording every request it gets. */
async function plainServer(respond: (seen: Seen, res: import('node:http').ServerResponse) => void | Promise<void>): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() };
      seen.push(request);
      if (typeof req.headers['x-ledger-signature'] === 'string') signatures.push(req.headers['x-ledger-signature']);
      void respond(request, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  open.push({ close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }) });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const reserveBody = () => ({ key: crypto.randomUUID(), holder: 'h', pid: 1, host: 'h', guildId: GUILD_B, userId: 'u1', command: 'ask', model: 'm', reservedMicros: 1, longRunning: false });

describe('requests: the coordinator takes only what was signed with the key, once, and on time', () => {
  test('a signed request is taken; the same request with its body changed is refused (401) and records nothing', async () => {
    const a = await coordinator();
    const genuine = signedRequest(a.url, SECRET, 'POST', '/v1/reserve', reserveBody());
    const tampered = JSON.stringify({ ...JSON.parse(genuine.init.body!) as object, reservedMicros: 0 });
    expect((await fetch(genuine.url, { ...genuine.init, body: tampered })).status).toBe(401);
    expect(a.reserved()).toBe(0);
    expect((await fetch(genuine.url, genuine.init)).status).toBe(200);
    expect(a.reserved()).toBe(1);
    expect(linesSaying('refused a ledger request without the right LEDGER_SECRET')).not.toEqual([]);
  });

  test('a request sent again as it was (a replay) is refused, and so is one signed for another path or query', async () => {
    const a = await coordinator();
    const first = signedRequest(a.url, SECRET, 'POST', '/v1/reserve', reserveBody());
    expect((await fetch(first.url, first.init)).status).toBe(200);
    const replayed = await fetch(first.url, first.init);
    expect([replayed.status, await replayed.json()]).toEqual([401, { error: 'unauthorized', reason: 'replayed' }]);
    expect(a.reserved()).toBe(1);
    const totals = signedRequest(a.url, SECRET, 'GET', '/v1/totals?user=u1');
    expect((await fetch(`${a.url}/v1/totals?user=u2`, totals.init)).status).toBe(401);
    expect(linesSaying('already taken (a replay)')).toHaveLength(1);
  });

  test.each([
    ['stale', -2 * CLOCK_SKEW_MS],
    ['from the future', 2 * CLOCK_SKEW_MS],
  ])('a request whose timestamp is %s (past CLOCK_SKEW_MS) is refused; a machine with such a clock refuses paid calls and is told why', async (_name, offset) => {
    const a = await coordinator();
    expect((await signedFetch(a.url, SECRET, 'POST', '/v1/reserve', reserveBody(), { timestamp: Date.now() + offset })).status).toBe(401);
    const b = machine(a.url, a.clock, { now: () => Date.now() + offset });
    expect(await refusedAs(b.ledger.reserveShared(payer(GUILD_B, 'u1'), call(1)))).toBe('coordinator-down');
    await expect(b.client.totals('u1')).rejects.toMatchObject({ status: 401, clock: true });
    expect(a.reserved()).toBe(0);
    expect(linesSaying('keep every machine\'s clock in sync (NTP)')).not.toEqual([]);
    // Within the window it is taken.
    expect((await signedFetch(a.url, SECRET, 'POST', '/v1/reserve', reserveBody(), { timestamp: Date.now() + offset / 4 })).status).toBe(200);
  });

  test('a request on time but no newer than nonces forgotten early is refused as overtaken, not as a clock out of sync', async () => {
    const a = await coordinator({ maxNonces: 2 });
    const clockLines = linesSaying('keep every machine\'s clock in sync (NTP)').length;
    const signedAt = Date.now();
    for (const ms of [1, 2, 3]) expect((await signedFetch(a.url, SECRET, 'POST', '/v1/reserve', reserveBody(), { timestamp: signedAt + ms })).status).toBe(200);
    // The first nonce was forgotten early (three requests, two remembered): a request signed before the second is refused.
    const late = await signedFetch(a.url, SECRET, 'POST', '/v1/reserve', reserveBody(), { timestamp: signedAt + 1 });
    expect([late.status, await late.json()]).toEqual([401, { error: 'unauthorized', reason: 'overtaken' }]);
    expect(a.reserved()).toBe(3);
    expect(linesSaying('no newer than requests already forgotten')).toHaveLength(1);
    expect(linesSaying('keep every machine\'s clock in sync (NTP)')).toHaveLength(clockLines);
    // The machine that sent such a request is told why in its own log, not a bare 'HTTP 401' (nor its clock blamed).
    const b = machine(a.url, a.clock, { now: () => signedAt + 1 });
    await expect(b.client.totals('u1')).rejects.toMatchObject({ status: 401, clock: false, message: expect.stringContaining('signed before requests it had already taken') });
  });

  test('bodies read before their signature is checked are bounded across connections; once the flood ends, machines are served again', async () => {
    const a = await coordinator();
    const port = Number(new URL(a.url).port);
    const almostMiB = Buffer.alloc(1024 * 1024 - 16, 0x20);
    // Seventeen strangers, each sending just under 1 MiB of a declared 1 MiB body and holding it: more than the server reads at once.
    const strangers = Array.from({ length: 17 }, () => {
      const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/v1/reserve', headers: { 'x-ledger-nonce': 'n'.repeat(32), 'x-ledger-timestamp': String(Date.now()), 'x-ledger-signature': 'forged', 'content-length': String(1024 * 1024) } });
      req.on('error', () => undefined);
      req.write(almostMiB);
      return req;
    });
    // One of them is refused before its whole body is held, and the refusal logged (once a minute at most).
    const deadline = Date.now() + 5_000;
    while (linesSaying('not yet verified were being read').length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    for (const req of strangers) req.destroy();
    expect(linesSaying('not yet verified were being read')).toHaveLength(1);
    // Every byte held is let go: a machine's signed request is taken again.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await signedFetch(a.url, SECRET, 'POST', '/v1/reserve', reserveBody())).status).toBe(200);
  });

  test('bodies past 1 MiB sent without the secret are refused 413, and logged once a minute at most, not once each', async () => {
    const a = await coordinator();
    const before = logged.length;
    const tooLarge = JSON.stringify({ filler: 'x'.repeat(1024 * 1024) });
    for (let n = 0; n < 3; n += 1) {
      const answer = await fetch(`${a.url}/v1/reserve`, { method: 'POST', headers: { 'x-ledger-nonce': 'n'.repeat(32), 'x-ledger-timestamp': String(Date.now()), 'x-ledger-signature': 'forged', 'content-type': 'application/json' }, body: tooLarge });
      expect(answer.status).toBe(413);
    }
    const refusals = logged.slice(before).filter((line) => line.includes('refused a ledger request'));
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toContain('passed 1 MiB before its signature could be checked');
  });

  test('the remembered nonces stay bounded, and a nonce forgotten early still cannot come back', () => {
    const clock = { now: 1_000_000 };
    const window = new NonceWindow(3, () => clock.now);
    expect(['a', 'b', 'c'].map((nonce, i) => window.accept(nonce.repeat(16), clock.now + i))).toEqual(['ok', 'ok', 'ok']);
    expect(window.accept('d'.repeat(16), clock.now + 3)).toBe('ok');
    expect(window.size).toBe(3);
    // 'a' was forgotten early: its request (and anything as old) is refused as overtaken, not taken again; its clock is fine.
    expect(window.accept('a'.repeat(16), clock.now)).toBe('overtaken');
    expect(window.accept('b'.repeat(16), clock.now + 1)).toBe('replayed');
    // Kept to the last millisecond its request could be taken: then forgotten, and its request is stale anyway.
    clock.now = 1_000_000 + 2 * CLOCK_SKEW_MS;
    expect(window.accept('d'.repeat(16), 1_000_000 + CLOCK_SKEW_MS)).toBe('replayed');
    clock.now += 1;
    expect(window.accept('e'.repeat(16), clock.now)).toBe('ok');
    expect(window.size).toBe(1);
    expect(window.accept('b'.repeat(16), 1_000_001)).toBe('stale');
  });
});

describe('answers: a machine acts only on what the coordinator signed for that request', () => {
  test('an impostor answering "granted" learns nothing of the secret, and the paid call is refused; logged once a minute at most', async () => {
    const impostor = await plainServer((_seen, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true }));
    });
    const clock = { now: START };
    const b = machine(impostor.url, clock);
    const before = linesSaying('did not sign').length;
    for (let n = 0; n < 3; n += 1) expect(await refusedAs(b.ledger.reserveShared(payer(GUILD_B, 'u1'), call(1)))).toBe('coordinator-down');
    // Three reservations, and the outbox sending their releases (which the impostor's answers leave in the outbox).
    expect(impostor.seen.filter((seen) => seen.url === '/v1/reserve')).toHaveLength(3);
    const sent = JSON.stringify(impostor.seen);
    expect(sent).not.toContain(SECRET);
    expect(impostor.seen.every((seen) => seen.headers.authorization === undefined)).toBe(true);
    expect(b.link.reachable).toBe(false);
    // Its settlements are kept for the real coordinator: the impostor's "ok" did not empty the outbox.
    b.link.enqueue({ op: 'lower', key: crypto.randomUUID(), micros: 1 });
    expect(await b.link.flush()).toBe(false);
    expect(b.link.pending).toBeGreaterThan(0);
    expect(linesSaying('did not sign').length - before).toBe(1);
  });

  test('an impostor streaming an endless answer is not read past MAX_ANSWER_BYTES: the call is refused', async () => {
    let written = 0;
    const impostor = await plainServer((_seen, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      // Up to 8x the cap, stopping when the machine hangs up.
      const pump = () => {
        while (written < 8 * MAX_ANSWER_BYTES && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    const b = machine(impostor.url, { now: START });
    const before = logged.length;
    expect(await refusedAs(b.ledger.reserveShared(payer(GUILD_B, 'u1'), call(1)))).toBe('coordinator-down');
    expect(written).toBeLessThan(8 * MAX_ANSWER_BYTES);
    // Logged as too large (it was never checked), not as a forged signature.
    expect(logged.slice(before).filter((line) => line.includes('did not sign')).map((line) => JSON.parse(line).why)).toEqual(['too-large']);
  });

  test('an old answer ("granted") handed back to a new request is not taken', async () => {
    const a = await coordinator();
    let kept: { status: number; headers: Record<string, string>; body: string } | undefined;
    // Forwards the first request to the coordinator and keeps its answer; answers every later one with that answer.
    const middle = await plainServer(async (seen, res) => {
      if (!kept) {
        const headers = Object.fromEntries(Object.entries(seen.headers).filter(([name]) => name.startsWith('x-ledger-') || name === 'content-type')) as Record<string, string>;
        const answer = await fetch(`${a.url}${seen.url}`, { method: seen.method, headers, body: seen.body || undefined });
        kept = { status: answer.status, headers: Object.fromEntries([...answer.headers].filter(([name]) => name.startsWith('x-ledger-') || name === 'content-type')), body: await answer.text() };
      }
      res.writeHead(kept.status, kept.headers);
      res.end(kept.body);
    });
    const b = machine(middle.url, a.clock);
    expect(await refusedAs(b.ledger.reserveShared(payer(GUILD_B, 'u1'), call(1)))).toBe('reserved');
    expect(kept?.body).toBe('{"ok":true}');
    expect(await refusedAs(b.ledger.reserveShared(payer(GUILD_B, 'u1'), call(1)))).toBe('coordinator-down');
    expect(a.reserved()).toBe(1);
  });

  test('an error answer not signed by the coordinator (a forged 400) drops nothing from the outbox', async () => {
    const forger = await plainServer((_seen, res) => {
      res.writeHead(400, { 'content-type': 'application/json', 'x-ledger-protocol': 'ledger-hmac-v2', 'x-ledger-signature': 'A'.repeat(43) });
      res.end('{"error":"bad request"}');
    });
    const b = machine(forger.url, { now: START });
    b.link.enqueue({ op: 'lower', key: crypto.randomUUID(), micros: 1 });
    expect(await b.link.flush()).toBe(false);
    expect(b.link.pending).toBe(1);
  });
});

describe('mixed releases fail closed and say to upgrade', () => {
  test('a machine of an older release (Bearer LEDGER_SECRET) is refused by this coordinator, which says to upgrade', async () => {
    const a = await coordinator();
    const response = await fetch(`${a.url}/v1/reserve`, { method: 'POST', headers: { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' }, body: JSON.stringify(reserveBody()) });
    expect(response.status).toBe(401);
    expect(a.reserved()).toBe(0);
    expect(linesSaying('a machine of an older release')).toHaveLength(1);
    expect(linesSaying('Upgrade every machine to the same release')).toHaveLength(1);
  });

  test('a coordinator of an older release (it wants Bearer, answers unsigned 401) never gets the secret; this machine refuses paid calls and says to upgrade', async () => {
    const old = await plainServer((seen, res) => {
      const ok = seen.headers.authorization === `Bearer ${SECRET}`;
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end(JSON.stringify(ok ? { ok: true } : { error: 'unauthorized' }));
    });
    const b = machine(old.url, { now: START });
    expect(await refusedAs(b.ledger.reserveShared(payer(GUILD_B, 'u1'), call(1)))).toBe('coordinator-down');
    expect(JSON.stringify(old.seen)).not.toContain(SECRET);
    await expect(b.client.totals('u1')).rejects.toMatchObject({ name: 'UnsignedAnswerError', why: 'unsigned', status: 401 });
    expect(linesSaying('runs an older release (it does not sign its answers): upgrade every machine')).not.toEqual([]);
  });
});

test('neither the secret, nor the derived key, nor a signature is in any log line', () => {
  expect(logged.length).toBeGreaterThan(10);
  const text = logged.join('');
  const key = Buffer.from(hkdfSync('sha256', SECRET, '', LINK_KEY_INFO, 32));
  for (const secret of [SECRET, key.toString('hex'), key.toString('base64'), key.toString('base64url')]) expect(text).not.toContain(secret);
  expect(signatures.length).toBeGreaterThan(5);
  for (const signature of signatures) expect(text).not.toContain(signature);
});
