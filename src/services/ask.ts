import type { Logger } from '../logger.ts';
import type { ReplyStream } from './discord/replyStream.ts';
import { describeFailure, partialAnswerNotice, t, type Language } from './failureMessages.ts';
import type { HistoryService, Speaker } from './history.ts';
import type { ChatOutcome, ChatService } from './openai/chat.ts';

/** On context_length_exceeded, retry once with this share of the history budget. */
const TRIMMED_HISTORY_SHARE = 0.25;

export interface AskRequest {
  channelId: string;
  isPrivate: boolean;
  speaker: Speaker;
  prompt: string;
  model: string;
  systemPrompt: string;
  language: Language;
  reply: ReplyStream;
  log: Logger;
}

export type AskResult =
  | { ok: true; text: string; outcome: ChatOutcome }
  | { ok: false; reason: 'prompt_too_long' | 'model_failed'; outcome?: ChatOutcome };

/** One question answered: context from history, a streamed model call, the reply shown, history written. */
export class AskService {
  constructor(
    private readonly history: HistoryService,
    private readonly chat: ChatService,
    private readonly maxOutputTokens: number,
  ) {}

  async answer(request: AskRequest): Promise<AskResult> {
    const { log, reply, language, model } = request;
    let outcome = await this.attempt(request, 1);
    if (outcome === 'prompt_too_long') return { ok: false, reason: 'prompt_too_long' };
    if (!outcome.ok && outcome.failure.kind === 'context_too_long' && outcome.partialText === '') {
      log.warn('context too long for the model; retrying once with less history');
      const retry = await this.attempt(request, TRIMMED_HISTORY_SHARE);
      if (retry === 'prompt_too_long') return { ok: false, reason: 'prompt_too_long' };
      outcome = retry;
    }

    if (outcome.ok && outcome.text.trim() !== '') {
      const notice = outcome.finishReason === 'length' ? `\n\n${t('truncated', language)}` : '';
      await reply.finish(outcome.text + notice);
      if (!request.isPrivate) {
        this.history.record({
          channelId: request.channelId, speaker: request.speaker, prompt: request.prompt, answer: outcome.text, model,
          promptTokens: outcome.usage?.promptTokens, completionTokens: outcome.usage?.completionTokens,
        });
      }
      log.debug({ model, usage: outcome.usage }, 'answered');
      return { ok: true, text: outcome.text, outcome };
    }

    if (outcome.ok) {
      await reply.finish(t('emptyAnswer', language));
      return { ok: false, reason: 'model_failed', outcome };
    }
    const { failure, partialText } = outcome;
    if (failure.kind === 'quota') log.error('OpenAI reports insufficient_quota: the account behind OPENAI_API_KEY is out of credit; add credit at platform.openai.com');
    else if (failure.kind === 'auth') log.error('OpenAI rejected OPENAI_API_KEY (401/403)');
    else log.warn({ failure }, 'model call failed');
    const shown = partialText.trim() !== '' ? `${partialText}\n\n${partialAnswerNotice(failure, language, model)}` : describeFailure(failure, language, model);
    await reply.finish(shown);
    return { ok: false, reason: 'model_failed', outcome };
  }

  private async attempt(request: AskRequest, historyShare: number): Promise<ChatOutcome | 'prompt_too_long'> {
    const context = this.history.build({
      channelId: request.isPrivate ? null : request.channelId,
      model: request.model,
      systemPrompt: request.systemPrompt,
      speaker: request.speaker,
      prompt: request.prompt,
      outputReserve: this.maxOutputTokens,
      historyShare,
    });
    if (!context.ok) {
      await request.reply.finish(t('promptTooLong', request.language, { model: request.model, tokens: context.promptTokens, limit: context.limit }));
      return 'prompt_too_long';
    }
    request.log.debug({ promptTokens: context.promptTokens, historyTurns: context.historyTurns }, 'context built');
    return this.chat.stream({ model: request.model, messages: context.messages, maxOutputTokens: this.maxOutputTokens }, (text) => request.reply.update(text));
  }
}
