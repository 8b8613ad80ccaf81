/** Dollar amounts as people read and type them (Discord messages, /budget), to and from micro-dollars. */
import { MICROS_PER_USD } from './units.ts';

/** Largest amount /budget accepts: a bigger number is a typo (or a test of the bot), never a real limit. */
export const MAX_PARSED_USD = 1_000_000;

/**
 * `$0.0123`, `$2.50`, `$1,234.00`, `-$0.10`: at least 2 decimals, at most 6 (one micro-dollar),
 * trailing zeros trimmed beyond the second. Done on integers so no float ever rounds a cent away.
 */
export function formatUsd(micros: number): string {
  if (!Number.isSafeInteger(micros)) throw new RangeError(`formatUsd expects integer micro-dollars (got ${micros})`);
  const abs = Math.abs(micros);
  const dollars = Math.floor(abs / MICROS_PER_USD);
  const fraction = String(abs % MICROS_PER_USD).padStart(6, '0').replace(/0{1,4}$/, '');
  const grouped = String(dollars).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${micros < 0 ? '-' : ''}$${grouped}.${fraction}`;
}

export type UsdParseError =
  | 'empty'
  | 'negative'
  | 'not-finite'
  | 'exponent'
  | 'separator'
  | 'not-a-number'
  | 'too-many-decimals'
  | 'too-large';

export type UsdParseResult = { ok: true; micros: number } | { ok: false; error: UsdParseError; message: string };

const fail = (error: UsdParseError, message: string): UsdParseResult => ({ ok: false, error, message });

/**
 * Parses a typed dollar amount (`0.5`, `$2`, ` 3 `, `0`) into micro-dollars with string arithmetic,
 * so `0.1` is exactly 100000. Every rejection carries a message fit to show the admin.
 */
export function parseUsd(text: string): UsdParseResult {
  let s = text.trim();
  if (s.startsWith('$')) s = s.slice(1).trim();
  if (/^[-\u2212]/.test(s)) return fail('negative', 'The amount must not be negative.');
  if (s === '') return fail('empty', 'Enter an amount in US dollars, e.g. `5` or `0.25`.');
  if (/^[+]?(nan|inf|infinity)$/i.test(s)) return fail('not-finite', `\`${s}\` is not an amount; enter a number of dollars such as \`5\`.`);
  if (/^\d*\.?\d*e[+-]?\d*$/i.test(s)) return fail('exponent', 'Write the amount in plain digits (no exponent such as `1e3`).');
  if (/^[\d.,]+$/.test(s) && s.includes(',')) {
    return fail('separator', 'Use a dot for decimals and no thousands separators, e.g. `1000.50`.');
  }
  const match = /^(\d*)(?:\.(\d*))?$/.exec(s);
  if (!match || !/\d/.test(s)) return fail('not-a-number', `\`${s}\` is not a dollar amount; enter a number such as \`5\` or \`0.25\`.`);
  const whole = (match[1] ?? '').replace(/^0+/, '');
  // Trailing zeros carry no value, so `1.5000000` is as good as `1.5`.
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  if (fraction.length > 6) return fail('too-many-decimals', 'Use at most 6 decimal places (one micro-dollar is $0.000001).');
  // Written only when refused: the first toLocaleString loads ICU's locale data (~16 ms), and config.ts parses amounts at start-up.
  const tooLarge = () => fail('too-large', `The amount must be at most $${MAX_PARSED_USD.toLocaleString('en-US')}.`);
  if (whole.length > String(MAX_PARSED_USD).length) return tooLarge();
  const micros = Number(whole || '0') * MICROS_PER_USD + Number(fraction.padEnd(6, '0'));
  if (micros > MAX_PARSED_USD * MICROS_PER_USD) return tooLarge();
  return { ok: true, micros };
}
