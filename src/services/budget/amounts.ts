import { MAX_PARSED_USD, parseUsd, type UsdParseError } from '../pricing/index.ts';
import type { Language } from '../failureMessages.ts';

export type AmountResult = { ok: true; micros: number } | { ok: false; message: string };

/** parseUsd explains itself in English; admins reading Traditional Chinese get the same reasons in their language. */
const ZH: Record<UsdParseError, string> = {
  empty: '請輸入美元金額，例如 `5` 或 `0.25`。',
  negative: '金額不能是負數。',
  'not-finite': '這不是金額；請輸入美元數字，例如 `5`。',
  exponent: '請用一般數字寫金額（不要用 `1e3` 這種指數寫法）。',
  separator: '小數點請用英文句點，且不要加千位分隔符號，例如 `1000.50`。',
  'not-a-number': '這不是美元金額；請輸入數字，例如 `5` 或 `0.25`。',
  'too-many-decimals': '最多只能有 6 位小數（一微美元是 $0.000001）。',
  'too-large': `金額最多為 $${MAX_PARSED_USD.toLocaleString('en-US')}。`,
};

const NOTHING_CHANGED: Record<Language, string> = { en: 'Nothing was changed.', 'zh-TW': '沒有做任何變更。' };

/** A typed dollar amount (`0.5`, `$2`, `1.25`) as micro-dollars, or a reason fit to show the admin. */
export function parseAmount(text: string, language: Language): AmountResult {
  const parsed = parseUsd(text);
  if (parsed.ok) return parsed;
  const reason = language === 'zh-TW' ? ZH[parsed.error] : parsed.message;
  const shown = text.trim().slice(0, 40).replace(/`/g, 'ˋ');
  const prefix = shown === '' ? '' : language === 'zh-TW' ? `無法使用金額 \`${shown}\`：` : `I can't use \`${shown}\` as an amount: `;
  return { ok: false, message: `${prefix}${reason} ${NOTHING_CHANGED[language]}` };
}
