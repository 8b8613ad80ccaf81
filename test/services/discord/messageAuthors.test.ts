import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { GatewayDispatchEvents, type Client } from 'discord.js';
import { describe, expect, test } from 'vitest';
import { MessageAuthors } from '../../../src/services/discord/messageAuthors.ts';

/** A client whose gateway manager emits dispatches, as discord.js's WebSocketManager does before handling each one. */
function clientWithGateway(): { client: Client; dispatch: (data: object) => void } {
  const ws = new EventEmitter();
  return { client: { ws } as unknown as Client, dispatch: (data) => ws.emit(GatewayDispatchEvents.MessageCreate, data, 0) };
}

const silent = pino({ level: 'silent' });

describe('MessageAuthors', () => {
  test('hands out each server message\'s author once, roles and nickname as sent; a message without a member has none', () => {
    const { client, dispatch } = clientWithGateway();
    const authors = new MessageAuthors(client, silent);
    dispatch({ id: '1', member: { roles: ['r1', 'r2'], nick: 'Nick' } });
    dispatch({ id: '2' });
    expect(authors.take('1')).toEqual({ roles: ['r1', 'r2'], nick: 'Nick' });
    expect(authors.take('1')).toBeUndefined();
    expect(authors.take('2')).toBeUndefined();
  });

  test('messages discord.js never delivered are forgotten oldest first, so memory stays bounded', () => {
    const { client, dispatch } = clientWithGateway();
    const authors = new MessageAuthors(client, silent);
    for (let n = 0; n < 1_500; n++) dispatch({ id: String(n), member: { roles: [] } });
    expect(authors.take('0')).toBeUndefined();
    expect(authors.take('499')).toBeUndefined();
    expect(authors.take('500')).toEqual({ roles: [], nick: undefined });
    expect(authors.take('1499')).toEqual({ roles: [], nick: undefined });
  });

  test('authors let go are warned about once per ten minutes, with the count since the last warning', () => {
    const lines: Record<string, unknown>[] = [];
    const log = pino({ level: 'warn' }, new Writable({ write: (chunk, _e, done) => { lines.push(JSON.parse(String(chunk)) as Record<string, unknown>); done(); } }));
    let now = 0;
    const authors = new MessageAuthors(clientWithGateway().client, log, () => now);
    for (let n = 0; n < 500; n++) authors.letGo();
    now = 9 * 60_000;
    authors.letGo();
    now = 10 * 60_000;
    authors.letGo();
    expect(lines.map((l) => l.messages)).toEqual([1, 501]);
  });
});
