import type OpenAI from 'openai';
import type { ChatRequestMessage } from '../history.ts';
import { contentParts } from './contentParts.ts';
import { clientSecrets } from './errorBodies.ts';
import { classifyError, type ModelFailure } from './failures.ts';
import { ReasoningModels, type ReasoningEffort } from '../reasoning/models.ts';
import { outputFields, THINKING_SILENCE_MS } from '../reasoning/request.ts';
import { OPENS_THINK_IN_TEMPLATE, ThinkSplitter } from '../reasoning/thinkTags.ts';
import { outputCounter } from '../tokens.ts';
import { openChatStream } from './chatAttempts.ts';
import { watchedChunks, WatchedBytes } from './keepAlive.ts';
import { OutputGuard } from './outputGuard.ts';
import { latestUsage, readUsage } from './streamUsage.ts';

/** The delta fields compatible servers stream a model's thinking in: vLLM and DeepSeek `reasoning_content`, Ollama and vLLM ≥ 0.10 `reasoning`. */
type ReasoningDelta = { reasoning_content?: unknown; reasoning?: unknown };

export interface ChatUsage {
  /** Undefined: the server reported output but no prompt (0 or none, as some proxies do); the caller's own count stands in. */
  promptTokens: number | undefined;
  /** Every output token billed: the answer and the model's reasoning. */
  completionTokens: number;
  /** The part of completionTokens spent reasoning (o-series, gpt-5), when the service says. */
  reasoningTokens?: number;
  cachedTokens: number;
  /** `total_tokens` as reported: more than prompt and output together means output the output count left out. */
  totalTokens?: number;
  /** Output that streamed after the last chunk carrying usage (a server that reported early): that count can't hold it. */
  unreportedOutput?: string;
}

export type ChatOutcome =
  /**
   * `finishReason` is 'stop' when a stream ended cleanly without one (some compatible servers never send it).
   * `reasoning`: thinking text a server streamed beside the answer (vLLM, DeepSeek, Ollama); never part of `text`.
   */
  | {
    ok: true; text: string; usage: ChatUsage | undefined; finishReason: string; reasoning?: string;
    /** The server went past the output limit it was sent and the stream was ended there ('length'). */
    overrun?: true;
  }
  /**
   * `hiddenThinking`: a reasoning model's request was read, so it may have thought (and billed) without sending a word.
   * `mayBeBilled`: the request reached the service and no answer said it was not read (a timeout, a dropped connection,
   * a stop): its prompt is billed even when no text came. An error the server sent (a status, an error event) has neither.
   */
  | {
    ok: false; failure: ModelFailure; partialText: string; usage: ChatUsage | undefined; reasoning?: string; hiddenThinking?: true; mayBeBilled?: true;
    /** Output that streamed before the failure but is neither `partialText` nor `reasoning` (a refusal cut short, text held back at a `<think>` tag): billed, never shown. */
    unshownOutput?: string;
    /**
     * The stream closed cleanly with neither a finish_reason nor [DONE] (or broke on an event that is not JSON): Ollama's way of
     * failing (free on a local model), or a paid server's stream cut after it read (and billed) the prompt. The bytes can't tell
     * which: PaidChat decides by the model's price.
     */
    unmarkedEnd?: true;
  };

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
  /**
   * Longest silence without a chunk while the server keeps sending keep-alive comments (a long prompt read by
   * llama.cpp on a CPU): THINKING_SILENCE_MS when unset. Without them, `idleTimeoutMs` applies.
   */
  keepAliveSilenceMs?: number;
}

/** Thinking from reasoning deltas and from `<think>` tags, as one text (absent when there was none). */
function joinedThinking(fromDeltas: string, fromTags: string): { reasoning?: string } {
  const all = [fromDeltas, fromTags].filter((part) => part.trim() !== '').join('\n\n').trim();
  return all ? { reasoning: all } : {};
}

/** What streamed but is not shown: a refusal the stream did not finish, and output the splitter still held back. */
function unshown(refusal: string, held: string): { unshownOutput?: string } {
  const output = `${refusal}${held}`;
  return output ? { unshownOutput: output } : {};
}

