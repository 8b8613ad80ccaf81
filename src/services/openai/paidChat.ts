import type { Logger } from '../../logger.ts';
import type { Ledger, Payer, Refusal } from '../budget/ledger.ts';
import type { ChatRequestMessage } from '../history.ts';
import type { Pricing } from '../pricing/index.ts';
import { PROMPT_COUNT_MARGIN, type TokenCounter } from '../tokens.ts';
import type { ChatOutcome, ChatService, ChatUsage, OnThinking } from './chat.ts';
import type { ReasoningEffort, ReasoningModels } from '../reasoning/models.ts';
import { logModelFailure, type ModelChooser, type ModelFailure } from './failures.ts';
import type { ResponsesOnlyModels } from './responsesOnly.ts';

export interface PaidChatRequest {
  payer: Payer;
  /** The ledger's name for what was used (`ask`, `mention`, `translate`…). */
  command: string;
  model: string;
  messages: ChatRequestMessage[];
  /** Our count of `messages`, used for the reservation and when a server reports no usage. */
  promptTokens: number;
  /** Reserved on top of promptTokens, never charged without usage: what images whose rule is unpublished may bill beyond their count. */
  extraReserveTokens?: number;
  maxOutputTokens: number;
  /** The channel's `/settings reasoning-effort`, for the models that take one. */
  reasoningEffort?: ReasoningEffort;
  /** Ends the call at once (the bot is stopping); what was billed so far is charged. */
  signal?: AbortSignal;
  /** Who can choose another model if this one is refused for having no price: an admin (/settings model), or only the operator (VISION_MODEL). */
  modelSetBy?: ModelChooser;
  log: Logger;
}

export type PaidChatResult = { ok: true; outcome: ChatOutcome } | { ok: false; refusal: Refusal };

export interface PaidChatDependencies {
  chat: ChatService;
  ledger: Ledger;
  pricing: Pricing;
  tokens: TokenCounter;
  /** Reasoning models think in tokens nobody sees: without usage, their output can't be counted from the text. */
  reasoning?: ReasoningModels;
  /** A model without a price is refused instead of charged at the fallback (UNPRICED_MODELS). */
  refuseUnpriced?: boolean;
  /** Models served only through the Responses API: refused before anything is reserved or sent, and learned from the server's answers. */
  responsesOnly?: ResponsesOnlyModels;
  /** OPENAI_BASE_URL is on the operator's own machine or network (isPrivateHost): a model priced only by the fallback there is a local one. */
  localServer?: boolean;
}

type ChatFailure = Extract<ChatOutcome, { ok: false }>;
/** What a call is charged for: the prompt always counted (the service's figure, else ours). */
type BilledUsage = ChatUsage & { promptTokens: number };

const RESPONSES_ONLY_LOG = 'model is served only through OpenAI\'s Responses API, which the bot does not use (choose another with DEFAULT_MODEL or /settings model)';

/** A streamed chat call that goes through the ledger: worst case reserved, what was billed charged (partial output too). */
export class PaidChat {
  constructor(private readonly deps: PaidChatDependencies) {}

  /** Refuses at once when the payer can't spend even a micro-dollar now (before work worth sparing, like downloading images). */
  precheck(payer: Payer): Refusal | null {
    return this.deps.ledger.precheck(payer, 1);
  }

  /**
   * The most prompt tokens (by the bot's count) whose reservation stays under `model`'s long-context tier, for the
   * models that bill a long prompt at higher rates for the whole request (gpt-5.4 past 272K); undefined for the others.
   */
  cheapPromptCeiling(model: string): number | undefined {
    const tier = this.deps.pricing.resolveChat(model).price.longContext;
    return tier && Math.floor(tier.aboveInputTokens / PROMPT_COUNT_MARGIN);
  }

  /**
   * Why `model` is not used, or undefined. A model served only through the Responses API can't answer a chat request.
   * Charged at the fallback price, a dearer model would pass every limit in real dollars, so under
   * UNPRICED_MODELS=refuse a model without a price is neither sent nor reserved.
   */
  private unusable(model: string, setBy: ModelChooser = 'admin'): ModelFailure | undefined {
    if (this.deps.responsesOnly?.has(model)) return { kind: 'responses_only', model, setBy };
    return this.deps.refuseUnpriced && !this.deps.pricing.resolveChat(model).known ? { kind: 'unpriced', model, setBy } : undefined;
  }

