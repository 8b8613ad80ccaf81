/** Discord refuses a thread name outside 1–100 characters (counted here in UTF-16 units, never more than Discord counts). */
export const THREAD_NAME_MAX_LENGTH = 100;
const ELLIPSIS = '…';

/**
 * Discord markup that shows as raw syntax in a thread name (names render no mentions or markdown):
 * user, role and channel mentions and timestamps go; slash-command mentions and custom emoji keep their name.
 */
const MARKUP: [RegExp, string][] = [
  [/<\/([\w -]+):\d+>/g, '/$1'],
  [/<a?:(\w+):\d+>/g, ':$1:'],
  [/<(?:@[!&]?|#)\d+>|<t:-?\d+(?::\w)?>|<id:\w+>/g, ''],
  [/@(everyone|here)\b/g, '$1'],
  [/\[([^\]\n]*)\]\([^)\s]*\)/g, '$1'],
  [/^\s*(?:#{1,3}|-#|>{1,3}|[-*+]|\d+\.)\s+/gm, ''],
  [/[`*~|]+/g, ''],
  [/(^|\s)_+|_+(?=\s|$)/g, '$1'],
  [/[\p{Cc}\p{Cf}]+/gu, ' '],
  [/\s+/g, ' '],
];

/** Made at the first long question, not at start-up (ICU's break rules take tens of milliseconds to load). */
let segmenters: { words: Intl.Segmenter; graphemes: Intl.Segmenter } | undefined;

/** Whole pieces of `text` (words, else characters) that fit in `room`, never a split word or emoji. */
function fit(text: string, room: number): string {
  const { words, graphemes } = (segmenters ??= {
    words: new Intl.Segmenter(undefined, { granularity: 'word' }),
    graphemes: new Intl.Segmenter(undefined, { granularity: 'grapheme' }),
  });
  let kept = '';
  for (const { segment } of words.segment(text)) {
    if (kept.length + segment.length > room) {
      // Ending before this word keeps most of the room: do. A very long word (a URL, a CJK run the
      // segmenter kept whole) would leave a stub: cut it between characters instead.
      if (kept.trim().length >= room / 2) return kept;
      for (const { segment: g } of graphemes.segment(segment)) {
        if (kept.length + g.length > room) return kept;
        kept += g;
      }
      return kept;
    }
    kept += segment;
  }
  return kept;
}

/** A thread name from a question: plain text, at most 100 characters, cut at a word, `fallback` when nothing is left. */
export function threadNameFrom(question: string, fallback: string): string {
  let text = question;
  for (const [pattern, replacement] of MARKUP) text = text.replace(pattern, replacement);
  text = text.trim();
  if (text === '') return fallback.slice(0, THREAD_NAME_MAX_LENGTH);
  if (text.length <= THREAD_NAME_MAX_LENGTH) return text;
  const cut = fit(text, THREAD_NAME_MAX_LENGTH - ELLIPSIS.length).trimEnd();
  return cut === '' ? fallback.slice(0, THREAD_NAME_MAX_LENGTH) : `${cut}${ELLIPSIS}`;
}
