import { EventEmitter } from 'node:events';
import { GatewayDispatchEvents, type Client } from 'discord.js';
import { describe, expect, test } from 'vitest';
import { MessageAuthors } from '../../../src/services/discord/messageAuthors.ts';

/** A client whose gateway manager emits dispatches, as discord.js's WebSocketManager does before handling each one. */
function clientWithGateway(): { client: Client; dispatch: (data: object) => void } {
  const ws = new EventEmitter();
  return { client: { ws } as unknown as Client, dispatch: (data) => ws.emit(GatewayDispatchEvents.MessageCreate, data, 0) };
}

describe('MessageAuthors', () => {
  test('hands out each server message\'s author once, roles and nickname as sent; a message without a member has none', () => {
    const { client, dispatch } = clientWithGateway();
    const authors = new MessageAuthors(client);
    dispatch({ id: '1', member: { roles: ['r1', 'r2'], nick: 'Nick' } });
    dispatch({ id: '2' });
    expect(authors.take('1')).toEqual({ roles: ['r1', 'r2'], nick: 'Nick' });
    expect(authors.take('1')).toBeUndefined();
    expect(authors.take('2')).toBeUndefined();
  });

  test('messages discord.js never delivered are forgotten oldest first, so memory stays bounded', () => {
    const { client, dispatch } = clientWithGateway();
    const authors = new MessageAuthors(client);
    for (let n = 0; n < 1_500; n++) dispatch({ id: String(n), member: { roles: [] } });
    expect(authors.take('0')).toBeUndefined();
    expect(authors.take('499')).toBeUndefined();
    expect(authors.take('500')).toEqual({ roles: [], nick: undefined });
    expect(authors.take('1499')).toEqual({ roles: [], nick: undefined });
  });
});
