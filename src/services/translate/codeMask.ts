/**
 * Hides code from the translation model and puts it back afterwards, byte for byte.
 *
 * Masking is on by default for both fenced blocks and inline code spans because:
 * - code must come back exactly, and models asked to "keep code" still translate comments and
 *   string literals, re-indent, or "fix" identifiers now and then; a placeholder cannot be altered;
 * - code is often most of a pasted message, so not sending it (and not paying for it to be echoed
 *   back as output tokens) makes translations cheaper and faster;
 * - in chat, inline code marks commands, names and literal strings, which should stay as written.
 * The cost is that the model cannot read the code for context, which a translation rarely needs.
 */

export interface MaskedText {
  /** The text with every code span replaced by a placeholder such as ⟦CODE0⟧. */
  masked: string;
  /** The code spans, in order; codes[i] is what ⟦CODEi⟧ stands for. */
  codes: readonly string[];
  /** Puts the code back into the model's translation of `masked`. */
  restore(translated: string): RestoredText;
}

export interface RestoredText {
  text: string;
  /** Code spans whose placeholder the model dropped, in their original order, so the caller can append them or fall back. */
  missing: string[];
}

/** Shape of the placeholders; `tag` is chosen so it never occurs in the user's own text. */
function placeholderPattern(tag: string): RegExp {
  // Tolerates what models do to placeholders: inner spaces, a changed case, wrapping them in backticks.
  return new RegExp(`(\`?)⟦\\s*${tag}\\s*(\\d+)\\s*⟧\\1`, 'giu');
}

/** A tag that does not already appear in the text, so a user's literal "⟦CODE0⟧" is never mistaken for ours. */
function freshTag(text: string): string {
  let tag = 'CODE';
  while (text.toUpperCase().includes(`⟦${tag}`)) tag += 'X';
  return tag;
}

/** Finds the next run of exactly `length` backticks at or after `from`; returns its start or -1. */
function nextRun(text: string, from: number, length: number): number {
  const runs = /`+/g;
  runs.lastIndex = from;
  for (let run = runs.exec(text); run; run = runs.exec(text)) {
    if (run[0].length === length) return run.index;
  }
  return -1;
}

/** Where the code span that starts with a run of `length` backticks at `start` ends (exclusive), or -1 if it is not code. */
function spanEnd(text: string, start: number, length: number): number {
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const lineEnd = text.indexOf('\n', start) === -1 ? text.length : text.indexOf('\n', start);
  const isFence = length >= 3 && /^ {0,3}$/.test(text.slice(lineStart, start)) && !text.slice(start + length, lineEnd).includes('`');
  // Discord closes a span (or a block, as in "```js\ncode```") at the next run of the same length;
  // a fence also closes at a line holding only a longer run (CommonMark). The earlier close wins.
  const run = nextRun(text, start + length, length);
  let close = run === -1 ? -1 : run + length;
  if (isFence) {
    const closer = new RegExp(`\\n {0,3}\`{${length},}(?=[ \\t]*(?:\\r?\\n|$))`, 'g');
    closer.lastIndex = lineEnd;
    const line = closer.exec(text);
    if (line && (close === -1 || line.index < run)) close = line.index + line[0].length;
  }
  if (close !== -1) return close;
  // An unclosed fence is probably pasted code that lost its closer; leaving it untranslated is the safe side.
  return isFence ? text.length : -1;
}

/** Replaces fenced code blocks and inline code spans with placeholders (Discord rules: backticks only, `\`` escapes). */
export function maskCode(text: string): MaskedText {
  const tag = freshTag(text);
  const codes: string[] = [];
  let masked = '';
  let copied = 0;
  const runs = /`+/g;
  for (let run = runs.exec(text); run; run = runs.exec(text)) {
    if (text[run.index - 1] === '\\') continue; // an escaped backtick is literal text
    const end = spanEnd(text, run.index, run[0].length);
    if (end === -1) continue;
    masked += `${text.slice(copied, run.index)}⟦${tag}${codes.length}⟧`;
    codes.push(text.slice(run.index, end));
    copied = end;
    runs.lastIndex = end;
  }
  masked += text.slice(copied);

  const restore = (translated: string): RestoredText => {
    const seen = new Set<number>();
    const restored = translated.replace(placeholderPattern(tag), (whole: string, _tick: string, digits: string) => {
      const index = Number(digits);
      const code = codes[index];
      if (code === undefined) return whole; // a placeholder the model invented: nothing to put back
      seen.add(index);
      // A duplicated placeholder gets the code again: repeating a name is less harmful than a hole in a sentence.
      return code;
    });
    return { text: restored, missing: codes.filter((_, index) => !seen.has(index)) };
  };
  return { masked, codes, restore };
}

/** True when the masked text still holds words once placeholders, mentions, custom emoji and links are removed. */
export function hasTranslatableText(masked: string): boolean {
  const stripped = masked
    .replace(/\u27E6\s*CODEX*\s*\d+\s*\u27E7/giu, ' ') // ⟦CODE0⟧, escaped: see SEPARATOR in reply.ts
    .replace(/<(?:@[!&]?|#)\d+>|<a?:\w+:\d+>|<\/[\w -]+:\d+>|<t:\d+(?::\w)?>/g, ' ')
    .replace(/https?:\/\/\S+/g, ' ')
    .replace(/@(?:everyone|here)\b/g, ' ');
  return /\p{L}/u.test(stripped);
}