  /** `unusable`, with the reason logged for the operator: callers that refuse before their own work (sizes, moderation) use this. */
  notSent(model: string, setBy: ModelChooser | undefined, log: Logger): ModelFailure | undefined {
    const unusable = this.unusable(model, setBy);
    if (unusable) log.warn({ model }, unusable.kind === 'unpriced' ? 'model has no price (add it to PRICING_FILE, or set UNPRICED_MODELS=fallback): not sent' : `${RESPONSES_ONLY_LOG}: not sent`);
    return unusable;
  }

  async stream(request: PaidChatRequest, onText: (text: string) => void, onThinking?: OnThinking): Promise<PaidChatResult> {
    const { chat, ledger, pricing } = this.deps;
    const { model, log } = request;
    const unusable = this.notSent(model, request.modelSetBy, log);
    if (unusable) return { ok: true, outcome: { ok: false, failure: unusable, partialText: '', usage: undefined } };
    // The most the prompt can count: it picks the reservation's long-context tier, and that of a charge from our own count.
    const reservedPrompt = Math.ceil(request.promptTokens * PROMPT_COUNT_MARGIN) + (request.extraReserveTokens ?? 0);
    const paid = await ledger.pay(
      request.payer,
      { command: request.command, model, worstCaseMicros: pricing.chatWorstCase(model, reservedPrompt, request.maxOutputTokens) },
      () => chat.stream({ model, messages: request.messages, maxOutputTokens: request.maxOutputTokens, reasoningEffort: request.reasoningEffort, signal: request.signal }, onText, onThinking),
      (outcome) => {
        const usage = this.billed(request, outcome);
        if (!usage) return null;
        if (usage.reasoningTokens) log.debug({ reasoningTokens: usage.reasoningTokens, outputTokens: usage.completionTokens }, 'reasoning tokens, billed as output');
        // Without the service's prompt_tokens, our count can't say the prompt stayed under the tier: settled at the reservation's.
        const chargedMicros = pricing.chatCost(model, usage, outcome.usage?.promptTokens ?? reservedPrompt);
        return { chargedMicros, inputTokens: usage.promptTokens, cachedTokens: usage.cachedTokens, outputTokens: usage.completionTokens };
      },
    );
    if (!paid.ok) {
      log.info({ refusal: paid.refusal }, 'refused: over budget');
      return paid;
    }
    if (!paid.result.ok && paid.result.failure.kind === 'responses_only') return { ok: true, outcome: this.learnResponsesOnly(request, paid.result) };
    if (!paid.result.ok) {
      logModelFailure(log, paid.result.failure, `${request.command} model call`);
      // A model the service doesn't have: the reply says who can choose another.
      if (paid.result.failure.kind === 'model_not_found' && request.modelSetBy) return { ok: true, outcome: { ...paid.result, failure: { ...paid.result.failure, setBy: request.modelSetBy } } };
    } else if (paid.result.overrun) log.warn({ model, maxOutputTokens: request.maxOutputTokens }, 'the AI service went past the output limit it was sent: the answer was ended there');
    return { ok: true, outcome: paid.result };
  }

  /** The server said the model answers only through the Responses API: remembered, so it is not asked again. */
  private learnResponsesOnly(request: PaidChatRequest, outcome: ChatFailure): ChatFailure {
    const { model, log } = request;
    if (this.deps.responsesOnly?.learn(model) ?? true) log.warn({ model, command: request.command }, `the AI service answered that this ${RESPONSES_ONLY_LOG}; it is not asked again until the bot restarts`);
    return { ...outcome, failure: { kind: 'responses_only', model, setBy: request.modelSetBy ?? 'admin' } };
  }

