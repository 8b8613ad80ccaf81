import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { ACKNOWLEDGE_FIRST_MAX_WAIT_MS, Acknowledgements } from '../../../src/services/discord/acknowledgeFirst.ts';

// setImmediate stays real: the look at the sockets before work goes on is event-loop turns, not time.
beforeEach(() => { vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }); });
afterEach(() => { vi.useRealTimers(); });

/** Event-loop turns that let a look at the sockets (two setImmediates) end. */
async function loopTurns(): Promise<void> {
  for (let i = 0; i < 3; i++) await nextTurn();
}

/** Whether the promise has resolved by now (after the microtasks queued so far and a look at the sockets). */
async function isDone(p: Promise<void>): Promise<boolean> {
  let done = false;
  void p.then(() => { done = true; });
  await vi.advanceTimersByTimeAsync(0);
  await loopTurns();
  return done;
}

describe('Acknowledgements', () => {
  test('nothing pending: the work goes on at once', async () => {
    expect(await isDone(new Acknowledgements().turn())).toBe(true);
  });

  test('waits until the last delivered interaction is settled, whichever order they settle in', async () => {
    const acks = new Acknowledgements();
    acks.arrived('a');
    acks.arrived('b');
    const turn = acks.turn();
    acks.settled('b');
    expect(await isDone(turn)).toBe(false);
    acks.settled('unknown');
    expect(await isDone(turn)).toBe(false);
    acks.settled('a');
    expect(await isDone(turn)).toBe(true);
    expect(acks.pending).toBe(0);
    // Only the arrivals' own caps are left: the work's cap was cleared when it went on.
    expect(vi.getTimerCount()).toBe(2);
  });

  test('interactions delivered after the work asked for its turn do not hold it (steady load never starves an answer)', async () => {
    const acks = new Acknowledgements();
    acks.arrived('a');
    acks.arrived('b');
    acks.settled('a');
    const turn = acks.turn();
    acks.arrived('c');
    acks.arrived('d');
    expect(await isDone(turn)).toBe(false);
    acks.settled('b');
    expect(await isDone(turn)).toBe(true);
    expect(acks.pending).toBe(2);
    // Work asking now waits for c and d, which were delivered before it asked.
    const next = acks.turn();
    acks.settled('d');
    expect(await isDone(next)).toBe(false);
    acks.settled('c');
    expect(await isDone(next)).toBe(true);
  });

  test('a look holds the work for what it found once, not look after look (steady load, one interaction at a time, holds no answer to the cap)', async () => {
    const acks = new Acknowledgements();
    let done = false;
    acks.arrived('s0');
    const turn = acks.turn().then(() => { done = true; });
    const acknowledged: string[] = [];
    // Each interaction is acknowledged, and the next one read from the gateway's socket while the work looks.
    for (let n = 0; n < 5 && !done; n++) {
      acks.settled(`s${n}`);
      acknowledged.push(`s${n}`);
      acks.arrived(`s${n + 1}`);
      await loopTurns();
    }
    // s1, read in the look after s0, holds the work; s2, read in the next look, no longer does.
    expect(acknowledged).toEqual(['s0', 's1']);
    expect(done).toBe(true);
    await turn;
    expect(acks.waiting).toBe(0);
  });

  test('waiters are woken in order as the oldest pending interactions settle', async () => {
    const acks = new Acknowledgements();
    acks.arrived('a');
    const first = acks.turn();
    acks.arrived('b');
    const second = acks.turn();
    acks.settled('a');
    expect(await isDone(first)).toBe(true);
    expect(await isDone(second)).toBe(false);
    expect(acks.waiting).toBe(1);
    acks.settled('b');
    expect(await isDone(second)).toBe(true);
    expect(acks.waiting).toBe(0);
  });

  test('the wait is capped at half of Discord\'s acknowledgement deadline', () => {
    expect(ACKNOWLEDGE_FIRST_MAX_WAIT_MS).toBe(1_500);
  });

  test('settling twice counts once', async () => {
    const acks = new Acknowledgements();
    acks.arrived('a');
    acks.arrived('b');
    acks.settled('a');
    acks.settled('a');
    expect(acks.pending).toBe(1);
    expect(await isDone(acks.turn())).toBe(false);
  });

  test('an interaction stuck before its acknowledgement holds others back only until ACKNOWLEDGE_FIRST_MAX_WAIT_MS after it arrived', async () => {
    const acks = new Acknowledgements();
    acks.arrived('stuck');
    await vi.advanceTimersByTimeAsync(200);
    acks.arrived('b');
    acks.settled('b');
    const turn = acks.turn();
    await vi.advanceTimersByTimeAsync(ACKNOWLEDGE_FIRST_MAX_WAIT_MS - 200 - 1);
    expect(await isDone(turn)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await isDone(turn)).toBe(true);
    expect(acks.pending).toBe(0);
    // Work that arrives after it is not held at all.
    expect(await isDone(acks.turn())).toBe(true);
  });

  test('an interaction that never settles holds the work back for ACKNOWLEDGE_FIRST_MAX_WAIT_MS at most', async () => {
    const acks = new Acknowledgements();
    acks.arrived('stuck');
    const turn = acks.turn();
    await vi.advanceTimersByTimeAsync(ACKNOWLEDGE_FIRST_MAX_WAIT_MS - 1);
    expect(await isDone(turn)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await isDone(turn)).toBe(true);
  });

  test('work whose wait ran out is not kept while others stay pending (steady load piles nothing up)', async () => {
    const acks = new Acknowledgements();
    acks.arrived('stuck');
    const turns = Array.from({ length: 3 }, () => acks.turn());
    expect(acks.waiting).toBe(3);
    await vi.advanceTimersByTimeAsync(200);
    acks.arrived('later');
    await vi.advanceTimersByTimeAsync(ACKNOWLEDGE_FIRST_MAX_WAIT_MS - 200);
    for (const turn of turns) expect(await isDone(turn)).toBe(true);
    expect(acks.waiting).toBe(0);
    expect(acks.pending).toBe(1);
  });
});

