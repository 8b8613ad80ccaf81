import type { Logger } from '../../logger.ts';
import type { Ledger, Payer, Refusal } from '../budget/ledger.ts';
import type { ChatRequestMessage } from '../history.ts';
import type { Pricing } from '../pricing/index.ts';
import type { TokenCounter } from '../tokens.ts';
import type { ChatOutcome, ChatService, ChatUsage } from './chat.ts';
import { logModelFailure } from './failures.ts';

/** Our prompt count can differ from the server's by a few percent (framing, tokenizer versions): reserve for it. */
export const PROMPT_COUNT_MARGIN = 1.1;

export interface PaidChatRequest {
  payer: Payer;
  /** The ledger's name for what was used (`ask`, `mention`, `translate`…). */
  command: string;
  model: string;
  messages: ChatRequestMessage[];
  /** Our count of `messages`, used for the reservation and when a server reports no usage. */
  promptTokens: number;
  maxOutputTokens: number;
  log: Logger;
}

export type PaidChatResult = { ok: true; outcome: ChatOutcome } | { ok: false; refusal: Refusal };

export interface PaidChatDependencies {
  chat: ChatService;
  ledger: Ledger;
  pricing: Pricing;
  tokens: TokenCounter;
}

/** A streamed chat call that goes through the ledger: worst case reserved, what was billed charged (partial output too). */
export class PaidChat {
  constructor(private readonly deps: PaidChatDependencies) {}

  async stream(request: PaidChatRequest, onText: (text: string) => void): Promise<PaidChatResult> {
    const { chat, ledger, pricing } = this.deps;
    const { model, log } = request;
    const paid = await ledger.pay(
      request.payer,
      { command: request.command, model, worstCaseMicros: pricing.chatWorstCase(model, Math.ceil(request.promptTokens * PROMPT_COUNT_MARGIN), request.maxOutputTokens) },
      () => chat.stream({ model, messages: request.messages, maxOutputTokens: request.maxOutputTokens }, onText),
      (outcome) => {
        const usage = this.billed(request, outcome);
        if (!usage) return null;
        return { chargedMicros: pricing.chatCost(model, usage), inputTokens: usage.promptTokens, cachedTokens: usage.cachedTokens, outputTokens: usage.completionTokens };
      },
    );
    if (!paid.ok) {
      log.info({ refusal: paid.refusal }, 'refused: over budget');
      return paid;
    }
    if (!paid.result.ok) logModelFailure(log, paid.result.failure, `${request.command} model call`);
    return { ok: true, outcome: paid.result };
  }

  /**
   * What the service billed: its own usage when it sent one; else our count. A stream that failed after
   * text arrived (timeout, cut connection, content filter) was billed for the prompt and that text;
   * a call that failed before any text, without usage, was not.
   */
  private billed(request: PaidChatRequest, outcome: ChatOutcome): ChatUsage | null {
    if (outcome.usage) return outcome.usage;
    // Thinking a server streamed beside the answer is billed as output too.
    if (outcome.ok) return this.estimate(request, outcome.reasoning ? `${outcome.reasoning}\n${outcome.text}` : outcome.text);
    return outcome.partialText === '' ? null : this.estimate(request, outcome.partialText);
  }

  /** Some compatible servers send no usage: charge our own count of what went in and came out. */
  private estimate(request: PaidChatRequest, answer: string): ChatUsage {
    const { tokens } = this.deps;
    return { promptTokens: request.promptTokens, completionTokens: tokens.weigh(tokens.countMessage(answer), request.model), cachedTokens: 0 };
  }
}
