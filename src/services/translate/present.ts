import type { RepliableInteraction } from 'discord.js';
import { replyPrivately, replyRefused } from '../discord/privateReply.ts';
import { InteractionSink } from '../discord/sinks.ts';
import { describeFailure, t } from '../failureMessages.ts';
import { type CatalogueLanguage } from '../i18n.ts';
import { closeOpenFence, splitMessage } from '../messageSplitter.ts';
import type { Language } from './languages.ts';
import { missingCodeNote, nothingToTranslateText, sameLanguageText, translationHeader } from './messages.ts';
import type { TranslateOutcome } from './service.ts';

export interface PresentOptions {
  target: Language;
  ui: CatalogueLanguage;
  model: string;
}

/** The whole reply for a translation: header, text, then any notes (a code fence left open is closed first). */
export function translationText(outcome: Extract<TranslateOutcome, { kind: 'translated' }>, target: Language, ui: CatalogueLanguage): string {
  const notes: string[] = [];
  if (outcome.truncated) notes.push(t('truncated', ui));
  if (outcome.missingCode.length > 0) notes.push(missingCodeNote(ui), ...outcome.missingCode);
  const body = notes.length > 0 ? closeOpenFence(outcome.text.trimEnd()) : outcome.text.trimEnd();
  return [`${translationHeader(outcome.source, target, ui)}\n${body}`, ...notes].join('\n\n');
}

/**
 * Shows a translation in the deferred reply, split over follow-ups past 2,000 characters, mentions off.
 * Anything else (same language, nothing to translate, over budget, a failure) only the invoker sees.
 */
export async function showTranslation(interaction: RepliableInteraction, outcome: TranslateOutcome, options: PresentOptions): Promise<void> {
  const { ui, target, model } = options;
  switch (outcome.kind) {
    case 'translated': {
      // Follow-ups are as private as the deferred reply they continue.
      const sink = new InteractionSink(interaction, interaction.ephemeral === true);
      for (const [index, chunk] of splitMessage(translationText(outcome, target, ui)).entries()) await sink.write(index, chunk);
      return;
    }
    case 'same-language': return replyPrivately(interaction, sameLanguageText(target, ui));
    case 'nothing-to-translate': return replyPrivately(interaction, nothingToTranslateText(ui));
    case 'empty': return replyPrivately(interaction, t('emptyAnswer', ui));
    case 'too-long': return replyPrivately(interaction, t('promptTooLong', ui, { model, tokens: outcome.tokens, limit: outcome.limit }));
    case 'over-budget': return replyRefused(interaction, outcome.refusal, ui);
    case 'failed': return replyPrivately(interaction, describeFailure(outcome.failure, ui, model));
  }
}
