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
  const watch = new TransformStream<Uint8Array, Uint8Array>({
    transform(bytes, out) {
      onBytes();
      out.enqueue(bytes);
    },
  });
  const body = response.body ? response.body.pipeThrough(watch) : null;
  return Stream.fromSSEResponse<ChatCompletionChunk>(new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers }), controller, client);
}
