import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { REST, Routes } from 'discord.js';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import { createOpenAIClient } from './services/openai/client.ts';

/** Stands in for an interaction's id and token, an application and a model; nothing leaves this machine. */
const NOBODY = '0';
const WARM_UP_MODEL = 'warm-up';
/** A streamed answer of this many pieces: enough for the SDK's stream parser to be compiled. */
const PIECES = 8;
/** Requests of each kind at once, as in a burst (new connections included), per round. */
const AT_ONCE = 3;

const piece = (delta: object, usage?: object) => `data: ${JSON.stringify({
  id: 'chatcmpl-warm-up', object: 'chat.completion.chunk', created: 0, model: WARM_UP_MODEL,
  choices: usage ? [] : [{ index: 0, delta, finish_reason: null }], ...(usage ? { usage } : {}),
})}\n\n`;

/** Answers like Discord (a deferral, an edit) and OpenAI (a streamed completion) would; only this process calls it. */
function respond(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  req.once('end', () => {
    if (req.url?.includes('/callback')) return void res.writeHead(204).end();
    if (req.url?.includes('/webhooks/')) return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: NOBODY, content: '' }));
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (let n = 0; n < PIECES; n++) res.write(piece(n === 0 ? { role: 'assistant', content: '' } : { content: `${n} ` }));
    res.end(`${piece({}, { prompt_tokens: 1, completion_tokens: PIECES, total_tokens: PIECES + 1 })}data: [DONE]\n\n`);
  });
}

/**
 * The HTTP clients of the reply path, exercised against a responder on loopback that lives for the warm-up
 * only: discord.js's REST (its queue, undici and undici's HTTP parser, in WebAssembly) with a deferral and an
 * edit, and the OpenAI SDK (Node's fetch, the event-stream parser) with a streamed completion. Without this
 * the first burst of questions compiled them while its deferrals waited.
 */
export async function warmUpRequests(config: Config, logger: Logger, rounds: number): Promise<void> {
  const server = createServer(respond);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const rest = new REST({ api: `${origin}/api`, version: '10' });
    const openai = createOpenAIClient({ ...config, openaiBaseUrl: `${origin}/v1`, openaiApiKey: 'warm-up', openaiMaxRetries: 0 }, logger);
    const stream = async () => {
      const answer = await openai.chat.completions.create({ model: WARM_UP_MODEL, messages: [{ role: 'user', content: NOBODY }], stream: true, stream_options: { include_usage: true } });
      for await (const chunk of answer) void chunk;
    };
    for (let round = 0; round < rounds; round++) {
      const calls = Array.from({ length: AT_ONCE }, () => [
        rest.post(Routes.interactionCallback(NOBODY, NOBODY), { body: { type: 5 }, auth: false }),
        rest.patch(Routes.webhookMessage(NOBODY, NOBODY), { body: { content: NOBODY }, auth: false }),
        stream(),
      ]).flat();
      await Promise.all(calls);
    }
  } finally {
    server.closeAllConnections();
    server.close();
  }
}
