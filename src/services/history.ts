import type { HistoryStore } from '../db/history.ts';
import { REPLY_PRIMER_TOKENS, type TokenCounter } from './tokens.ts';

/**
 * Upper bound on stored turns read per ask (100 exchanges): a busy channel's ask stays one small
 * query, and older chatter rarely helps an answer as much as it costs in tokens.
 */
export const MAX_CONTEXT_TURNS = 200;

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface Speaker {
  id: string;
  name: string;
}

export interface ContextRequest {
  /** null for private asks: they neither read nor write the channel's history. */
  channelId: string | null;
  model: string;
  systemPrompt: string;
  speaker: Speaker;
  prompt: string;
  outputReserve: number;
  /** At most this many tokens of history; the context-too-long retry asks for less than it sent. */
  historyTokenCap?: number;
}

export type ContextResult =
  | { ok: true; messages: ChatMessage[]; promptTokens: number; historyTokens: number; historyTurns: number }
  | { ok: false; reason: 'prompt_too_long'; promptTokens: number; limit: number };

/** The model sees who is speaking in a busy channel through this prefix. */
export function speakerLine(speaker: Speaker, text: string): string {
  return `${speaker.name}: ${text}`;
}

export interface ExchangeRecord {
  channelId: string;
  speaker: Speaker;
  prompt: string;
  answer: string;
  model: string;
  promptTokens?: number;
  completionTokens?: number;
}

/** Per-channel conversation memory: builds the context that fits the model, records finished exchanges. */
export class HistoryService {
  constructor(
    private readonly store: HistoryStore,
    private readonly tokens: TokenCounter,
    private readonly now: () => number = Date.now,
  ) {}

  build(request: ContextRequest): ContextResult {
    const { model } = request;
    const weigh = this.tokens.weigher(model);
    const system: ChatMessage = { role: 'system', content: request.systemPrompt };
    const question: ChatMessage = { role: 'user', content: speakerLine(request.speaker, request.prompt) };
    const fixed = weigh(this.tokens.countMessage(system.content)) + weigh(this.tokens.countMessage(question.content)) + REPLY_PRIMER_TOKENS;
    const { contextWindow } = this.tokens.limits(model);
    const available = contextWindow - request.outputReserve;
    if (fixed > available) return { ok: false, reason: 'prompt_too_long', promptTokens: fixed, limit: available };

    let budget = Math.min(available - fixed, request.historyTokenCap ?? Number.POSITIVE_INFINITY);
    const history: { message: ChatMessage; weight: number }[] = [];
    let used = 0;
    if (request.channelId !== null) {
      for (const turn of this.store.newestTurns(request.channelId, MAX_CONTEXT_TURNS)) {
        const weight = weigh(turn);
        if (weight > budget) break;
        budget -= weight;
        used += weight;
        const content = turn.role === 'user' && turn.authorName ? `${turn.authorName}: ${turn.content}` : turn.content;
        history.push({ message: { role: turn.role, content }, weight });
      }
    }
    // A context that starts with an orphaned answer confuses the model; drop it.
    if (history.at(-1)?.message.role === 'assistant') used -= history.pop()!.weight;
    const turns = history.reverse().map((h) => h.message);
    return { ok: true, messages: [system, ...turns, question], promptTokens: fixed + used, historyTokens: used, historyTurns: turns.length };
  }

  record(exchange: ExchangeRecord): void {
    const createdAt = this.now();
    this.store.addExchange([
      {
        channelId: exchange.channelId, role: 'user', authorId: exchange.speaker.id, authorName: exchange.speaker.name,
        content: exchange.prompt, ...this.tokens.countMessage(speakerLine(exchange.speaker, exchange.prompt)), createdAt,
      },
      {
        channelId: exchange.channelId, role: 'assistant', content: exchange.answer, ...this.tokens.countMessage(exchange.answer),
        model: exchange.model, promptTokens: exchange.promptTokens, completionTokens: exchange.completionTokens, createdAt,
      },
    ]);
  }

  reset(channelId: string): number {
    return this.store.clearChannel(channelId);
  }

  /** Questions this member has stored, in every channel and DM (each with the answer to it). */
  storedBy(userId: string): number {
    return this.store.countQuestionsBy(userId);
  }

  /** /forget-me: a member's questions and the bot's answers to them, everywhere; nobody else's turns. */
  forget(userId: string): { questions: number; answers: number } {
    return this.store.deleteAuthor(userId);
  }
}
