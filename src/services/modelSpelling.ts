/**
 * OpenAI's model ids are case-sensitive (`GPT-4o` is model_not_found, a 404 on every question), while ALLOWED_MODELS
 * and the price table ignore case. A name typed in another case than one the bot knows is meant as that model.
 */
import { stripSnapshot } from './pricing/modelNames.ts';

function spelledAlike(name: string, known: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  const alike = new Set(known.filter((k) => k.toLowerCase() === lower));
  // Two known names that differ only in case (a local server may serve both): the member's spelling can't be guessed.
  return alike.size === 1 ? [...alike][0] : undefined;
}

/**
 * The known spelling of `typed` when it differs from a known name (or a dated snapshot from its known base) only in
 * case; undefined when `typed` is known as it is, or matches nothing: a local server's own name then works as typed.
 */
export function knownSpelling(typed: string, known: Iterable<string>): string | undefined {
  const names = [...known];
  if (names.includes(typed)) return undefined;
  const whole = spelledAlike(typed, names);
  if (whole !== undefined) return whole;
  const base = stripSnapshot(typed);
  // The snapshot's date is digits and dashes, which have no case: the base's spelling is the whole name's.
  const knownBase = base === undefined ? undefined : spelledAlike(base, names);
  const spelled = knownBase === undefined ? undefined : knownBase + typed.slice(knownBase.length);
  return spelled === typed ? undefined : spelled;
}
