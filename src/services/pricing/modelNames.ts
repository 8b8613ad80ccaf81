/** How a model name the API or a user gives maps onto the keys of a price table. */

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

/** `ft:gpt-4o-mini-2024-07-18:org:suffix:id` → `gpt-4o-mini-2024-07-18`; undefined for other names. */
export function fineTuneBase(name: string): string | undefined {
  if (!name.startsWith('ft:')) return undefined;
  const base = name.split(':')[1];
  return base ? base : undefined;
}

/** The exact name first, then its undated base. */
export function nameCandidates(name: string): string[] {
  const stripped = stripSnapshot(name);
  return stripped ? [name, stripped] : [name];
}

/** First candidate present in the table, with the key that matched. */
export function lookup<T>(table: ReadonlyMap<string, T>, name: string): { key: string; value: T } | undefined {
  for (const key of nameCandidates(name)) {
    const value = table.get(key);
    if (value !== undefined) return { key, value };
  }
  return undefined;
}
