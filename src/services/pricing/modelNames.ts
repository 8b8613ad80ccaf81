/**
 * How a model name the API or a user gives maps onto the keys of a price table. The exact spelling first, then the
 * same name in any case: OpenAI's API refuses `GPT-4o` (model_not_found), but a compatible server or proxy that
 * takes it serves and bills the same model, so it is priced as that model, never at the fallback's guess.
 */

/** `-2024-07-18` or `-0613` at the end of a name: a dated snapshot of the base model. */
const SNAPSHOT_SUFFIX = /-(?:(\d{4})-(\d{2})-(\d{2})|(\d{2})(\d{2}))$/;

function plausibleDate(month: string | undefined, day: string | undefined): boolean {
  const m = Number(month);
  const d = Number(day);
  return m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

/**
 * `gpt-4o-mini-2024-07-18` → `gpt-4o-mini`; `gpt-3.5-turbo-16k-0613` → `gpt-3.5-turbo-16k` (only the last
 * suffix goes, so `16k` stays). Undefined when the name carries no date, e.g. `gpt-4-0125-preview`.
 */
export function stripSnapshot(name: string): string | undefined {
  const m = SNAPSHOT_SUFFIX.exec(name);
  if (!m) return undefined;
  const ok = m[1] !== undefined ? plausibleDate(m[2], m[3]) : plausibleDate(m[4], m[5]);
  return ok ? name.slice(0, m.index) : undefined;
}

/** `ft:gpt-4o-mini-2024-07-18:org:suffix:id` → `gpt-4o-mini-2024-07-18` (`FT:` too); undefined for other names. */
export function fineTuneBase(name: string): string | undefined {
  if (name.slice(0, 3).toLowerCase() !== 'ft:') return undefined;
  const base = name.split(':')[1];
  return base ? base : undefined;
}

/** The exact name first, then its undated base; then both in lower case (the spelling of OpenAI's ids and tables). */
export function nameCandidates(name: string): string[] {
  const lower = name.toLowerCase();
  return [...new Set([name, stripSnapshot(name), lower, stripSnapshot(lower)])].filter((n): n is string => n !== undefined);
}

/** Each table's keys by their lower-case spelling (tables are built once at start-up; a PRICING_FILE key may be mixed case). */
const foldedKeys = new WeakMap<ReadonlyMap<string, unknown>, ReadonlyMap<string, string>>();

/** The table's key spelled like `name` in another case (when two are, the later one). */
function foldedKey(table: ReadonlyMap<string, unknown>, name: string): string | undefined {
  let folded = foldedKeys.get(table);
  if (!folded) foldedKeys.set(table, (folded = new Map([...table.keys()].map((key) => [key.toLowerCase(), key]))));
  return folded.get(name.toLowerCase());
}

/** The table's key for `name`: the exact one, else one spelled the same in another case. */
export function tableKey(table: ReadonlyMap<string, unknown>, name: string): string | undefined {
  return table.has(name) ? name : foldedKey(table, name);
}

/**
 * First candidate present in the table, with the key that matched: every exact spelling first (the name, its base,
 * both in lower case, as OpenAI spells its ids), then a key in another case (a mixed-case PRICING_FILE name).
 */
export function lookup<T>(table: ReadonlyMap<string, T>, name: string): { key: string; value: T } | undefined {
  const candidates = nameCandidates(name);
  const key = candidates.find((candidate) => table.has(candidate)) ?? candidates.map((candidate) => foldedKey(table, candidate)).find((k) => k !== undefined);
  return key === undefined ? undefined : { key, value: table.get(key) as T };
}
