export const DISCORD_MESSAGE_LIMIT = 2000; // Discord rejects message content over 2,000 characters

/** An open fenced code block: the line that opened it and the marker run that closes it. */
interface Fence {
  opener: string; // e.g. "```ts", reused verbatim to reopen the block in the next chunk
  marker: string; // e.g. "```" or "~~~~"
}

interface Cut {
  end: number; // chunk content is window[0, end)
  skip: number; // separator characters consumed at the cut (the newline or space)
}

const FENCE_LINE = /^ {0,3}(`{3,}|~{3,})([^\n]*)$/; // [^\n], not `.`, so a CRLF line (ending in \r) still matches
const BLANK_LINE = /^[ \t]*$/;

/** Fence state after a complete line, given the state before it. */
function afterLine(fence: Fence | null, line: string): Fence | null {
  const match = FENCE_LINE.exec(line);
  if (!match) return fence;
  const run = match[1] ?? '';
  const info = match[2] ?? '';
  if (fence) {
    const closes = run[0] === fence.marker[0] && run.length >= fence.marker.length && info.trim() === '';
    return closes ? null : fence;
  }
  // A backtick info string may not contain backticks (CommonMark): "```a`b" is inline code, not a fence.
  return run[0] === '`' && info.includes('`') ? null : { opener: line.trimEnd(), marker: run };
}

/** states[q]: the fence open at the start of the line holding position q (a newline belongs to its line). */
function fenceStates(window: string[], start: Fence | null): (Fence | null)[] {
  const states: (Fence | null)[] = [];
  let fence = start;
  let lineStart = 0;
  window.forEach((ch, i) => {
    states.push(fence);
    if (ch !== '\n') return;
    fence = afterLine(fence, window.slice(lineStart, i).join(''));
    lineStart = i + 1;
  });
  states.push(fence);
  return states;
}

/** Marks positions of window[from, to] that are inside an inline code span or a link (best effort). */
function insideSpans(window: string[], from: number, to: number): boolean[] {
  const inside: boolean[] = [];
  let codeRun = 0; // length of the backtick run that opened the current code span
  let brackets = 0;
  let inUrl = false;
  for (let i = from; i <= to; i++) {
    const ch = window[i];
    if (ch === '`') {
      let run = 1;
      while (window[i + run] === '`') run++;
      if (codeRun === 0) codeRun = run;
      else if (codeRun === run) codeRun = 0;
      for (let k = 0; k < run; k++) inside[i + k] = true;
      i += run - 1;
      continue;
    }
    if (codeRun === 0) {
      if (ch === '[') brackets++;
      else if (ch === ']' && brackets > 0) {
        brackets--;
        inUrl = window[i + 1] === '(';
      } else if (ch === ')' && inUrl) inUrl = false;
    }
    inside[i] = codeRun > 0 || brackets > 0 || inUrl;
  }
  return inside;
}

/** Cut points in order of preference: line ends, then spaces in the overlong last line, then hard cuts. */
function* cutCandidates(window: string[], states: (Fence | null)[], size: number): Generator<Cut> {
  for (let i = size; i >= 0; i--) {
    const opened = states[i + 1] !== null && states[i + 1] !== states[i];
    // Ending a chunk right after an opener line would leave an empty code block; cut before it instead.
    if (window[i] === '\n' && !opened) yield { end: i, skip: 1 };
  }
  const lineStart = window.lastIndexOf('\n', size - 1) + 1;
  const inside = states[size] ? [] : insideSpans(window, lineStart, size);
  for (const wantInside of [false, true]) {
    for (let q = size; q >= lineStart; q--) {
      if ((window[q] !== ' ' && window[q] !== '\t') || (inside[q] ?? false) !== wantInside) continue;
      // In code every space matters: keep it, so the two halves of the line still concatenate to the original.
      yield states[q] ? { end: q + 1, skip: 0 } : { end: q, skip: 1 };
    }
  }
  for (let q = size; q >= 1; q--) yield { end: q, skip: 0 };
}

/** Index after any blank lines starting at pos (they would only pad the start of a chunk). */
function skipBlankLines(cps: string[], pos: number): number {
  for (let nl = cps.indexOf('\n', pos); nl !== -1; nl = cps.indexOf('\n', pos)) {
    if (!BLANK_LINE.test(cps.slice(pos, nl).join(''))) break;
    pos = nl + 1;
  }
  return pos;
}

const codePoints = (s: string): number => Array.from(s).length;

/**
 * Splits a Markdown answer into Discord messages of at most `limit` code points each, keeping code fences
 * balanced. Each cut depends only on the text inside its window and is made only when the rest is longer than
 * the window, so while the text grows by appending, every chunk but the last never changes (safe to send early).
 */
export function splitMessage(text: string, limit = DISCORD_MESSAGE_LIMIT): string[] {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
  const cps = Array.from(text); // code points, so surrogate pairs are never split and lengths match Discord's
  const chunks: string[] = [];
  const push = (chunk: string): void => {
    if (chunk.trim() !== '') chunks.push(chunk);
  };
  let fence: Fence | null = null;
  let pos = skipBlankLines(cps, 0);
  while (pos < cps.length) {
    const prefix = fence ? `${fence.opener}\n` : '';
    const size = limit - codePoints(prefix); // content code points that fit after the reopened fence
    if (cps.length - pos <= size) {
      const rest = cps.slice(pos).join('');
      if (rest.trim() !== '') push((prefix + rest).trimEnd());
      break;
    }
    const window = cps.slice(pos, pos + Math.max(size, 0) + 1);
    const states = fenceStates(window, fence);
    let chosen: { chunk: string; next: number; fence: Fence | null; wordCut: boolean } | undefined;
    for (const cut of size > 0 ? cutCandidates(window, states, size) : []) {
      const state = states[cut.end + cut.skip] ?? null;
      const body = window.slice(0, cut.end).join('');
      const chunk = state ? `${prefix}${body}\n${state.marker}` : (prefix + body).trimEnd();
      if (codePoints(chunk) > limit || (cut.skip > 0 && body.trim() === '')) continue;
      chosen = { chunk, next: pos + cut.end + cut.skip, fence: state, wordCut: cut.skip > 0 && window[cut.end] !== '\n' };
      break;
    }
    // Only an opener line nearly as long as the limit gets here: give up on repairing that fence.
    chosen ??= { chunk: cps.slice(pos, pos + limit).join(''), next: pos + limit, fence: null, wordCut: false };
    push(chosen.chunk);
    ({ fence, next: pos } = chosen);
    if (!fence) {
      // Outside code the chunk boundary replaces the separator: drop the rest of a space run and blank lines.
      if (chosen.wordCut) while (cps[pos] === ' ' || cps[pos] === '\t') pos++;
      pos = skipBlankLines(cps, pos);
    }
  }
  return chunks;
}

/** For a chunk still being streamed: closes a code fence the text ends inside, so it renders as code. */
export function closeOpenFence(text: string): string {
  const fence = text.split('\n').reduce<Fence | null>(afterLine, null);
  if (!fence) return text;
  return `${text}${text.endsWith('\n') ? '' : '\n'}${fence.marker}`;
}
