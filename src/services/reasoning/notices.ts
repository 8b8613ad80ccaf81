import { catalogue, type CatalogueLanguage } from '../i18n.ts';

const text = catalogue<'spentThinking'>('reasoning');

/** A reasoning model that reached its output limit while still thinking: nothing was written to show. */
export function spentThinkingNotice(language: CatalogueLanguage, tokens: number): string {
  return text('spentThinking', language, { tokens });
}
