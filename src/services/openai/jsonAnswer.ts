import type OpenAI from 'openai';
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

/** The first bytes up to the first one that is not whitespace, and the body with them put back in front. */
async function peeked(body: ReadableStream<Uint8Array>): Promise<{ first: number | undefined; body: ReadableStream<Uint8Array> }> {
  const reader = body.getReader();
  const read: Uint8Array[] = [];
  let first: number | undefined;
  while (first === undefined) {
    const { done, value } = await reader.read();
    if (done) break;
    read.push(value);
    first = value.find((byte) => !WHITESPACE.has(byte));
  }
  const rest = new ReadableStream<Uint8Array>({
    async pull(out) {
      const next = read.shift();
      if (next) return out.enqueue(next);
      const { done, value } = await reader.read();
      if (done) out.close();
      else out.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  }, { highWaterMark: 0 });
  return { first, body: rest };
}

/** A streamed chat answer's chunks: read as SSE, or as the one chunk a JSON completion amounts to (none when it holds no choices). */
export function answerChunks(response: Response, controller: AbortController, client: OpenAI): Stream<ChatCompletionChunk> {
  return new Stream<ChatCompletionChunk>(async function* () {
    if (!response.body) return yield* Stream.fromSSEResponse<ChatCompletionChunk>(response, controller, client);
    let read: Awaited<ReturnType<typeof peeked>>;
    try {
      read = await peeked(response.body);
    } catch (error) {
      // Ended by our own timer or a stop: quietly, as the SDK's SSE reader ends an aborted stream.
      if (controller.signal.aborted) return;
      throw error;
    }
    const { first, body } = read;
    const rebuilt = new Response(body, response);
    if (first !== JSON_START) return yield* Stream.fromSSEResponse<ChatCompletionChunk>(rebuilt, controller, client);
    const completion = await rebuilt.json().catch(() => undefined) as ChatCompletion | undefined;
    if (completion && Array.isArray(completion.choices)) yield asChunk(completion);
  }, controller, client);
}
