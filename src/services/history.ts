import type { HistoryStore, ImageRef } from '../db/history.ts';
import type { MemberHasher } from './budget/shared/memberHash.ts';
import type { Tombstone } from './budget/shared/protocol.ts';
import { HashedAuthors } from './hashedAuthors.ts';
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

/** A question with images goes out as parts (chat completions' `image_url` content parts). */
export type ChatContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string; detail: 'auto' | 'low' | 'high' } };
export type ChatRequestMessage = ChatMessage | { role: 'user'; content: ChatContentPart[] };

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
  /**
   * History stops short of this many prompt tokens (the model's long-context tier, which doubles the whole request's
   * rates); a question that is past it alone gets the history the window allows, as its tier is reached anyway.
   */
  cheapPromptCeiling?: number;
  /** Tokens the question carries besides its text (its images), counted against the context window. */
  extraPromptTokens?: number;
  /** What the question's images may bill (more than their share of the window on some models): counted against cheapPromptCeiling instead. */
  billedExtraTokens?: number;
  /** The most tokens earlier questions' images (newest first) add when sent again or marked: counted against cheapPromptCeiling. */
  pastImageTokens?: (images: readonly ImageRef[]) => number;
  /** The most of the context window the same images take (their share, without billing multipliers): counted against the window. */
  pastImageContextTokens?: (images: readonly ImageRef[]) => number;
}

/** Images of an earlier question in the context: `index` is its message's place in `messages`. */
export interface PastImages {
  index: number;
  images: ImageRef[];
}

export type ContextResult =
  | { ok: true; messages: ChatMessage[]; promptTokens: number; historyTokens: number; historyTurns: number; pastImages: PastImages[] }
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
  /** Images the question carried, stored by reference. */
  images?: readonly ImageRef[];
}

/** Per-channel conversation memory: builds the context that fits the model, records finished exchanges. */
export class HistoryService {
  /** The members with questions here by their /forget-me hash, while a catch-up on missed requests lasts. */
  private readonly hashedAuthors = new HashedAuthors(() => this.store.authors(), () => this.now());

  /**
   * `maxHistoryTokens` (HISTORY_MAX_TOKENS): the most tokens of earlier turns any question is sent with, its earlier
   * images' share of the window included; 0 = none; null = as many as the window and MAX_CONTEXT_TURNS allow.
   */
  constructor(
    private readonly store: HistoryStore,
    private readonly tokens: TokenCounter,
    private readonly now: () => number = Date.now,
    private readonly maxHistoryTokens: number | null = null,
  ) {}

