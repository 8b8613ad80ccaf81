import { once } from 'node:events';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { afterPendingInput } from '../../../src/services/discord/inputFirst.ts';

// A loopback connection stands for the gateway: what one piece writes is input waiting when the next turn reads.
let server: ReturnType<typeof createServer>;
let sender: Socket;
let receiver: Socket;

beforeAll(async () => {
  server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  sender = connect((server.address() as AddressInfo).port, '127.0.0.1');
  [receiver] = (await once(server, 'connection')) as [Socket];
  await once(sender, 'connect');
});

afterAll(async () => {
  sender.destroy();
  receiver.destroy();
  server.close();
  await once(server, 'close');
});

test('work waiting after an acknowledgement runs one piece per event-loop turn, in order; input that arrived meanwhile is read between pieces', async () => {
  const order: string[] = [];
  receiver.on('data', (data: Buffer) => order.push(`read ${data.toString()}`));
  const piece = (name: string) => afterPendingInput().then(() => {
    order.push(name);
    sender.write(name);
  });
  await Promise.all([piece('first'), piece('second'), piece('third')]);
  await new Promise((resolve) => receiver.once('data', resolve));
  expect(order).toEqual(['first', 'read first', 'second', 'read second', 'third', 'read third']);
});
