/**
 * ALLOWED_MODELS: the chat models the operator lets servers choose. An entry ending in `*` matches by prefix
 * (`gpt-4o*`, `ft:*`); matching ignores case and surrounding spaces. No list (unset or empty) allows every model.
 */
export type AllowedModels = readonly string[] | null;

/** Marks an entry that matches every model starting with what comes before it. */
const WILDCARD = '*';

const normalise = (name: string): string => name.trim().toLowerCase();

/** Each list's entries normalised once: the list is read on every interaction (a channel's model), and never changes. */
const normalisedLists = new WeakMap<readonly string[], readonly string[]>();

function normalised(allowed: readonly string[]): readonly string[] {
  let entries = normalisedLists.get(allowed);
  if (!entries) normalisedLists.set(allowed, (entries = allowed.map(normalise)));
  return entries;
}

/** The list's entries as written (trimmed); null when unset or empty; problems name what can't be an entry. */
export function parseAllowedModels(text: string | undefined): { ok: true; allowed: AllowedModels } | { ok: false; problems: string[] } {
  const entries = (text ?? '').split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  // A `*` elsewhere (`gpt-*-mini`) would look like a pattern but match nothing: refused rather than silently useless.
  const misplaced = entries.filter((entry) => entry.slice(0, -1).includes(WILDCARD));
  const spaced = entries.filter((entry) => /\s/.test(entry));
  const problems = [
    ...(misplaced.length > 0 ? [`takes a * only at the end of an entry (a prefix, like gpt-4o*); not understood: ${misplaced.slice(0, 3).join(', ')}`] : []),
    ...(spaced.length > 0 ? [`entries are separated by commas and hold no spaces; not understood: ${spaced.slice(0, 3).join(', ')}`] : []),
  ];
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, allowed: entries.length > 0 ? entries : null };
}

/** Whether `model` may be used under the list (every model when there is none). */
export function isModelAllowed(allowed: AllowedModels, model: string): boolean {
  if (allowed === null) return true;
  const name = normalise(model);
  return normalised(allowed).some((entry) => (entry.endsWith(WILDCARD) ? name.startsWith(entry.slice(0, -1)) : name === entry));
}

/** The list's exact names (not prefixes), to suggest beside the known models: a local model the price table lacks, say. */
export function exactAllowedModels(allowed: AllowedModels): string[] {
  return (allowed ?? []).filter((entry) => !entry.endsWith(WILDCARD));
}

/**
 * Whether some model fine-tuned from `base` could be on the list: its name (`ft:<base snapshot>:<org>:<suffix>:<id>`) is
 * known only once trained, so /finetune start refuses only a base whose every fine-tune /finetune use would refuse.
 */
export function mayAllowFineTunesOf(allowed: AllowedModels, base: string): boolean {
  if (allowed === null) return true;
  const start = normalise(`ft:${base}`);
  return normalised(allowed).some((entry) => {
    if (!entry.endsWith(WILDCARD)) return entry.startsWith(start);
    const prefix = entry.slice(0, -1);
    return start.startsWith(prefix) || prefix.startsWith(start);
  });
}