/** A loopback connection standing in for the gateway's: what `send` writes waits in the reader's socket until the event loop reads it. */
async function gatewaySocket(): Promise<{ reader: Socket; send: (frame: string) => void; close: () => void }> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const reader = connect((server.address() as AddressInfo).port, '127.0.0.1');
  const [writer] = (await once(server, 'connection')) as [Socket];
  return { reader, send: (frame) => writer.write(frame), close: () => { reader.destroy(); writer.destroy(); server.close(); } };
}

describe('Acknowledgements against a real socket (the event loop reads what waits in it)', () => {
  beforeEach(() => { vi.useRealTimers(); });

  test('an interaction already waiting in the gateway socket when the others are acknowledged holds the work too', async () => {
    const acks = new Acknowledgements();
    const gateway = await gatewaySocket();
    const order: string[] = [];
    gateway.reader.on('data', (frame) => {
      order.push(`${String(frame)} delivered`);
      acks.arrived(String(frame));
    });
    try {
      acks.arrived('a');
      const turn = acks.turn().then(() => { order.push('work'); });
      // b reaches the bot's socket while a is being acknowledged: the burst is not over.
      gateway.send('b');
      acks.settled('a');
      await once(gateway.reader, 'data');
      // Time for the look at the socket to end, whatever it decided.
      await loopTurns();
      order.push('b acknowledged');
      acks.settled('b');
      await turn;
      // The old rule let the work go as soon as a was acknowledged: ['work', 'b delivered', 'b acknowledged'].
      expect(order).toEqual(['b delivered', 'b acknowledged', 'work']);
    } finally {
      gateway.close();
    }
  });

  test('nothing new in the socket: the work goes on after one look, although an interaction delivered after it asked still waits', async () => {
    const acks = new Acknowledgements();
    acks.arrived('a');
    let done = false;
    const turn = acks.turn().then(() => { done = true; });
    acks.arrived('later');
    acks.settled('a');
    await loopTurns();
    expect(done).toBe(true);
    await turn;
    expect(acks.waiting).toBe(0);
    expect(acks.pending).toBe(1);
  });
});

describe('every command defers through deferFirst', () => {
  test('no file in src/ calls deferReply itself', () => {
    const src = join(import.meta.dirname, '../../../src');
    const offenders = readdirSync(src, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts') && !file.endsWith('acknowledgeFirst.ts'))
      .filter((file) => /\.deferReply\(/.test(readFileSync(join(src, file), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
