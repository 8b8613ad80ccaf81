import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { REST, Routes, makeURLSearchParams } from 'discord.js';
import { rollingGlobalLimit } from './services/discord/globalLimit.ts';

/** Acknowledgements sent at once per round, each on a connection of its own, as in a burst of members. */
const AT_ONCE = 20;
/** Rounds: enough calls for V8 to optimise the REST path (about a hundred of each step). */
const ROUNDS = 6;
/** Made-up ids; the server below is the only one that ever sees them. */
const NOBODY = '0';
const NO_TOKEN = 'warm-up';

/** Answers like Discord's interaction callback (204, nothing to read) and closes the connection every other round, so new connections are made again. */
function answer(closeConnections: () => boolean) {
  return (request: IncomingMessage, response: ServerResponse) => {
    request.resume();
    request.once('end', () => {
      response.writeHead(204, closeConnections() ? { connection: 'close' } : {});
      response.end();
    });
  };
}

/** What the exercise did. */
export interface RestExercise {
  /** Acknowledgements sent and answered. */
  calls: number;
  /** Connections undici opened for them (each one compiles the connect path too). */
  connections: number;
}

/**
 * After READY, runs what a burst of /ask runs before each member sees "thinking…": discord.js's REST queue, undici
 * opening connections, writing the request and reading the answer. Against a throwaway HTTP server on loopback,
 * with a REST client of its own: nothing reaches Discord and the bot's own client keeps no trace. Without it, the
 * first burst after start pays for compiling all of that while members wait for their acknowledgement.
 * Resolves once the server and every connection to it are closed.
 */
export async function exerciseDiscordRest(): Promise<RestExercise> {
  let round = 0;
  let calls = 0;
  let connections = 0;
  const server = createServer(answer(() => round % 2 === 1));
  server.on('connection', () => { connections++; });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const rest = new REST({ api: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, makeRequest: rollingGlobalLimit(), retries: 0 });
  try {
    for (; round < ROUNDS; round++) {
      await Promise.all(Array.from({ length: AT_ONCE }, async () => {
        await rest.post(Routes.interactionCallback(NOBODY, NO_TOKEN), { body: { type: 5 }, auth: false, query: makeURLSearchParams({ with_response: false }) });
        calls++;
      }));
      await nextTurn();
    }
  } finally {
    rest.clearHashSweeper();
    rest.clearHandlerSweeper();
    const closed = new Promise((resolve) => server.close(resolve));
    server.closeAllConnections();
    await closed;
  }
  return { calls, connections };
}
