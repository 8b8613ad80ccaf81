import { describe, expect, test } from 'vitest';
import { exerciseDiscordRest } from '../src/warmDiscordRest.ts';

describe('the REST warm-up after start', () => {
  test('runs the acknowledgement path 120 times on new and reused connections, and resolves only once its server and connections are closed', async () => {
    const { calls, connections } = await exerciseDiscordRest();
    expect(calls).toBe(120);
    // Every other round the server closes its connections, so undici opens new ones (the connect path) and reuses others.
    expect(connections).toBeGreaterThanOrEqual(60);
    expect(connections).toBeLessThan(calls);
  });
});
