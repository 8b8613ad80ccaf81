import { catalogue, type CatalogueLanguage } from '../i18n.ts';

const text = catalogue<'spentThinking' | 'spentThinkingDm'>('reasoning');

/** A reasoning model that reached its output limit while still thinking: nothing was written to show. In a DM no admin can lower the effort. */
export function spentThinkingNotice(language: CatalogueLanguage, tokens: number, dm = false): string {
  return text(dm ? 'spentThinkingDm' : 'spentThinking', language, { tokens });
}
