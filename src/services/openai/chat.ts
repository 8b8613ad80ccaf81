import type OpenAI from 'openai';
import type { ChatRequestMessage } from '../history.ts';
import { classifyError, type ModelFailure } from './failures.ts';

/** The delta fields compatible servers stream a model's thinking in: vLLM and DeepSeek `reasoning_content`, Ollama and vLLM ≥ 0.10 `reasoning`. */
type ReasoningDelta = { reasoning_content?: unknown; reasoning?: unknown };

/** Usage as a server reported it, or undefined when it left the counts out (some send `usage: {}` or nulls). */
function readUsage(usage: OpenAI.CompletionUsage | null | undefined): ChatUsage | undefined {
  if (!usage || !Number.isFinite(usage.prompt_tokens) || !Number.isFinite(usage.completion_tokens)) return undefined;
  const cached = usage.prompt_tokens_details?.cached_tokens;
  return { promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens, cachedTokens: Number.isFinite(cached) ? (cached as number) : 0 };
}

export interface ChatUsage {
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
}

export type ChatOutcome =
  /**
   * `finishReason` is 'stop' when a stream ended cleanly without one (some compatible servers never send it).
   * `reasoning`: thinking text a server streamed beside the answer (vLLM, DeepSeek, Ollama); never part of `text`.
   */
  | { ok: true; text: string; usage: ChatUsage | undefined; finishReason: string; reasoning?: string }
  | { ok: false; failure: ModelFailure; partialText: string; usage: ChatUsage | undefined };

export interface ChatRequest {
  model: string;
  messages: ChatRequestMessage[];
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
    let reasoning = '';
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
        usage = readUsage(chunk.usage) ?? usage;
        // Compatible servers may send chunks without `choices` (usage-only, keep-alives) or deltas without a role.
        const choice = chunk.choices?.[0];
        if (!choice) continue;
        const thinking = choice.delta as ReasoningDelta | undefined;
        const thought = thinking?.reasoning_content ?? thinking?.reasoning;
        if (typeof thought === 'string') reasoning += thought;
        if (choice.delta?.refusal) refusal += choice.delta.refusal;
        if (choice.delta?.content) {
          text += choice.delta.content;
          onText(text);
        }
        if (choice.finish_reason) finishReason = choice.finish_reason;
      }
    } catch (error) {
      const failure = classifyError(error, timedOut, { endpoint: 'chat', model: request.model, secrets: [this.client.apiKey ?? ''] });
      // Text already shown and then the connection dropped: say it was cut off, keep what was shown.
      // An error event the server sent mid-stream keeps its own meaning (rate limit, server error…).
      const cut = text.length > 0 && failure.kind === 'network';
      return { ok: false, failure: cut ? { kind: 'cut_off' } : failure, partialText: text, usage };
    } finally {
      clearTimeout(idle);
    }
    // The SDK ends an aborted stream quietly instead of throwing: our idle timer did that.
    if (timedOut) return { ok: false, failure: { kind: 'timeout' }, partialText: text, usage };
    if (refusal || finishReason === 'content_filter') {
      return { ok: false, failure: { kind: 'refused', message: refusal || undefined }, partialText: text, usage };
    }
    // A dropped connection throws above; a stream that ended cleanly is complete, finish_reason or not.
    return { ok: true, text, usage, finishReason: finishReason ?? 'stop', ...(reasoning ? { reasoning } : {}) };
  }
}
