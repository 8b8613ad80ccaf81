import type { Logger } from '../logger.ts';
import type { Ledger, Payer, Refusal, Reservation } from './budget/ledger.ts';
import type { ReplyStream } from './discord/replyStream.ts';
import { describeFailure, partialAnswerNotice, t, type Language } from './failureMessages.ts';
import type { ContextResult, HistoryService, Speaker } from './history.ts';
import type { ChatOutcome, ChatService, ChatUsage } from './openai/chat.ts';
import type { Pricing } from './pricing/index.ts';
import type { TokenCounter } from './tokens.ts';
import { closeOpenFence } from './messageSplitter.ts';

/** On context_length_exceeded, retry once with at most this share of the history that was sent. */
const TRIMMED_HISTORY_SHARE = 0.25;
/** Our prompt count can differ from the server's by a few percent (framing, tokenizer versions): reserve for it. */
const PROMPT_COUNT_MARGIN = 1.1;

export interface AskRequest {
  channelId: string;
  isPrivate: boolean;
  speaker: Speaker;
  payer: Payer;
  /** The ledger's name for what was used: `ask` or `mention`. */
  command: string;
  prompt: string;
  model: string;
  systemPrompt: string;
  language: Language;
  reply: ReplyStream;
  log: Logger;
}

export type AskResult =
  | { ok: true; text: string; outcome: ChatOutcome }
  | { ok: false; reason: 'over_budget'; refusal: Refusal }
  | { ok: false; reason: 'prompt_too_long' | 'model_failed' };

/** A note under an answer; a code block the answer left open is closed first so the note isn't inside it. */
function withNotice(text: string, notice: string): string {
  return `${closeOpenFence(text.trimEnd())}\n\n${notice}`;
}

type Attempt = { kind: 'done'; outcome: ChatOutcome; historyTokens: number } | { kind: 'prompt_too_long' } | { kind: 'over_budget'; refusal: Refusal };

export interface AskDependencies {
  history: HistoryService;
  chat: ChatService;
  ledger: Ledger;
  pricing: Pricing;
  tokens: TokenCounter;
  maxOutputTokens: number;
}

/** One question answered: context from history, budget reserved, a streamed model call, the reply shown, history written. */
export class AskService {
  constructor(private readonly deps: AskDependencies) {}

  async answer(request: AskRequest): Promise<AskResult> {
    const { log, reply, language, model } = request;
    // Let interactions already waiting in the socket be acknowledged before this one's slower work starts.
    await new Promise((resolve) => setImmediate(resolve));
    let attempt = await this.attempt(request, undefined);
    if (attempt.kind === 'done' && !attempt.outcome.ok && attempt.outcome.failure.kind === 'context_too_long' && attempt.outcome.partialText === '') {
      log.warn({ historyTokens: attempt.historyTokens }, 'context too long for the model; retrying once with less history');
      attempt = await this.attempt(request, Math.floor(attempt.historyTokens * TRIMMED_HISTORY_SHARE));
    }
    if (attempt.kind === 'over_budget') return { ok: false, reason: 'over_budget', refusal: attempt.refusal };
    if (attempt.kind === 'prompt_too_long') return { ok: false, reason: 'prompt_too_long' };
    const { outcome } = attempt;

    if (outcome.ok && outcome.text.trim() !== '') {
      await reply.finish(outcome.finishReason === 'length' ? withNotice(outcome.text, t('truncated', language)) : outcome.text);
      if (!request.isPrivate) {
        this.deps.history.record({
          channelId: request.channelId, speaker: request.speaker, prompt: request.prompt, answer: outcome.text, model,
          promptTokens: outcome.usage?.promptTokens, completionTokens: outcome.usage?.completionTokens,
        });
      }
      return { ok: true, text: outcome.text, outcome };
    }
    if (outcome.ok) {
      await reply.finish(t('emptyAnswer', language));
      return { ok: false, reason: 'model_failed' };
    }
    const { failure, partialText } = outcome;
    if (failure.kind === 'quota') log.error('OpenAI reports insufficient_quota: the account behind OPENAI_API_KEY is out of credit; add credit at platform.openai.com');
    else if (failure.kind === 'auth') log.error('OpenAI rejected OPENAI_API_KEY (401/403)');
    else log.warn({ failure }, 'model call failed');
    const shown = partialText.trim() !== '' ? withNotice(partialText, partialAnswerNotice(failure, language, model)) : describeFailure(failure, language, model);
    await reply.finish(shown);
    return { ok: false, reason: 'model_failed' };
  }

  private async attempt(request: AskRequest, historyTokenCap: number | undefined): Promise<Attempt> {
    const { deps } = this;
    const context = deps.history.build({
      channelId: request.isPrivate ? null : request.channelId,
      model: request.model,
      systemPrompt: request.systemPrompt,
      speaker: request.speaker,
      prompt: request.prompt,
      outputReserve: deps.maxOutputTokens,
      historyTokenCap,
    });
    if (!context.ok) {
      await request.reply.finish(t('promptTooLong', request.language, { model: request.model, tokens: context.promptTokens, limit: context.limit }));
      return { kind: 'prompt_too_long' };
    }
    const reserved = deps.ledger.reserve(request.payer, {
      command: request.command,
      model: request.model,
      worstCaseMicros: deps.pricing.chatWorstCase(request.model, Math.ceil(context.promptTokens * PROMPT_COUNT_MARGIN), deps.maxOutputTokens),
    });
    if (!reserved.ok) {
      request.log.info({ refusal: reserved.refusal }, 'refused: over budget');
      return { kind: 'over_budget', refusal: reserved.refusal };
    }
    request.log.debug({ promptTokens: context.promptTokens, historyTurns: context.historyTurns, reservedMicros: reserved.reservation.reservedMicros }, 'context built, budget reserved');
    let outcome: ChatOutcome;
    try {
      outcome = await deps.chat.stream({ model: request.model, messages: context.messages, maxOutputTokens: deps.maxOutputTokens }, (text) => request.reply.update(text));
    } catch (error) {
      deps.ledger.release(reserved.reservation);
      throw error;
    }
    this.account(reserved.reservation, request.model, context, outcome);
    return { kind: 'done', outcome, historyTokens: context.historyTokens };
  }

  /** Settles a finished call at its real usage (estimated when a server sends none); a failed call is released. */
  private account(reservation: Reservation, model: string, context: Extract<ContextResult, { ok: true }>, outcome: ChatOutcome): void {
    const { ledger, pricing, tokens } = this.deps;
    if (!outcome.ok) {
      ledger.release(reservation);
      return;
    }
    const usage: ChatUsage = outcome.usage ?? {
      promptTokens: context.promptTokens,
      completionTokens: tokens.weigh(tokens.countMessage(outcome.text), model),
      cachedTokens: 0,
    };
    ledger.settle(reservation, {
      chargedMicros: pricing.chatCost(model, usage),
      inputTokens: usage.promptTokens, cachedTokens: usage.cachedTokens, outputTokens: usage.completionTokens,
    });
  }
}
