import { MAX_PARSED_USD, parseUsd } from '../pricing/index.ts';
import type { CatalogueLanguage } from '../i18n.ts';
import { budgetText } from './format.ts';

export type AmountResult = { ok: true; micros: number } | { ok: false; message: string };

/** A typed amount is echoed as inline code: cut short, its backticks replaced so the code span holds. */
const shownInput = (text: string) => text.trim().slice(0, 40).replace(/`/g, 'ˋ');

/** A typed dollar amount (`0.5`, `$2`, `1.25`) as micro-dollars, or a reason fit to show the admin in their language. */
export function parseAmount(text: string, language: CatalogueLanguage): AmountResult {
  const parsed = parseUsd(text);
  if (parsed.ok) return parsed;
  const shown = shownInput(text);
  // parseUsd's own reasons are English for logs and files; the admin reads the catalogue's.
  const reason = budgetText(`amount.${parsed.error}`, language, { input: shownInput(text.trim().replace(/^\$/, '')), max: MAX_PARSED_USD.toLocaleString('en-US') });
  return { ok: false, message: shown === '' ? budgetText('amount.invalidEmpty', language, { reason }) : budgetText('amount.invalid', language, { shown, reason }) };
}
