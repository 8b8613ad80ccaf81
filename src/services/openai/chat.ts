import type OpenAI from 'openai';
import type { ChatRequestMessage } from '../history.ts';
import { classifyError, type ModelFailure } from './failures.ts';
import { ReasoningModels, type ReasoningEffort } from '../reasoning/models.ts';
import { outputFields, THINKING_SILENCE_MS } from '../reasoning/request.ts';
import { OPENS_THINK_IN_TEMPLATE, ThinkSplitter } from '../reasoning/thinkTags.ts';
import { outputTokens } from '../reasoning/usage.ts';

/** The delta fields compatible servers stream a model's thinking in: vLLM and DeepSeek `reasoning_content`, Ollama and vLLM ≥ 0.10 `reasoning`. */
type ReasoningDelta = { reasoning_content?: unknown; reasoning?: unknown };

/** Usage as a server reported it, or undefined when it left the counts out (some send `usage: {}` or nulls). */
function readUsage(usage: OpenAI.CompletionUsage | null | undefined): ChatUsage | undefined {
  if (!usage || !Number.isFinite(usage.prompt_tokens) || !Number.isFinite(usage.completion_tokens)) return undefined;
  const cached = usage.prompt_tokens_details?.cached_tokens;
  const { completionTokens, reasoningTokens } = outputTokens(usage);
  return { promptTokens: usage.prompt_tokens, completionTokens, cachedTokens: Number.isFinite(cached) ? (cached as number) : 0, ...(reasoningTokens > 0 ? { reasoningTokens } : {}) };
}

export interface ChatUsage {
  promptTokens: number;
  /** Every output token billed: the answer and the model's reasoning. */
  completionTokens: number;
  /** The part of completionTokens spent reasoning (o-series, gpt-5), when the service says. */
  reasoningTokens?: number;
  cachedTokens: number;
}

export type ChatOutcome =
  /**
   * `finishReason` is 'stop' when a stream ended cleanly without one (some compatible servers never send it).
   * `reasoning`: thinking text a server streamed beside the answer (vLLM, DeepSeek, Ollama); never part of `text`.
   */
  | { ok: true; text: string; usage: ChatUsage | undefined; finishReason: string; reasoning?: string }
  /** `hiddenThinking`: a reasoning model's stream was open, so it may have thought (and billed) without sending a word. */
  | { ok: false; failure: ModelFailure; partialText: string; usage: ChatUsage | undefined; reasoning?: string; hiddenThinking?: true };

export interface ChatRequest {
  model: string;
  messages: ChatRequestMessage[];
  maxOutputTokens: number;
  /** The channel's `/settings reasoning-effort`; sent (or its nearest value) only to models that take it. */
  reasoningEffort?: ReasoningEffort;
  /** Ends the call at once (the bot is stopping): what was billed so far is still reported, so it can be charged. */
  signal?: AbortSignal;
}

/** Called while the model thinks and no answer text has arrived yet (a `<think>` block, reasoning deltas). */
export type OnThinking = () => void;

export interface ChatOptions {
  /** OpenAI wants max_completion_tokens (reasoning models reject max_tokens); compatible servers know max_tokens. */
  useMaxCompletionTokens: boolean;
  /** Longest silence allowed while waiting for the next piece of a streamed answer. */
  idleTimeoutMs: number;
  /** Which models are reasoning models (request fields, silence while thinking); the built-in table when unset. */
  reasoning?: ReasoningModels;
}

/** Thinking from reasoning deltas and from `<think>` tags, as one text (absent when there was none). */
function joinedThinking(fromDeltas: string, fromTags: string): { reasoning?: string } {
  const all = [fromDeltas, fromTags].filter((part) => part.trim() !== '').join('\n\n').trim();
  return all ? { reasoning: all } : {};
}

/** Streams one chat completion; every failure comes back as a value, never a throw. */
export class ChatService {
  constructor(private readonly client: OpenAI, private readonly options: ChatOptions) {}

