import { describe, expect, test } from 'vitest';
import { exerciseDiscordRest } from '../src/warmDiscordRest.ts';

const servers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'TCPServerWrap').length;
const sockets = () => process.getActiveResourcesInfo().filter((kind) => kind === 'TCPSocketWrap').length;

describe('the REST warm-up after start', () => {
  test('runs the acknowledgement path against its own loopback server and leaves no server or connection behind', async () => {
    const before = { servers: servers(), sockets: sockets() };
    await exerciseDiscordRest();
    // Closed connections are released on the next turns of the event loop.
    for (let turn = 0; turn < 20 && sockets() > before.sockets; turn++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(servers()).toBe(before.servers);
    expect(sockets()).toBe(before.sockets);
  });
});
