import { findLanguage } from './languages.ts';

/** What the model answered, read with the protocol described in prompt.ts. */
export type TranslationReply =
  | { kind: 'translated'; sourceName: string; sourceCode: string | undefined; text: string }
  | { kind: 'same-language'; text?: string }
  /** The model ignored the format (or gave no translation); `text` is its whole answer, for the caller to show or reject. */
  | { kind: 'unparsed'; text: string };

// Models decorate the header: "**SOURCE:** Japanese | ja", "Source\uFF1AJapanese (ja)" (a full-width colon), "`SAME`".
// Full-width punctuation is written as \u escapes: source files carry no CJK text.
const HEADER = /^[\s*_`#>]*source[\s*_`]*[:\uFF1A]\s*(.*)$/i;
const SAME = /^[\s*_`#>"'\u300C]*same[\s*_`.!"'\u300D]*$/i;
// The em dash as \u2014: esbuild leaves regular expressions as written, and one character past Latin-1 makes V8 keep the whole bundle chunk at two bytes a character.
const SEPARATOR = /^\s*(?:-{3,}|\u2014{2,}|={3,}|\*{3,})\s*$/;
/** The delimiter lines of the request (see textDelimiters), in case the model echoes them. */
const ECHOED_DELIMITER = /^\s*<<<(?:BEGIN|END) TEXT(?: \d+)?>>>\s*$/;
const LANGUAGE_CODE = /^[a-z]{2,3}(?:-[a-z0-9]{2,8})*$/i;

/** A reply wrapped whole in a code fence is unwrapped, but only if the protocol is inside, so real code is left alone. */
function unwrapFence(reply: string): string {
  const fenced = /^(`{3,}|~{3,})[^\n]*\n([\s\S]*?)\n?\1\s*$/.exec(reply);
  const inner = fenced?.[2];
  return inner !== undefined && /^\s*[*_`]*(?:source\b|same\b)/i.test(inner) ? inner : reply;
}

/** The translation after the header: blank lines and one separator line skipped, trailing space trimmed. */
function bodyAfter(lines: string[]): string {
  let start = 0;
  while (start < lines.length && lines[start]?.trim() === '') start++;
  if (start < lines.length && SEPARATOR.test(lines[start] ?? '')) start++;
  return lines.slice(start).join('\n').replace(/^(?:[ \t]*\n)+/, '').trimEnd();
}

/** "Japanese | ja", "Japanese (ja)", "Japanese", "ja" → name and code, filling a missing half from the catalogue. */
function readSource(value: string): { sourceName: string; sourceCode: string | undefined } | undefined {
  const cleaned = value.replace(/[*_`"<>[\]]/g, '').trim();
  const parts = /^(.*?)\s*[|\uFF5C]\s*(.*)$/.exec(cleaned) ?? /^(.*?)\s*[(\uFF08]\s*([^()\uFF08\uFF09]*?)\s*[)\uFF09]$/.exec(cleaned);
  let name = (parts ? parts[1] : cleaned)?.trim() ?? '';
  let code: string | undefined = (parts?.[2] ?? '').trim();
  if (!parts && LANGUAGE_CODE.test(name) && findLanguage(name)) {
    code = name; // the model gave only a code
    name = '';
  }
  code = code && LANGUAGE_CODE.test(code) ? code : findLanguage(name)?.id;
  if (!name) name = (code && findLanguage(code)?.english) ?? code ?? '';
  return name ? { sourceName: name, sourceCode: code } : undefined;
}

export function parseTranslationReply(reply: string): TranslationReply {
  const whole = reply.replace(/\r\n?/g, '\n').trim();
  const lines = unwrapFence(whole)
    .split('\n')
    .filter((line) => !ECHOED_DELIMITER.test(line));
  while (lines.length > 0 && lines[0]?.trim() === '') lines.shift();
  const header = lines.shift() ?? '';
  const body = bodyAfter(lines);
  const source = HEADER.exec(header)?.[1];

  if (SAME.test(header) || (source !== undefined && SAME.test(source))) return body ? { kind: 'same-language', text: body } : { kind: 'same-language' };
  const read = source === undefined ? undefined : readSource(source);
  // No header, or a header with no translation under it: nothing trustworthy to show as a translation.
  if (!read || !body) return { kind: 'unparsed', text: whole.split('\n').filter((line) => !ECHOED_DELIMITER.test(line)).join('\n').trim() };
  return { kind: 'translated', ...read, text: body };
}