  async stream(request: ChatRequest, onText: (text: string) => void, onThinking?: OnThinking): Promise<ChatOutcome> {
    const controller = new AbortController();
    const reasoningModels = this.options.reasoning ?? new ReasoningModels();
    // A reasoning model sends nothing while it thinks: it may stay silent longer before its first text.
    const thinksSilently = reasoningModels.profile(request.model) !== undefined;
    // `<think>…</think>` written into the answer by local models is taken out as it streams.
    const answer = new ThinkSplitter(OPENS_THINK_IN_TEMPLATE.test(request.model));
    let timedOut = false;
    // Stopping: a reasoning model may think for minutes without a chunk, so the call is ended here, not at its next text.
    let cancelled = false;
    const cancel = () => { cancelled = true; controller.abort(); };
    if (request.signal?.aborted) cancel();
    else request.signal?.addEventListener('abort', cancel, { once: true });
    let idle: NodeJS.Timeout | undefined;
    const armIdleTimer = () => {
      clearTimeout(idle);
      const silence = thinksSilently && answer.text === '' ? Math.max(this.options.idleTimeoutMs, THINKING_SILENCE_MS) : this.options.idleTimeoutMs;
      idle = setTimeout(() => { timedOut = true; controller.abort(); }, silence);
    };
    let opened = false;
    let reasoning = '';
    let refusal = '';
    let finishReason: string | null = null;
    let usage: ChatUsage | undefined;
    try {
      const fields = outputFields(reasoningModels, request.model, request.maxOutputTokens, this.options.useMaxCompletionTokens, request.reasoningEffort);
      const stream = await this.client.chat.completions.create(
        { model: request.model, messages: request.messages, stream: true, stream_options: { include_usage: true }, ...fields },
        { signal: controller.signal, ...(thinksSilently ? { timeout: Math.max(this.client.timeout, THINKING_SILENCE_MS) } : {}) },
      );
      // Until the response starts, the SDK's own timeout and retries (honouring retry-after) govern.
      opened = thinksSilently;
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
        if (choice.delta?.content && answer.feed(choice.delta.content)) onText(answer.text);
        if (answer.text === '' && ((typeof thought === 'string' && thought !== '') || answer.thinking)) onThinking?.();
        if (choice.finish_reason) finishReason = choice.finish_reason;
      }
      if (answer.end()) onText(answer.text);
    } catch (error) {
      const failure = classifyError(error, timedOut, { endpoint: 'chat', model: request.model, secrets: [this.client.apiKey ?? ''] });
      // Text already shown and then the connection dropped: say it was cut off, keep what was shown.
      // An error event the server sent mid-stream keeps its own meaning (rate limit, server error…).
      const cut = cancelled || (answer.text.length > 0 && failure.kind === 'network');
      const hidden = opened ? { hiddenThinking: true as const } : {};
      return { ok: false, failure: cut ? { kind: 'cut_off' } : failure, partialText: answer.text, usage, ...joinedThinking(reasoning, answer.reasoning), ...hidden };
    } finally {
      clearTimeout(idle);
      request.signal?.removeEventListener('abort', cancel);
    }
    const text = answer.text;
    // The SDK ends an aborted stream quietly instead of throwing: our idle timer did that.
    const thought = joinedThinking(reasoning, answer.reasoning);
    if (cancelled) return { ok: false, failure: { kind: 'cut_off' }, partialText: text, usage, ...thought, ...(opened ? { hiddenThinking: true as const } : {}) };
    if (timedOut) return { ok: false, failure: { kind: 'timeout' }, partialText: text, usage, ...thought, ...(opened ? { hiddenThinking: true as const } : {}) };
    if (refusal || finishReason === 'content_filter') {
      // The filter acts on the output: a reasoning model has already thought (and billed) for it.
      return { ok: false, failure: { kind: 'refused', message: refusal || undefined }, partialText: text, usage, ...thought, ...(opened ? { hiddenThinking: true as const } : {}) };
    }
    // A dropped connection throws above; a stream that ended cleanly is complete, finish_reason or not.
    return { ok: true, text, usage, finishReason: finishReason ?? 'stop', ...thought };
  }
}
