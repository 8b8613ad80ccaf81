/** POST /v1/chat/completions: scripted replies, streaming (SSE) and non-streaming. */
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParams,
  ChatCompletionMessageFunctionToolCall,
} from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';
import { compatModelNotFound, FakeRawResponse } from './fakeOpenAICompat.ts';
import {
  contextLengthExceeded,
  invalidRequest,
  isScriptedError,
  modelNotFound,
  responsesOnlyModel,
  scriptedError,
  type ScriptedError,
} from './fakeOpenAIErrors.ts';
import type { CompatOptions } from './fakeOpenAICompat.ts';
import { countPromptTokens, countTextTokens, validateChatBody } from './fakeOpenAIChatValidate.ts';
import { checkVisionModel } from './fakeOpenAIVision.ts';
import { checkContextWindow, loadTokenizerFor } from './fakeOpenAIWindow.ts';
import { nowSeconds, randomId, ScriptQueue, sleep, type Exchange, type FakeEnv } from './fakeOpenAIHttp.ts';

export interface ChatToolCallSpec {
  id?: string;
  name: string;
  /** JSON string, or an object that gets JSON.stringify'd. */
  arguments: string | object;
}

export interface ChatTextReply {
  text?: string;
  /** How to split the text into deltas (joined they must equal `text` if both given). Default ~20-char pieces. */
  chunks?: string[];
  /** Before the first byte (headers) of the response. */
  delayMs?: number;
  /** Between streamed chunks. */
  chunkDelayMs?: number;
  /** Streaming: after this many events (the role chunk counts) go silent, keeping the socket open. */
  stallAfterEvents?: number;
  /**
   * `abort`, `repetition`: vLLM's own (vllm/v1/engine FINISH_REASON_STRINGS), passed to the client as they are; `error`:
   * OpenRouter's for a generation that failed partway (sent beside an `error` object a proxy may drop).
   */
  finishReason?: 'stop' | 'length' | 'content_filter' | 'tool_calls' | 'abort' | 'repetition' | 'error';
  /** Exact usage; prompt_tokens also replaces the estimate used for the context-window check. */
  usage?: { prompt_tokens?: number; completion_tokens?: number; cached_tokens?: number };
  /** The usage object exactly as a proxy sends it (fields left out, zeros), in place of the one the fake would compute. */
  usageAsSent?: Record<string, unknown>;
  /** Streaming: the usage rides on this event (0: the role chunk) and no usage chunk follows, as a server that reports it early and never again. */
  usageOnEvent?: number;
  /** Streaming: a further usage (as sent) rides on this event too, before the final one: a server that reports along the way. */
  earlierUsage?: { onEvent: number; usageAsSent: Record<string, unknown> };
  /** Answer with a refusal (message.refusal / `refusal` deltas) instead of content. */
  refusal?: string;
  /** Function tool calls (finish_reason defaults to 'tool_calls'). */
  toolCalls?: ChatToolCallSpec[];
  /** `model` echoed in the response (the real API answers with a snapshot, e.g. 'gpt-4o-mini-2024-07-18'). */
  responseModel?: string;
  /** Thinking streamed before the answer in its own delta field, as vLLM/DeepSeek (`reasoning_content`) and Ollama (`reasoning`) do. */
  reasoning?: string;
  /**
   * Where `reasoning` goes: a delta field of its own, or into the content as local models write it without a
   * reasoning parser: `think` = `<think>…</think>` then the answer, `think-close` = DeepSeek-R1's output whose
   * template opened the tag (only `</think>`); both cut in 7-character pieces so the tags straddle chunks. `chunks`:
   * Mistral's magistral models, whose `content` is a list of chunks (`{"type": "thinking", "thinking": [{"type": "text",
   * "text"}]}`, then `{"type": "text", "text"}`), the answer too.
   */
  reasoningField?: 'reasoning_content' | 'reasoning' | 'think' | 'think-close' | 'chunks';
  /** Hidden reasoning tokens of an OpenAI reasoning model: in completion_tokens and completion_tokens_details, never streamed. */
  reasoningTokens?: number;
  /** Silence after the first (role) chunk before the answer: a reasoning model thinking. */
  thinkMs?: number;
}

