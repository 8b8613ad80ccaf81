import { ActionRowBuilder, ButtonBuilder, ButtonStyle } from 'discord.js';
import type { MessageComponents, ReplyStream } from '../discord/replyStream.ts';
import { catalogue, type CatalogueLanguage } from '../i18n.ts';
import { outputAllowanceWithin, type OutputLimits } from '../outputAllowance.ts';
import type { ReasoningModels } from './models.ts';
import type { ReasoningStore } from './store.ts';
import { ThinkingLine } from './thinkingLine.ts';

/** custom_id of "Show reasoning": the /ask command's buttons (the dispatcher routes by the part before the first colon). */
export const SHOW_REASONING_PREFIX = 'ask:reasoning:';

const text = catalogue<'thinking' | 'showButton'>('reasoning');

/** Reasoning models and local models' thinking, for the answer pipeline: allowance, progress line, kept thinking. */
export class ReasoningService {
  constructor(
    readonly models: ReasoningModels,
    readonly kept: ReasoningStore,
    /** REASONING_MAX_OUTPUT_TOKENS: a reasoning model's hidden thinking and its answer share one allowance. */
    private readonly reasoningMaxOutputTokens: number,
    /** The model's window and output maximum, which bound every allowance. */
    private readonly limits: OutputLimits,
  ) {}

  /**
   * The output allowance for a model: reasoning models get theirs, every other model the usual one (or `atLeast`
   * when more), within the model's own output maximum and leaving room for a prompt in its window.
   */
  outputAllowance(model: string, ordinary: number, atLeast = 0): number {
    const wanted = Math.max(this.models.profile(model) ? this.reasoningMaxOutputTokens : ordinary, atLeast);
    return outputAllowanceWithin(wanted, this.limits.contextWindow(model), this.limits.maxOutputTokens(model));
  }

  /** The "thinking… N s" line for one answer, already waiting if the model thinks silently. */
  thinkingLine(model: string, reply: ReplyStream, language: CatalogueLanguage): ThinkingLine {
    const line = new ThinkingLine((shown) => reply.showStatus(shown), (seconds) => text('thinking', language, { seconds }));
    if (this.models.profile(model)) line.expectSilentThinking();
    return line;
  }

  /** Keeps an answer's thinking and returns its "Show reasoning" button; nothing when there was no thinking. */
  showButton(reasoning: string | undefined, language: CatalogueLanguage): MessageComponents | undefined {
    if (!reasoning?.trim()) return undefined;
    const key = this.kept.keep(reasoning.trim());
    const button = new ButtonBuilder().setCustomId(`${SHOW_REASONING_PREFIX}${key}`).setLabel(text('showButton', language)).setStyle(ButtonStyle.Secondary).setEmoji('💭');
    return [new ActionRowBuilder<ButtonBuilder>().addComponents(button).toJSON()];
  }
}
