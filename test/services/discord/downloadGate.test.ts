import { describe, expect, test, vi } from 'vitest';
import { DownloadGate, HeldRooms, type DownloadRoom } from '../../../src/services/discord/downloadGate.ts';

/** A gate whose waits and refusals are counted. */
function countedGate(budget: number, maxWaitMs = 60_000): { gate: DownloadGate; waited: () => number; refused: () => number } {
  const gate = new DownloadGate(budget, maxWaitMs);
  let waited = 0;
  let refused = 0;
  gate.onWaited = () => void waited++;
  gate.onRefused = () => void refused++;
  return { gate, waited: () => waited, refused: () => refused };
}

/** Lets settled promises' callbacks run. */
const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('DownloadGate', () => {
  test('room is given at once while it fits, and given back once however often release is called', async () => {
    const { gate, waited } = countedGate(100);
    const a = (await gate.take(60, 1000))!;
    const b = (await gate.take(40, 1000))!;
    expect([a.bytes, b.bytes, gate.inFlight, waited()]).toEqual([60, 40, 100, 0]);
    a.release();
    a.release();
    expect(gate.inFlight).toBe(40);
    b.release();
    expect(gate.inFlight).toBe(0);
  });

  test('first come, first served: a small file behind a large waiter waits its turn, then both go in order', async () => {
    const { gate, waited } = countedGate(100);
    const first = (await gate.take(60, 1000))!;
    const order: string[] = [];
    const large = gate.take(80, 5000).then((room) => { order.push('large'); return room; });
    const small = gate.take(10, 5000).then((room) => { order.push('small'); return room; });
    await flush();
    // 10 bytes would fit beside the 60, but the 80-byte file came first: nobody passes it.
    expect(order).toEqual([]);
    expect([gate.inFlight, gate.waiting, waited()]).toEqual([60, 2, 2]);
    first.release();
    const rooms = await Promise.all([large, small]);
    expect(order).toEqual(['large', 'small']);
    expect(gate.inFlight).toBe(90);
    for (const room of rooms) room!.release();
    expect([gate.inFlight, gate.waiting]).toEqual([0, 0]);
  });

  test('no room within the wait: refused, nothing held, and the line behind it moves up', async () => {
    vi.useFakeTimers();
    try {
      const { gate, refused } = countedGate(100);
      const held = (await gate.take(60, 0))!;
      const large = gate.take(80, 100);
      const small = gate.take(10, 10_000);
      await vi.advanceTimersByTimeAsync(100);
      expect(await large).toBeUndefined();
      expect(refused()).toBe(1);
      // With the large file gone from the head of the line, the small one fits beside the 60 held.
      const room = (await small)!;
      expect([room.bytes, gate.inFlight, gate.waiting]).toEqual([10, 70, 0]);
      room.release();
      held.release();
      expect(gate.inFlight).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  test('a wait of 0 takes free room or is refused at once, without joining the line', async () => {
    const { gate, waited, refused } = countedGate(100);
    const held = (await gate.take(90, 0))!;
    expect(await gate.take(20, 0)).toBeUndefined();
    expect([gate.waiting, waited(), refused(), gate.inFlight]).toEqual([0, 0, 1, 90]);
    held.release();
  });

  test('no file waits longer than the gate allows, whatever its caller offers', async () => {
    vi.useFakeTimers();
    try {
      const { gate } = countedGate(100, 50);
      const held = (await gate.take(100, 0))!;
      const waiting = gate.take(1, 15 * 60_000);
      await vi.advanceTimersByTimeAsync(50);
      expect(await waiting).toBeUndefined();
      held.release();
    } finally {
      vi.useRealTimers();
    }
  });

  test('a file larger than the whole budget runs alone: it waits for the others to finish, then takes all the room', async () => {
    const { gate } = countedGate(100);
    const small = (await gate.take(30, 0))!;
    let huge: DownloadRoom | undefined;
    const pending = gate.take(500, 5000).then((room) => (huge = room));
    await flush();
    expect(huge).toBeUndefined();
    small.release();
    await pending;
    expect([huge!.bytes, gate.inFlight]).toEqual([100, 100]);
    // Nothing else gets in beside it.
    expect(await gate.take(1, 0)).toBeUndefined();
    huge!.release();
    expect(gate.inFlight).toBe(0);
  });
});

describe('HeldRooms', () => {
  test('gives every room back once, together', async () => {
    const gate = new DownloadGate(100);
    const held = new HeldRooms();
    for (const bytes of [10, 20, 30]) held.add((await gate.take(bytes, 0))!.release);
    expect(gate.inFlight).toBe(60);
    held.releaseAll();
    held.releaseAll();
    expect(gate.inFlight).toBe(0);
  });
});