/**
 * A compatible server's error inside a stream: HTTP 200, `afterChunks` content pieces of `text`, then
 * `data: {"error": <error>}` (an object or a string) and a clean end without [DONE], as llama.cpp, vLLM and LiteLLM do.
 */
export interface ChatStreamErrorReply {
  streamError: unknown;
  /** Written as the event's data as it is, in place of `{"error": streamError}`: a line that is not JSON (a proxy's plain text). */
  rawEvent?: string;
  /** Written as `event: <name>` before the error's data line, as servers that name their error events do (`event: error`). */
  eventName?: string;
  text?: string;
  /** Stream a refusal (`refusal` deltas) instead of `text` before the error. */
  refusal?: string;
  chunks?: string[];
  afterChunks?: number;
}

/** An HTTP error with any body (HTML from a proxy, plain text, `{"detail": …}`), as written. */
export interface ChatRawErrorReply {
  rawError: { status: number; body: string; contentType?: string | null };
  times?: number;
}

/** The request is read, then the connection closes with no answer at all (a proxy or the server dying mid-request). */
export interface ChatDropReply {
  drop: true;
  delayMs?: number;
}

/**
 * A server that ignores max_tokens: `piece` streamed again and again, never finishing, until the client goes away
 * (or, as a guard against a client that never does, `maxPieces` pieces and a clean end).
 */
export interface ChatEndlessReply {
  endless: { piece: string; chunkDelayMs?: number; maxPieces?: number };
}

export type ChatReply =
  | ChatTextReply
  | ChatDropReply
  | ChatEndlessReply
  | ScriptedError
  | { error: 'context_length_exceeded' }
  | { hang: true }
  | ChatStreamErrorReply
  | ChatRawErrorReply
  | { cutAfterChunks: number; text: string; chunks?: string[]; delayMs?: number; chunkDelayMs?: number; refusal?: string };

export type ChatReplySource = ChatReply | ((req: ChatCompletionCreateParams) => ChatReply);

const NON_CHAT_MODEL = /^(whisper|dall-e|gpt-image|tts|text-embedding|omni-moderation)|transcribe/;

/**
 * Models whose OpenAI model pages say "Chat Completions: not supported" (only /v1/responses), written from those pages
 * and the SDK's `ResponsesModel` list, not from the bot's table. A test may add names (`chat.responsesOnly.add`).
 */
export const RESPONSES_ONLY_MODELS: readonly string[] = [
  'o1-pro', 'o1-pro-2025-03-19', 'o3-pro', 'o3-pro-2025-06-10', 'o3-deep-research', 'o3-deep-research-2025-06-26',
  'o4-mini-deep-research', 'o4-mini-deep-research-2025-06-26', 'computer-use-preview', 'computer-use-preview-2025-03-11',
  'codex-mini-latest', 'gpt-5-codex', 'gpt-5-pro', 'gpt-5-pro-2025-10-06', 'gpt-5.1-codex', 'gpt-5.1-codex-max',
  'gpt-5.1-codex-mini', 'gpt-5.2-codex', 'gpt-5.2-pro', 'gpt-5.2-pro-2025-12-11', 'gpt-5.3-codex', 'gpt-5.4-pro',
  'gpt-5.4-pro-2026-03-05', 'gpt-5.5-pro', 'gpt-5.5-pro-2026-04-23',
];

