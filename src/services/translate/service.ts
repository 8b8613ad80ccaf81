import type { Lifecycle } from '../lifecycle.ts';
import type { Logger } from '../../logger.ts';
import type { Payer, Refusal } from '../budget/ledger.ts';
import type { ChatMessage } from '../history.ts';
import type { PaidChat } from '../openai/paidChat.ts';
import type { ModelChooser, ModelFailure } from '../openai/failures.ts';
import { REPLY_PRIMER_TOKENS, type TokenCounter } from '../tokens.ts';
import type { ReasoningEffort } from '../reasoning/models.ts';
import type { ReasoningService } from '../reasoning/service.ts';
import { findLanguage, type Language } from './languages.ts';
import { parseTranslationReply, prepareTranslation } from './prompt.ts';

/** Scripts such as Thai, Hindi or Burmese can take about 3× the tokens of the same words in English. */
const OUTPUT_EXPANSION = 3;
/** The reply protocol's `SOURCE:` header and separator lines. */
const HEADER_TOKENS = 32;

export interface TranslateRequest {
  text: string;
  target: Language;
  model: string;
  payer: Payer;
  /** The ledger's name for what was used. */
  command: string;
  /** The channel's `/settings reasoning-effort`, for the models that take one. */
  reasoningEffort?: ReasoningEffort;
  /** Who can choose another model, for the reply when this one can't be used (a DM: the operator's DEFAULT_MODEL). */
  modelSetBy?: ModelChooser;
  log: Logger;
}

export interface SourceLanguage {
  name: string;
  code: string | undefined;
}

export type TranslateOutcome =
  | { kind: 'translated'; text: string; source: SourceLanguage | undefined; truncated: boolean; missingCode: string[] }
  | { kind: 'same-language' }
  | { kind: 'nothing-to-translate' }
  | { kind: 'empty' }
  | { kind: 'too-long'; tokens: number; limit: number }
  | { kind: 'over-budget'; refusal: Refusal }
  | { kind: 'failed'; failure: ModelFailure };

export interface TranslateDependencies {
  paidChat: PaidChat;
  tokens: TokenCounter;
  /** MAX_OUTPUT_TOKENS: the least room a translation gets. */
  maxOutputTokens: number;
  /**
   * The output allowance, as in /ask: reasoning models spend output tokens thinking (REASONING_MAX_OUTPUT_TOKENS), and
   * every model's is kept within its own output maximum and window. Required: without it a model with a small window or
   * output maximum would be asked for more than it takes.
   */
  reasoning: Pick<ReasoningService, 'outputAllowance'>;
  /** Where calls in progress are registered, so a stop ends them and they are settled before the database closes. */
  lifecycle?: Lifecycle;
}

/** One translation: code masked, budget reserved, one model call, code restored, the reply read. */
export class TranslateService {
  constructor(private readonly deps: TranslateDependencies) {}

  async translate(request: TranslateRequest): Promise<TranslateOutcome> {
    const { deps } = this;
    const { model, log } = request;
    const prepared = prepareTranslation(request.text, request.target);
    if (!prepared.translatable) return { kind: 'nothing-to-translate' };
    // Said before the text is weighed against a window the model will never use (Responses-only, unpriced).
    const unusable = deps.paidChat.notSent(model, request.modelSetBy, log);
    if (unusable) return { kind: 'failed', failure: unusable };

    const promptTokens = this.count(prepared.messages, model);
    const textTokens = this.count(prepared.messages.slice(-1), model) - REPLY_PRIMER_TOKENS;
    const window = deps.tokens.limits(model).contextWindow;
    const allowance = (atLeast: number) => deps.reasoning.outputAllowance(model, deps.maxOutputTokens, atLeast);
    const maxOutputTokens = Math.min(allowance(textTokens * OUTPUT_EXPANSION + HEADER_TOKENS), window - promptTokens);
    // No room for even a same-length translation: say so instead of paying for a cut-off answer.
    if (maxOutputTokens < textTokens + HEADER_TOKENS) {
      // The longest text whose same-length translation fits both the window (beside the text itself) and the most output the model may write.
      const fits = Math.min(Math.floor((window - (promptTokens - textTokens) - HEADER_TOKENS) / 2), allowance(Number.POSITIVE_INFINITY) - HEADER_TOKENS);
      return { kind: 'too-long', tokens: textTokens, limit: Math.max(0, fits) };
    }

    // A stop ends the call at once (a reasoning model may think silently for minutes), so it is charged now,
    // not left open for the next start to charge its whole reservation. The dispatcher tells the member the bot restarted.
    const stopping = new AbortController();
    const done = deps.lifecycle?.answering(async () => stopping.abort());
    const paid = await deps.paidChat.stream(
      { payer: request.payer, command: request.command, model, messages: prepared.messages, promptTokens, maxOutputTokens, reasoningEffort: request.reasoningEffort, signal: stopping.signal, log, modelSetBy: request.modelSetBy },
      // Not shown while it streams: the reply's header has to be read before anything can be shown.
      () => undefined,
    ).finally(() => done?.());
    if (!paid.ok) return { kind: 'over-budget', refusal: paid.refusal };
    const { outcome } = paid;
    if (!outcome.ok) return { kind: 'failed', failure: outcome.failure };
    return this.read(outcome.text, request, prepared.restore, outcome.finishReason === 'length');
  }

  private count(messages: ChatMessage[], model: string): number {
    const { tokens } = this.deps;
    return messages.reduce((sum, message) => sum + tokens.weigh(tokens.countMessage(message.content), model), REPLY_PRIMER_TOKENS);
  }

  private read(answer: string, request: TranslateRequest, restore: ReturnType<typeof prepareTranslation>['restore'], truncated: boolean): TranslateOutcome {
    const reply = parseTranslationReply(answer);
    if (reply.kind === 'same-language') return { kind: 'same-language' };
    // A model that ignored the format most often still answered with the translation alone: show it without a source.
    const body = reply.text.trim();
    if (!body) return { kind: 'empty' };
    const restored = restore(reply.kind === 'translated' ? reply.text : body);
    const source = reply.kind === 'translated' ? { name: reply.sourceName, code: reply.sourceCode } : undefined;
    const sourceLanguage = source && (findLanguage(source.code ?? '') ?? findLanguage(source.name));
    // "Translated" from the target language into itself with nothing changed is the same-language case in disguise.
    if (sourceLanguage?.id === request.target.id && restored.text.trim() === request.text.trim()) return { kind: 'same-language' };
    return { kind: 'translated', text: restored.text, source, truncated, missingCode: restored.missing };
  }
}