  build(request: ContextRequest): ContextResult {
    const { model } = request;
    const weigh = this.tokens.weigher(model);
    const system: ChatMessage = { role: 'system', content: request.systemPrompt };
    const question: ChatMessage = { role: 'user', content: speakerLine(request.speaker, request.prompt) };
    const fixed = weigh(this.tokens.countMessage(system.content)) + weigh(this.tokens.countMessage(question.content)) + REPLY_PRIMER_TOKENS + (request.extraPromptTokens ?? 0);
    const { contextWindow } = this.tokens.limits(model);
    const available = contextWindow - request.outputReserve;
    if (fixed > available) return { ok: false, reason: 'prompt_too_long', promptTokens: fixed, limit: available };

    // The cheap ceiling counts what is billed: the question's images at their billed count, earlier images as they are added.
    const billedFixed = fixed - (request.extraPromptTokens ?? 0) + (request.billedExtraTokens ?? request.extraPromptTokens ?? 0);
    const cheap = request.cheapPromptCeiling !== undefined && billedFixed <= request.cheapPromptCeiling;
    // The operator's cap and the retry's, beside the window: the smallest wins.
    let budget = Math.min(available - fixed, request.historyTokenCap ?? Number.POSITIVE_INFINITY, this.maxHistoryTokens ?? Number.POSITIVE_INFINITY);
    let cheapLeft = cheap ? request.cheapPromptCeiling! - billedFixed : Number.POSITIVE_INFINITY;
    const history: { message: ChatMessage; weight: number; turnId: number }[] = [];
    let used = 0;
    let pastImages: PastImageCost | undefined;
    let pastImagesInWindow: PastImageCost | undefined;
    // No room for a turn (HISTORY_MAX_TOKENS=0): nothing is read.
    if (request.channelId !== null && budget > 0) {
      // The images' bounds need every turn's images up front (one read of the images alone); the turns themselves are
      // still read only as far as the budget goes.
      const bound = cheap ? request.pastImageTokens : undefined;
      const share = request.pastImageContextTokens;
      if (bound || share) {
        const byTurn = this.store.imagesOfNewest(request.channelId, MAX_CONTEXT_TURNS);
        if (bound) pastImages = new PastImageCost(bound, byTurn);
        // Earlier images sent again take room in the window beside the output allowance: OpenAI refuses a request past it.
        if (share) pastImagesInWindow = new PastImageCost(share, byTurn);
      }
      for (const turn of this.store.newestTurns(request.channelId, MAX_CONTEXT_TURNS)) {
        const weight = weigh(turn);
        const images = pastImages?.added(turn.id) ?? 0;
        const imagesInWindow = pastImagesInWindow?.added(turn.id) ?? 0;
        if (weight + imagesInWindow > budget || weight + images > cheapLeft) break;
        pastImages?.keep(turn.id, images);
        pastImagesInWindow?.keep(turn.id, imagesInWindow);
        budget -= weight + imagesInWindow;
        cheapLeft -= weight + images;
        used += weight;
        const content = turn.role === 'user' && turn.authorName ? `${turn.authorName}: ${turn.content}` : turn.content;
        history.push({ message: { role: turn.role, content }, weight, turnId: turn.id });
      }
    }
    // A context that starts with an orphaned answer confuses the model; drop it.
    if (history.at(-1)?.message.role === 'assistant') used -= history.pop()!.weight;
    history.reverse();
    const turns = history.map((h) => h.message);
    // The bounds read every turn's images already; else only the kept questions' are read.
    const images = (pastImages ?? pastImagesInWindow)?.byTurn ?? this.store.imagesOf(history.filter((h) => h.message.role === 'user').map((h) => h.turnId));
    const kept = history.flatMap((h, n) => (images.has(h.turnId) ? [{ index: n + 1, images: images.get(h.turnId)! }] : []));
    return { ok: true, messages: [system, ...turns, question], promptTokens: fixed + used, historyTokens: used, historyTurns: turns.length, pastImages: kept };
  }

  record(exchange: ExchangeRecord): void {
    const createdAt = this.now();
    this.store.addExchange([
      {
        channelId: exchange.channelId, role: 'user', authorId: exchange.speaker.id, authorName: exchange.speaker.name,
        content: exchange.prompt, ...this.tokens.countMessage(speakerLine(exchange.speaker, exchange.prompt)), createdAt, images: exchange.images,
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

  /**
   * /forget-me: a member's questions and the bot's answers to them, everywhere; nobody else's turns. From another
   * host, `through` is when they asked: the questions they stored here since (and their answers) stay.
   */
  forget(userId: string, through?: number): { questions: number; answers: number } {
    return this.store.deleteAuthor(userId, through);
  }

  /**
   * /forget-me requests this host missed, known only by a keyed hash of the member's ID (see
   * budget/shared/events.ts): each member with turns here is hashed once per catch-up (see HashedAuthors), and a
   * match deletes what that member stored at or before the request. Returns how many members matched.
   */
  forgetTombstones(tombstones: readonly Tombstone[], hash: MemberHasher): number {
    // The newest request of a member covers their earlier ones.
    const through = new Map<string, number>();
    for (const { member, at } of tombstones) through.set(member, Math.max(at, through.get(member) ?? at));
    if (through.size === 0) return 0;
    const authorOf = this.hashedAuthors.lookup(hash, Math.max(...through.values()));
    let matched = 0;
    for (const [member, at] of through) {
      const authorId = authorOf(member);
      if (authorId === undefined) continue;
      this.store.deleteAuthor(authorId, at);
      matched += 1;
    }
    return matched;
  }
}

/** What earlier questions' images add to the prompt as the history grows, newest turn first (by the bound it is given). */
class PastImageCost {
  private readonly kept: ImageRef[] = [];
  private tokens = 0;

  constructor(private readonly bound: (images: readonly ImageRef[]) => number, readonly byTurn: Map<number, ImageRef[]>) {}

  /** The tokens this turn's images add to those of the newer turns kept. */
  added(turnId: number): number {
    const images = this.byTurn.get(turnId);
    return images ? this.bound([...this.kept, ...images]) - this.tokens : 0;
  }

  /** The turn is in the history: `added` (what added() said for it) now counts. */
  keep(turnId: number, added: number): void {
    this.tokens += added;
    this.kept.push(...(this.byTurn.get(turnId) ?? []));
  }
}