/** OpenAI's 400 for an output limit past the model's own maximum (e.g. 8192 asked of a model that writes at most 4096). */
function checkOutputLimit(body: ChatCompletionCreateParams, most: number | undefined): void {
  const field = typeof body.max_completion_tokens === 'number' ? 'max_completion_tokens' : 'max_tokens';
  const asked = body[field];
  if (most === undefined || typeof asked !== 'number' || asked <= most) return;
  throw invalidRequest(`${field} is too large: ${asked}. This model supports at most ${most} completion tokens, whereas you provided ${asked}.`, field);
}

export function lastUserText(req: ChatCompletionCreateParams): string {
  const last = [...req.messages].reverse().find((m) => m.role === 'user');
  if (!last) return '';
  if (typeof last.content === 'string') return last.content;
  return last.content.map((p) => (p.type === 'text' ? p.text : '')).join('');
}

const defaultReply: ChatReplySource = (req) => ({ text: `You said: ${lastUserText(req)}` });

function splitText(text: string, size = 20): string[] {
  const chars = [...text];
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += size) out.push(chars.slice(i, i + size).join(''));
  return out;
}

/** Keeps the first `maxChars` code points of the pieces. */
function truncatePieces(pieces: string[], maxChars: number): string[] {
  const out: string[] = [];
  let left = maxChars;
  for (const piece of pieces) {
    if (left <= 0) break;
    const chars = [...piece];
    out.push(chars.slice(0, left).join(''));
    left -= chars.length;
  }
  return out;
}

type Delta = ChatCompletionChunk.Choice.Delta;
type FinishReason = ChatCompletion.Choice['finish_reason'];

interface Plan {
  kind: 'content' | 'refusal';
  pieces: string[];
  reasoning: { field: 'reasoning_content' | 'reasoning' | 'chunks'; pieces: string[] } | undefined;
  /** Content sent as a list of chunks, as Mistral's magistral models do. */
  contentChunks: boolean;
  toolCalls: ChatCompletionMessageFunctionToolCall[];
  finishReason: FinishReason;
  usage: CompletionUsage;
  usageOnEvent?: number;
  earlierUsage?: { onEvent: number; usageAsSent: Record<string, unknown> };
  model: string;
}

