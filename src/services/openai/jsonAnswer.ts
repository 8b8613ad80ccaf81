import { APIError, type default as OpenAI } from 'openai';
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';
import { Stream } from 'openai/streaming';

/**
 * A server that ignores `stream: true` sends the whole completion as one JSON body (whatever its content-type says).
 * The SDK's SSE reader finds no event in it, so the answer (made, and billed with the usage it carries) would read as
 * an empty stream: shown as a failure and charged without its output. The body's first byte tells: an SSE stream
 * starts with a field or a comment, a JSON completion with `{`.
 */
const JSON_START = 0x7b;
const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** The completion's choices as deltas, each with a finish_reason (a whole body is a complete answer), and its usage. */
function asChunk(completion: ChatCompletion): ChatCompletionChunk {
  return {
    id: completion.id, object: 'chat.completion.chunk', created: completion.created, model: completion.model,
    choices: completion.choices.map((choice) => ({
      index: choice.index,
      // Same field names in a message and a delta: content, refusal, and compatible servers' reasoning_content / reasoning.
      delta: choice.message as ChatCompletionChunk.Choice.Delta,
      finish_reason: choice.finish_reason ?? 'stop',
      logprobs: null,
    })),
    usage: completion.usage ?? null,
  };
}

/**
 * The body read on demand (a pull source costs a third of a TransformStream pipe per chunk), each chunk shown to
 * `seen` as it passes; `firstByte` reads ahead to the first byte that is not whitespace and keeps what it read for the
 * stream. One layer for both, since every streamed answer passes through it.
 */
class PeekedBody {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #ahead: Uint8Array[] = [];
  readonly stream: ReadableStream<Uint8Array>;

  constructor(body: ReadableStream<Uint8Array>, private readonly seen: (bytes: Uint8Array) => void) {
    this.#reader = body.getReader();
    this.stream = new ReadableStream<Uint8Array>({
      pull: async (out) => {
        const next = this.#ahead.shift() ?? await this.#read();
        if (next) out.enqueue(next);
        else out.close();
      },
      cancel: (reason) => this.#reader.cancel(reason),
    }, { highWaterMark: 0 });
  }

  async #read(): Promise<Uint8Array | undefined> {
    const { done, value } = await this.#reader.read();
    if (done) return undefined;
    this.seen(value);
    return value;
  }

  async firstByte(): Promise<number | undefined> {
    for (;;) {
      const chunk = await this.#read();
      if (!chunk) return undefined;
      this.#ahead.push(chunk);
      const first = chunk.find((byte) => !WHITESPACE.has(byte));
      if (first !== undefined) return first;
    }
  }
}

/**
 * The SSE stream's chunks, an event named `error` thrown as the error it carries. The SDK reads only a `data` holding an
 * `error` field as one: a proxy's `event: error` whose data is the error itself (as OpenAI's Responses stream sends
 * them) would pass as a chunk without choices, and the stream's end then as a cut one, charged.
 */
async function* namedErrors(response: Response, controller: AbortController, client: OpenAI): AsyncGenerator<ChatCompletionChunk> {
  for await (const { event, data } of Stream.fromSSEResponse<{ event: string | null; data: unknown }>(response, controller, client, true)) {
    if (event === 'error') throw new APIError(undefined, data as object, undefined, response.headers);
    yield data as ChatCompletionChunk;
  }
}

/**
 * A streamed chat answer's chunks: read as SSE, or as the one chunk a JSON completion amounts to (none when it holds no
 * choices, its error thrown when it is one). `seen` hears every chunk of bytes as it arrives.
 */
export function answerChunks(response: Response, controller: AbortController, client: OpenAI, seen: (bytes: Uint8Array) => void): Stream<ChatCompletionChunk> {
  return new Stream<ChatCompletionChunk>(async function* () {
    if (!response.body) return yield* Stream.fromSSEResponse<ChatCompletionChunk>(response, controller, client);
    const body = new PeekedBody(response.body, seen);
    let first: number | undefined;
    try {
      first = await body.firstByte();
    } catch (error) {
      // Ended by our own timer or a stop: quietly, as the SDK's SSE reader ends an aborted stream.
      if (controller.signal.aborted) return;
      throw error;
    }
    const rebuilt = new Response(body.stream, response);
    if (first !== JSON_START) return yield* namedErrors(rebuilt, controller, client);
    const completion = await rebuilt.json().catch(() => undefined) as (ChatCompletion & { error?: unknown }) | undefined;
    if (completion && Array.isArray(completion.choices)) yield asChunk(completion);
    // An error as the whole body, labelled as a stream or not at all (a proxy): the error it is, as if sent as an event.
    else if (completion?.error) throw new APIError(undefined, completion.error as object, undefined, response.headers);
  }, controller, client);
}
