import type OpenAI from 'openai';
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';
import { Stream } from 'openai/streaming';

/**
 * A server that ignores `stream: true` sends the whole completion as one JSON body. The SDK's SSE reader finds no event
 * in it, so the answer (made, and billed with the usage it carries) would read as an empty stream: shown as a failure
 * and charged without its output. Read instead as the one chunk it amounts to.
 */
export function isJsonAnswer(response: Response): boolean {
  const type = response.headers.get('content-type') ?? '';
  return type.includes('json') && !type.includes('event-stream');
}

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

/** `body` (the response's bytes, as watched) read as a JSON completion: one chunk, or none when it holds no choices. */
export function jsonAnswerStream(body: Response, controller: AbortController, client: OpenAI): Stream<ChatCompletionChunk> {
  return new Stream<ChatCompletionChunk>(async function* () {
    const completion = await body.json().catch(() => undefined) as ChatCompletion | undefined;
    if (completion && Array.isArray(completion.choices)) yield asChunk(completion);
  }, controller, client);
}