/** A failure that may have been billed (the request was out, no answer said it was not read) is marked so, to be charged. */
const billable = (mayBeBilled: boolean, hiddenThinking: boolean) => ({ ...(mayBeBilled ? { mayBeBilled: true as const } : {}), ...(hiddenThinking ? { hiddenThinking: true as const } : {}) });

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
    // A server that ignores the output limit is stopped at it: answer, reasoning and refusal all count.
    const guard = new OutputGuard(request.maxOutputTokens, outputCounter(request.model));
    let timedOut = false;
    // Stopping: a reasoning model may think for minutes without a chunk, so the call is ended here, not at its next text.
    let cancelled = false;
    const cancel = () => { cancelled = true; controller.abort(); };
    if (request.signal?.aborted) cancel();
    else request.signal?.addEventListener('abort', cancel, { once: true });
    let idle: NodeJS.Timeout | undefined;
    const silence = () => (thinksSilently && answer.text === '' ? Math.max(this.options.idleTimeoutMs, THINKING_SILENCE_MS) : this.options.idleTimeoutMs);
    const armIdleTimer = (ms = silence()) => {
      clearTimeout(idle);
      idle = setTimeout(() => { timedOut = true; controller.abort(); }, ms);
    };
    // Bytes that are no chunk (keep-alive comments) say the server is alive: they extend the wait, up to a limit.
    let lastChunkAt = Date.now();
    let ended = false;
    const keepAliveLimit = Math.max(this.options.keepAliveSilenceMs ?? THINKING_SILENCE_MS, this.options.idleTimeoutMs);
    const onBytes = () => {
      const left = lastChunkAt + Math.max(keepAliveLimit, silence()) - Date.now();
      if (!ended && left > 0) armIdleTimer(Math.min(silence(), left));
    };
    const watch = new WatchedBytes(onBytes);
    let reasoning = '';
    let refusal = '';
    let finishReason: string | null = null;
    let overrun = false;
    let usage: ChatUsage | undefined;
    // Output no usage chunk counted: what came after the last one (a usage sent mid-stream counts only what came before it
    // and its own chunk), or all of it when the usage says 0 output tokens (a proxy's zero: no text is 0 tokens).
    let unreported = '';
    /** The usage so far, with the output it can't have counted. */
    const reported = (): ChatUsage | undefined => (usage && unreported ? { ...usage, unreportedOutput: unreported } : usage);
    // A 400 about an image is the member's to mend only when this request carries one (see failures.ts).
    const withImages = request.messages.some((message) => Array.isArray(message.content) && message.content.some((part) => part.type === 'image_url'));
    const context = { endpoint: 'chat' as const, model: request.model, secrets: clientSecrets(this.client), withImages };
    try {
      const fields = outputFields(reasoningModels, request.model, request.maxOutputTokens, this.options.useMaxCompletionTokens, request.reasoningEffort);
      const body = { model: request.model, messages: request.messages, stream: true as const, stream_options: { include_usage: true }, ...fields };
      const timeout = thinksSilently ? { timeout: Math.max(this.client.timeout, THINKING_SILENCE_MS) } : {};
      // Until the response starts, the SDK's timeout governs each attempt; repeats are ours (chatAttempts.ts).
      const opened = await openChatStream(
        async (options) => watchedChunks(await this.client.chat.completions.create(body, { signal: controller.signal, ...timeout, ...options }).asResponse(), controller, this.client, watch),
        { maxRetries: this.client.maxRetries, signal: controller.signal, context },
      );
      if (!opened.ok) {
        const failure = cancelled ? { kind: 'cut_off' as const } : opened.mayBeBilled && opened.failure.kind === 'network' ? { kind: 'dropped' as const } : opened.failure;
        // A reasoning model may think before its headers: one that may have read the request may have thought too.
        return { ok: false, failure, partialText: '', usage: undefined, ...billable(opened.mayBeBilled, opened.mayBeBilled && thinksSilently) };
      }
      lastChunkAt = Date.now();
      armIdleTimer();
      for await (const chunk of opened.stream) {
        lastChunkAt = Date.now();
        armIdleTimer();
        const read = readUsage(chunk.usage);
        usage = latestUsage(usage, read);
        if (read?.completionTokens) unreported = '';
        // Compatible servers may send chunks without `choices` (usage-only, keep-alives) or deltas without a role.
        const choice = chunk.choices?.[0];
        if (!choice) continue;
        const thinking = choice.delta as ReasoningDelta | undefined;
        const field = thinking?.reasoning_content ?? thinking?.reasoning;
        const content = contentParts(choice.delta?.content);
        const thought = `${typeof field === 'string' ? field : ''}${content.thinking}`;
        reasoning += thought;
        if (choice.delta?.refusal) refusal += choice.delta.refusal;
        if (content.text && answer.feed(content.text)) onText(answer.text);
        if (answer.text === '' && (thought !== '' || answer.thinking)) onThinking?.();
        if (choice.finish_reason) finishReason = choice.finish_reason;
        const output = `${thought}${content.text}${choice.delta?.refusal ?? ''}`;
        if (!read?.completionTokens) unreported += output;
        // Past the allowance: ended as if the server had stopped at its length limit (leaving the loop closes the stream).
        if (guard.add(output)) {
          overrun = true;
          break;
        }
      }
      // Only a stream that ended by itself decides what the splitter still holds; one our idle timer or a stop
      // ended (quietly) may have been mid-thinking: that output is charged, never shown as the answer.
      if (!cancelled && !timedOut && answer.end()) onText(answer.text);
    } catch (error) {
      const failure = classifyError(error, timedOut, context);
      // The stream was open: the request was read. Anything but an error the server sent (a timeout, a lost connection, a stop) may have been billed.
      const billed = cancelled || failure.kind === 'timeout' || failure.kind === 'network';
      // Text already shown and then the connection dropped: say it was cut off, keep what was shown.
      // An error event the server sent mid-stream keeps its own meaning (rate limit, server error…).
      const cut = cancelled || (answer.text.length > 0 && failure.kind === 'network');
      const shown = cut ? { kind: 'cut_off' as const } : failure.kind === 'network' ? { kind: 'dropped' as const } : failure;
      // An event that is not JSON is no error the server sent: the stream broke after the request was read, like one cut short.
      const broken = error instanceof SyntaxError ? { unmarkedEnd: true as const } : {};
      return { ok: false, failure: shown, partialText: answer.text, usage: reported(), ...joinedThinking(reasoning, answer.reasoning), ...unshown(refusal, answer.held), ...billable(billed, billed && thinksSilently), ...broken };
    } finally {
      ended = true;
      clearTimeout(idle);
      request.signal?.removeEventListener('abort', cancel);
    }
    const text = answer.text;
    // The SDK ends an aborted stream quietly instead of throwing: our idle timer did that.
    const thought = joinedThinking(reasoning, answer.reasoning);
    if (cancelled) return { ok: false, failure: { kind: 'cut_off' }, partialText: text, usage: reported(), ...thought, ...unshown(refusal, answer.held), ...billable(true, thinksSilently) };
    if (timedOut) return { ok: false, failure: { kind: 'timeout' }, partialText: text, usage: reported(), ...thought, ...unshown(refusal, answer.held), ...billable(true, thinksSilently) };
    if (overrun) return { ok: true, text, usage: reported(), finishReason: 'length', ...thought, overrun: true };
    // vLLM passes `abort` on when it stopped the request itself (its engine's FINISH_REASON_STRINGS; only `error` becomes
    // an error event); OpenRouter ends a generation that failed partway with `error` (beside an error object a proxy may
    // drop): the answer is incomplete, and the prompt was read.
    if (finishReason === 'abort' || finishReason === 'error') {
      return { ok: false, failure: { kind: 'server_error', status: undefined }, partialText: text, usage: reported(), ...thought, ...unshown(refusal, answer.held), ...billable(true, thinksSilently) };
    }
    // Ollama ends a stream that failed on its side (its runner crashed, ran out of memory) cleanly, with neither a
    // finish_reason nor [DONE] (middleware/openai.go turns the error into a chunk without one); every server ends a
    // finished answer with at least one of them. Incomplete: what came is charged; the prompt too unless the model is local.
    if (finishReason === null && !watch.endedWithDone) {
      return { ok: false, failure: { kind: 'server_error', status: undefined }, partialText: text, usage: reported(), ...thought, ...unshown(refusal, answer.held), unmarkedEnd: true };
    }
    if (refusal || finishReason === 'content_filter') {
      // The stream ended cleanly, so the request was read and billed; the filter acts on the output: a reasoning
      // model has already thought (and billed) for it.
      return { ok: false, failure: { kind: 'refused', message: refusal || undefined }, partialText: text, usage: reported(), ...thought, ...billable(true, thinksSilently) };
    }
    // A dropped connection throws above; a stream that ended cleanly is complete, finish_reason or not.
    return { ok: true, text, usage: reported(), finishReason: finishReason ?? 'stop', ...thought };
  }
}
