import type OpenAI from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { Stream } from 'openai/streaming';
import { answerChunks } from './jsonAnswer.ts';

/**
 * Servers keep a silent stream open with SSE comments (`:` lines): llama.cpp's server pings every second while it
 * reads a long prompt or thinks (ggml-org/llama.cpp#24013, #25241), vLLM with `--sse-keep-alive-interval`. The SDK
 * drops comments unseen, so the response's bytes pass through here unchanged, and `watch` hears that the server is
 * still there, and whether the stream ended with `[DONE]` (which the SDK swallows too).
 */
export function watchedChunks(response: Response, controller: AbortController, client: OpenAI, watch: WatchedBytes): Stream<ChatCompletionChunk> {
  return answerChunks(response, controller, client, (bytes) => watch.seen(bytes));
}

/** How much of a stream's end is kept to see whether it closed with `data: [DONE]`. */
const TAIL_CHARS = 32;
const DONE_AT_END = /data: ?\[DONE\]\s*$/;

/** What the bytes of one stream said beyond its chunks: that the server is there, and how the stream ended. */
export class WatchedBytes {
  private tail = '';

  constructor(private readonly onBytes: () => void) {}

  seen(bytes: Uint8Array): void {
    this.onBytes();
    const end = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1', Math.max(0, bytes.byteLength - TAIL_CHARS));
    this.tail = (this.tail + end).slice(-TAIL_CHARS);
  }

  /** The stream closed with `data: [DONE]`, as OpenAI, vLLM, llama.cpp, LM Studio and Ollama end one that finished. */
  get endedWithDone(): boolean {
    return DONE_AT_END.test(this.tail);
  }
}
