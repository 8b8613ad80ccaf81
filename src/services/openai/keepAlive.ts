import type OpenAI from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { Stream } from 'openai/streaming';

/**
 * Servers keep a silent stream open with SSE comments (`:` lines): llama.cpp's server pings every second while it
 * reads a long prompt or thinks (ggml-org/llama.cpp#24013, #25241), vLLM with `--sse-keep-alive-interval`. The SDK
 * drops comments unseen, so the response's bytes pass through here unchanged, and `onBytes` hears that the server
 * is still there.
 */
export function watchedChunks(response: Response, controller: AbortController, client: OpenAI, onBytes: () => void): Stream<ChatCompletionChunk> {
  return Stream.fromSSEResponse<ChatCompletionChunk>(new Response(response.body ? watched(response.body, onBytes) : null, response), controller, client);
}

/** The same bytes, read on demand (a pull source costs a third of a TransformStream pipe per chunk). Errors pass through as they were. */
function watched(body: ReadableStream<Uint8Array>, onBytes: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(out) {
      const { done, value } = await reader.read();
      if (done) return out.close();
      onBytes();
      out.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  }, { highWaterMark: 0 });
}