  /**
   * What the service billed: its own usage when it sent one; else our count. A stream that failed after
   * output arrived (timeout, cut connection, an error event, content filter) was billed for the prompt and that
   * output, shown or not; a request that reached the service and got no answer (a timeout, a dropped
   * connection) at least for its prompt; a call the server answered with an error before any output, without
   * usage, was not.
   */
  private billed(request: PaidChatRequest, outcome: ChatOutcome): BilledUsage | null {
    // A prompt is never 0 tokens: usage that counted the output but not the prompt (some proxies) is charged our count for it.
    if (outcome.usage) return this.reported(request, outcome.usage);
    // A refusal the model wrote in place of an answer is output it was billed for.
    const refusal = !outcome.ok && outcome.failure.kind === 'refused' ? outcome.failure.message ?? '' : '';
    // Output that streamed but is not shown (a refusal cut short, thinking held back at a tag) was billed too.
    const produced = outcome.ok ? outcome.text : `${outcome.partialText}${refusal}${outcome.unshownOutput ?? ''}`;
    if (!outcome.ok && produced === '' && !outcome.reasoning && !outcome.hiddenThinking && !this.mayBeBilled(request.model, outcome)) return null;
    // A reasoning model's hidden thinking is billed but never sent: only the most it may write is a safe count.
    if (this.deps.reasoning?.profile(request.model)) return { promptTokens: request.promptTokens, completionTokens: request.maxOutputTokens, cachedTokens: 0 };
    // Read but unanswered: the prompt, and no output.
    if (!outcome.ok && produced === '' && !outcome.reasoning) return { promptTokens: request.promptTokens, completionTokens: 0, cachedTokens: 0 };
    // Thinking a server streamed beside the answer is billed as output too.
    return this.estimate(request, outcome.reasoning ? `${outcome.reasoning}\n${produced}` : produced);
  }

  /**
   * The service's usage, with our count for a prompt it did not count and for output that streamed after its last
   * usage chunk (which can't have counted it), or the part of its total beyond the prompt when that is more (output the
   * output count left out): at most the allowance on top of what it reported. A reasoning model whose output it counted
   * as nothing thought unseen: charged the whole allowance, as without usage.
   */
  private reported(request: PaidChatRequest, usage: ChatUsage): BilledUsage {
    const { unreportedOutput, totalTokens, ...counts } = usage;
    const promptTokens = counts.promptTokens ?? request.promptTokens;
    // An output count below 0 can't be right: passed on as it is, the charge refuses it and the reservation is settled
    // (never clamped to 0 by the total's rule below, which made the answer's output free).
    if (counts.completionTokens < 0) return { ...counts, promptTokens };
    const later = unreportedOutput ? this.estimate(request, unreportedOutput).completionTokens : 0;
    const beyondPrompt = totalTokens === undefined ? 0 : totalTokens - promptTokens;
    const ceiling = Math.max(counts.completionTokens, request.maxOutputTokens);
    const thoughtUnseen = Math.max(counts.completionTokens, beyondPrompt) <= 0 && this.deps.reasoning?.profile(request.model) !== undefined;
    const completionTokens = thoughtUnseen ? request.maxOutputTokens : Math.min(Math.max(counts.completionTokens + later, beyondPrompt), ceiling);
    return { ...counts, promptTokens, completionTokens };
  }

  /**
   * Whether a failure that produced nothing may have been billed: the request was out and no answer said it was not
   * read, or the stream closed without an end marker on a model priced as a paid one (its own price, or any price on
   * a public host): a cut stream whose prompt was read. Only a model priced by the UNPRICED_MODELS fallback on the
   * operator's own server is local, where Ollama ends a failed stream that way and nothing was billed.
   */
  private mayBeBilled(model: string, outcome: ChatFailure): boolean {
    if (outcome.mayBeBilled) return true;
    return outcome.unmarkedEnd === true && (!this.deps.localServer || this.deps.pricing.resolveChat(model).known);
  }

  /**
   * Some compatible servers send no usage: charge our own count of what went in and came out. The output is at most
   * what the request allowed: a server that keeps to its limit stops there by its own count, and one that ignores it
   * is stopped there by ours (OutputGuard).
   */
  private estimate(request: PaidChatRequest, answer: string): BilledUsage {
    const { tokens } = this.deps;
    const output = Math.min(tokens.weigh(tokens.countMessage(answer), request.model), request.maxOutputTokens);
    return { promptTokens: request.promptTokens, completionTokens: output, cachedTokens: 0 };
  }
}