function makePlan(reply: ChatTextReply, body: ChatCompletionCreateParams, promptTokens: number): Plan {
  if (reply.chunks && reply.text !== undefined && reply.chunks.join('') !== reply.text) {
    throw new Error('FakeOpenAI misconfiguration: reply.text must equal reply.chunks.join("")');
  }
  const kind = reply.refusal !== undefined ? 'refusal' : 'content';
  const inline = reply.reasoning !== undefined && (reply.reasoningField === 'think' || reply.reasoningField === 'think-close');
  const inlineText = inline ? `${reply.reasoningField === 'think' ? '<think>\n' : ''}${reply.reasoning}\n</think>\n\n${reply.text ?? ''}` : '';
  let pieces = kind === 'refusal' ? splitText(reply.refusal ?? '') : inline ? splitText(inlineText, 7) : (reply.chunks ?? splitText(reply.text ?? ''));
  const toolCalls = (reply.toolCalls ?? []).map(
    (tc): ChatCompletionMessageFunctionToolCall => ({
      id: tc.id ?? randomId('call_', 12),
      type: 'function',
      function: { name: tc.name, arguments: typeof tc.arguments === 'string' ? tc.arguments : JSON.stringify(tc.arguments) },
    }),
  );
  let finishReason = (reply.finishReason ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop')) as FinishReason;
  const limit = body.max_completion_tokens ?? body.max_tokens;
  // max_completion_tokens bounds the hidden reasoning and the visible answer together.
  const reasoningTokens = typeof limit === 'number' ? Math.min(reply.reasoningTokens ?? 0, limit) : (reply.reasoningTokens ?? 0);
  const room = typeof limit === 'number' ? limit - reasoningTokens : Number.POSITIVE_INFINITY;
  if (countTextTokens(pieces.join('')) > room) {
    pieces = truncatePieces(pieces, room * 4);
    finishReason = 'length';
  }
  const toolText = toolCalls.map((tc) => tc.function.name + tc.function.arguments).join('');
  const completion = reply.usage?.completion_tokens ?? countTextTokens(pieces.join('') + toolText) + reasoningTokens;
  const usage: CompletionUsage = {
    prompt_tokens: promptTokens,
    completion_tokens: completion,
    total_tokens: promptTokens + completion,
    prompt_tokens_details: { cached_tokens: reply.usage?.cached_tokens ?? 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: reasoningTokens,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
  const field: 'reasoning' | 'reasoning_content' | 'chunks' = reply.reasoningField === 'reasoning' || reply.reasoningField === 'chunks' ? reply.reasoningField : 'reasoning_content';
  const reasoning = reply.reasoning && !inline ? { field, pieces: splitText(reply.reasoning) } : undefined;
  // A proxy's own usage object is passed on as it is: the SDK's type is what OpenAI sends, not what every proxy does.
  const sent = reply.usageAsSent ? (reply.usageAsSent as unknown as CompletionUsage) : usage;
  return { kind, pieces, reasoning, contentChunks: reply.reasoningField === 'chunks', toolCalls, finishReason, usage: sent, usageOnEvent: reply.usageOnEvent, earlierUsage: reply.earlierUsage, model: reply.responseModel ?? body.model };
}

/** The deltas of one streamed choice, in order, ending with the finish_reason delta (compatible servers may leave out role and finish_reason). */
function planDeltas(plan: Plan, compat: CompatOptions): { delta: Delta; finish: FinishReason | null }[] {
  const out: { delta: Delta; finish: FinishReason | null }[] = [];
  const role = compat.noRole ? {} : { role: 'assistant' as const };
  out.push({
    delta: plan.kind === 'refusal' ? { ...role, content: null, refusal: '' } : { ...role, content: '', refusal: null },
    finish: null,
  });
  // Mistral's chunk lists are no type the SDK knows: cast, as the wire carries them.
  const thinkingChunk = (text: string) => ({ content: [{ type: 'thinking', thinking: [{ type: 'text', text }] }] }) as unknown as Delta;
  const textChunk = (text: string) => ({ content: [{ type: 'text', text }] }) as unknown as Delta;
  for (const p of plan.reasoning?.pieces ?? []) out.push({ delta: plan.reasoning!.field === 'chunks' ? thinkingChunk(p) : { [plan.reasoning!.field]: p } as Delta, finish: null });
  for (const p of plan.pieces) out.push({ delta: plan.kind === 'refusal' ? { refusal: p } : plan.contentChunks ? textChunk(p) : { content: p }, finish: null });
  plan.toolCalls.forEach((tc, index) => {
    out.push({
      delta: { tool_calls: [{ index, id: tc.id, type: 'function', function: { name: tc.function.name, arguments: '' } }] },
      finish: null,
    });
    for (const arg of splitText(tc.function.arguments)) {
      out.push({ delta: { tool_calls: [{ index, function: { arguments: arg } }] }, finish: null });
    }
  });
  if (!compat.noFinishReason) out.push({ delta: {}, finish: plan.finishReason });
  return out;
}

export class FakeChat {
  /** Every chat request body received (also invalid ones), oldest first. */
  readonly requests: ChatCompletionCreateParams[] = [];
  inFlight = 0;
  maxConcurrent = 0;
  /** Requests refused because they didn't fit the model's window (not scripted refusals), since the start: reset() keeps them. */
  readonly windowRefusals: { model: string; message: string }[] = [];
  /** Models answered with OpenAI's "only supported in v1/responses" 404 (reset() restores RESPONSES_ONLY_MODELS). */
  readonly responsesOnly = new Set(RESPONSES_ONLY_MODELS);
  private readonly queue = new ScriptQueue<ChatReply>();
  private fallback: ChatReplySource = defaultReply;

  constructor(private readonly env: FakeEnv) {}

  /** Queue replies for the next calls, FIFO. */
  enqueue(...replies: ChatReply[]): this {
    for (const r of replies) this.queue.enqueue(r);
    return this;
  }

  /** Reply used when the queue is empty (default: `You said: <last user message>`). */
  setDefault(reply: ChatReplySource): this {
    this.fallback = reply;
    return this;
  }

  /** Number of queued (not yet used) replies. */
  get pending(): number {
    return this.queue.length;
  }

  get lastRequest(): ChatCompletionCreateParams | undefined {
    return this.requests.at(-1);
  }

  reset(): void {
    this.requests.length = 0;
    this.queue.clear();
    this.fallback = defaultReply;
    this.maxConcurrent = this.inFlight;
    this.responsesOnly.clear();
    for (const model of RESPONSES_ONLY_MODELS) this.responsesOnly.add(model);
  }

  async handle(ex: Exchange): Promise<void> {
    this.inFlight += 1;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.inFlight);
    ex.res.once('close', () => (this.inFlight -= 1));
    if (typeof ex.body === 'object' && ex.body !== null) this.requests.push(ex.body as ChatCompletionCreateParams);

    const body = validateChatBody(ex.body);
    const compatStyle = this.env.compat().modelNotFoundStyle;
    if (!this.env.hasModel(body.model)) throw compatStyle ? compatModelNotFound(compatStyle, body.model) : modelNotFound(body.model);
    if (NON_CHAT_MODEL.test(body.model)) {
      throw invalidRequest(
        'This is not a chat model and thus not supported in the v1/chat/completions endpoint. Did you mean to use v1/completions?',
        'model',
        null,
        404,
      );
    }
    if (this.responsesOnly.has(body.model)) throw responsesOnlyModel();
    checkVisionModel(body.model, body.messages);
    checkOutputLimit(body, this.env.maxOutputTokens(body.model));
    const window = this.env.contextWindow(body.model);
    await loadTokenizerFor(body, window);
    // From here to the reply's choice nothing waits: another request can't take the scripted reply this one looks at.
    const queued = this.queue.peek();
    const reply = queued ?? (typeof this.fallback === 'function' ? this.fallback(body) : this.fallback);
    const exactPrompt = 'usage' in reply ? reply.usage?.prompt_tokens : undefined;
    const promptTokens = exactPrompt ?? countPromptTokens(body);
    const forced = 'error' in reply && reply.error === 'context_length_exceeded';
    // A request past the window is rejected by the API before any scripted reply is used.
    if (!forced) {
      try {
        checkContextWindow(body, window, exactPrompt);
      } catch (error) {
        this.windowRefusals.push({ model: body.model, message: (error as Error).message });
        throw error;
      }
    }
    if (queued) this.queue.take();
    if (forced) throw contextLengthExceeded(window, Math.max(promptTokens, window + 1));
    if (isScriptedError(reply)) throw scriptedError(reply as ScriptedError, body.model);
    if ('hang' in reply) return; // never answered; close() or the client's timeout ends it
    if ('rawError' in reply) throw new FakeRawResponse(reply.rawError.status, reply.rawError.body, reply.rawError.contentType === undefined ? 'application/json' : reply.rawError.contentType);
    if ('streamError' in reply) return this.streamError(ex, body, reply, promptTokens);
    if ('cutAfterChunks' in reply) return this.cut(ex, body, reply, promptTokens);
    if ('drop' in reply) {
      await sleep(reply.delayMs ?? 0, this.env.signal);
      ex.req.socket.destroy();
      return;
    }
    if ('endless' in reply) return this.endless(ex, body, reply.endless, promptTokens);
    const textReply = reply as ChatTextReply;
    const plan = makePlan(textReply, body, promptTokens);
    // A server that pings sends its headers at once and keeps the silence (delayMs: the prompt's prefill) alive.
    if (body.stream && !this.env.compat().ignoresStream && this.env.compat().pingEveryMs) return this.stream(ex, body, plan, textReply.chunkDelayMs ?? 0, textReply.stallAfterEvents, textReply.thinkMs, textReply.delayMs);
    await sleep(textReply.delayMs ?? 0, this.env.signal);
    if (body.stream && !this.env.compat().ignoresStream) return this.stream(ex, body, plan, textReply.chunkDelayMs ?? 0, textReply.stallAfterEvents, textReply.thinkMs);
    ex.sendJson(200, this.completion(body, plan));
  }

  private completion(body: ChatCompletionCreateParams, plan: Plan): ChatCompletion {
    const text = plan.pieces.join('');
    return {
      id: randomId('chatcmpl-', 14),
      object: 'chat.completion',
      created: nowSeconds(),
      model: plan.model,
      choices: Array.from({ length: body.n ?? 1 }, (_, index) => ({
        index,
        message: {
          role: 'assistant' as const,
          content: plan.kind === 'content' && (text !== '' || plan.toolCalls.length === 0) ? text : null,
          refusal: plan.kind === 'refusal' ? text : null,
          annotations: [],
          ...(plan.toolCalls.length > 0 ? { tool_calls: plan.toolCalls } : {}),
        },
        logprobs: null,
        finish_reason: plan.finishReason,
      })),
      usage: plan.usage,
      service_tier: 'default',
      system_fingerprint: 'fp_fake000001',
    };
  }

  /** Builds the SSE events for a plan: chunks, optional usage chunk, then '[DONE]'. */
  private events(body: ChatCompletionCreateParams, plan: Plan): (ChatCompletionChunk | '[DONE]')[] {
    const compat = this.env.compat();
    const withUsage = body.stream_options?.include_usage === true && !compat.noUsage;
    // bareChunks: a server that sends only the choices; the cast keeps the SDK's chunk type for the rest of the fake.
    const base = (compat.bareChunks ? {} : {
      id: randomId('chatcmpl-', 14),
      object: 'chat.completion.chunk' as const,
      created: nowSeconds(),
      model: plan.model,
      service_tier: 'default' as const,
      system_fingerprint: 'fp_fake000001',
    }) as Omit<ChatCompletionChunk, 'choices'>;
    const n = body.n ?? 1;
    const out: (ChatCompletionChunk | '[DONE]')[] = planDeltas(plan, this.env.compat()).map(({ delta, finish }, event) => ({
      ...base,
      choices: Array.from({ length: n }, (_, index) => ({ index, delta, logprobs: null, finish_reason: finish })),
      ...(withUsage ? { usage: event === plan.usageOnEvent ? plan.usage : event === plan.earlierUsage?.onEvent ? (plan.earlierUsage.usageAsSent as unknown as CompletionUsage) : null } : {}),
    }));
    if (withUsage && plan.usageOnEvent === undefined) out.push({ ...base, choices: [], usage: plan.usage });
    if (!compat.noDone) out.push('[DONE]');
    return out;
  }

  /** Waits `ms`; with `pingEveryMs` set, writes a keep-alive comment every that many ms meanwhile, as llama.cpp does. */
  private async silence(ex: Exchange, ms: number): Promise<void> {
    const every = this.env.compat().pingEveryMs;
    if (!every) return sleep(ms, this.env.signal);
    const until = Date.now() + ms;
    for (let left = ms; left > 0; left = until - Date.now()) {
      await sleep(Math.min(every, left), this.env.signal);
      if (ex.res.destroyed) return;
      if (until - Date.now() > 0) await ex.writeComment();
    }
  }

  private async stream(ex: Exchange, body: ChatCompletionCreateParams, plan: Plan, chunkDelayMs: number, stallAfter?: number, thinkMs = 0, headersFirstMs = 0): Promise<void> {
    ex.startEventStream();
    await this.silence(ex, headersFirstMs);
    let first = true;
    let sent = 0;
    for (const event of this.events(body, plan)) {
      if (sent++ === stallAfter) return this.silence(ex, 2_000_000_000).catch(() => undefined);
      if (sent === 2 && thinkMs > 0) await this.silence(ex, thinkMs);
      // The model's pace is between its tokens; its stop, the usage chunk and [DONE] follow the last one at once, as OpenAI sends them.
      if (!first && event !== '[DONE]' && event.choices.length > 0 && event.choices.every((c) => c.finish_reason === null)) await this.silence(ex, chunkDelayMs);
      first = false;
      if (ex.res.destroyed) return; // client went away (e.g. `break` in for-await)
      await ex.writeEvent(event);
    }
    ex.res.end();
  }

  /** HTTP 200, the role chunk and `afterChunks` content pieces, then the error event and a clean end (no [DONE]). */
  private async streamError(ex: Exchange, body: ChatCompletionCreateParams, reply: ChatStreamErrorReply, promptTokens: number): Promise<void> {
    if (!body.stream) throw new Error('FakeOpenAI misconfiguration: streamError needs a streaming request');
    const plan = makePlan({ text: reply.text ?? '', chunks: reply.chunks, refusal: reply.refusal }, body, promptTokens);
    ex.startEventStream();
    const events = this.events(body, plan).filter((e) => e !== '[DONE]').slice(0, 1 + (reply.afterChunks ?? 0));
    for (const event of events) await ex.writeEvent(event);
    await ex.writeEvent(reply.rawEvent ?? { error: reply.streamError }, reply.eventName);
    ex.res.end();
  }

  /** How many pieces the last endless stream sent before the client went away (or it gave up). */
  endlessSent = 0;

  /** Streams the same piece until the client leaves, as a server that ignores max_tokens may. */
  private async endless(ex: Exchange, body: ChatCompletionCreateParams, spec: ChatEndlessReply['endless'], promptTokens: number): Promise<void> {
    if (!body.stream) throw new Error('FakeOpenAI misconfiguration: endless needs a streaming request');
    const plan = makePlan({ text: spec.piece, chunks: [spec.piece] }, { ...body, max_tokens: null, max_completion_tokens: null }, promptTokens);
    const [role, piece] = this.events(body, plan) as ChatCompletionChunk[];
    ex.startEventStream();
    await ex.writeEvent(role!);
    this.endlessSent = 0;
    while (this.endlessSent < (spec.maxPieces ?? 100_000)) {
      if (ex.res.destroyed || ex.res.writableEnded) return;
      // A turn of the event loop between pieces, as a real server's network gives: the client reads as it goes.
      if (spec.chunkDelayMs) await sleep(spec.chunkDelayMs, this.env.signal);
      else await new Promise((resolve) => setImmediate(resolve));
      if (ex.res.destroyed) return;
      await ex.writeEvent(piece!);
      this.endlessSent += 1;
    }
    ex.res.end();
  }

  /** Sends `cutAfterChunks` events then destroys the socket, like a dropped connection (no [DONE]). */
  private async cut(
    ex: Exchange,
    body: ChatCompletionCreateParams,
    reply: Extract<ChatReply, { cutAfterChunks: number }>,
    promptTokens: number,
  ): Promise<void> {
    await sleep(reply.delayMs ?? 0, this.env.signal);
    if (!body.stream) {
      ex.req.socket.destroy();
      return;
    }
    const plan = makePlan({ text: reply.text, chunks: reply.chunks, refusal: reply.refusal }, body, promptTokens);
    ex.startEventStream();
    const events = this.events(body, plan)
      .filter((e) => e !== '[DONE]')
      .slice(0, reply.cutAfterChunks);
    for (const [i, event] of events.entries()) {
      if (i > 0) await sleep(reply.chunkDelayMs ?? 0, this.env.signal);
      await ex.writeEvent(event);
    }
    await sleep(5, this.env.signal);
    ex.req.socket.destroy();
  }
}
