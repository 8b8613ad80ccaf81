import type OpenAI from 'openai';
import type { ChatMessage } from '../history.ts';
import { classifyError, type ModelFailure } from './failures.ts';

export interface ChatUsage {
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
}

export type ChatOutcome =
  | { ok: true; text: string; usage: ChatUsage | undefined; finishReason: string }
  | { ok: false; failure: ModelFailure; partialText: string; usage: ChatUsage | undefined };

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  maxOutputTokens: number;
}

export interface ChatOptions {
  /** OpenAI wants max_completion_tokens (reasoning models reject max_tokens); compatible servers know max_tokens. */
  useMaxCompletionTokens: boolean;
  /** Longest silence allowed while waiting for the next piece of a streamed answer. */
  idleTimeoutMs: number;
}

/** Streams one chat completion; every failure comes back as a value, never a throw. */
export class ChatService {
  constructor(private readonly client: OpenAI, private readonly options: ChatOptions) {}

  async stream(request: ChatRequest, onText: (text: string) => void): Promise<ChatOutcome> {
    const controller = new AbortController();
    let timedOut = false;
    let idle: NodeJS.Timeout | undefined;
    const armIdleTimer = () => {
      clearTimeout(idle);
      idle = setTimeout(() => { timedOut = true; controller.abort(); }, this.options.idleTimeoutMs);
    };
    let text = '';
    let refusal = '';
    let finishReason: string | null = null;
    let usage: ChatUsage | undefined;
    try {
      const limit = this.options.useMaxCompletionTokens ? { max_completion_tokens: request.maxOutputTokens } : { max_tokens: request.maxOutputTokens };
      const stream = await this.client.chat.completions.create(
        { model: request.model, messages: request.messages, stream: true, stream_options: { include_usage: true }, ...limit },
        { signal: controller.signal },
      );
      // Until the response starts, the SDK's own timeout and retries (honouring retry-after) govern.
      armIdleTimer();
      for await (const chunk of stream) {
        armIdleTimer();
        if (chunk.usage) {
          usage = {
            promptTokens: chunk.usage.prompt_tokens,
            completionTokens: chunk.usage.completion_tokens,
            cachedTokens: chunk.usage.prompt_tokens_details?.cached_tokens ?? 0,
          };
        }
        const choice = chunk.choices[0];
        if (!choice) continue;
        if (choice.delta?.refusal) refusal += choice.delta.refusal;
        if (choice.delta?.content) {
          text += choice.delta.content;
          onText(text);
        }
        if (choice.finish_reason) finishReason = choice.finish_reason;
      }
    } catch (error) {
      const failure = classifyError(error, timedOut);
      // Text already shown and then a dropped connection: say it was cut off, keep what was shown.
      const cut = text.length > 0 && (failure.kind === 'network' || failure.kind === 'server_error');
      return { ok: false, failure: cut ? { kind: 'cut_off' } : failure, partialText: text, usage };
    } finally {
      clearTimeout(idle);
    }
    // The SDK ends an aborted stream quietly instead of throwing: our idle timer did that.
    if (timedOut) return { ok: false, failure: { kind: 'timeout' }, partialText: text, usage };
    if (refusal || finishReason === 'content_filter') {
      return { ok: false, failure: { kind: 'refused', message: refusal || undefined }, partialText: text, usage };
    }
    if (finishReason === null) return { ok: false, failure: { kind: 'cut_off' }, partialText: text, usage };
    return { ok: true, text, usage, finishReason };
  }
}
