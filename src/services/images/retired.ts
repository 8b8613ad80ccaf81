/**
 * OpenAI image models that OpenAI has shut down: its API answers every request for them with an error, so /imagine
 * refuses them before anything is reserved or sent, and says what the operator must change. Only on OpenAI's own API:
 * a compatible server (a proxy, a local server) may still serve these names.
 */
import { stripSnapshot } from '../pricing/index.ts';

/** Shutdown dates (UTC), from OpenAI's own pages. */
const SHUT_DOWN: Readonly<Record<string, string>> = {
  // https://developers.openai.com/api/docs/models/dall-e-2 and /dall-e-3: "deprecated and removed from the API", status
  // "Shut down" (those pages give no date; 2026-05-12 is the shutdown date OpenAI announced for both).
  'dall-e-2': '2026-05-12',
  'dall-e-3': '2026-05-12',
  // https://developers.openai.com/ja-JP/api/docs/models/gpt-image-1: shut down (提供終了) on 2026-10-23, no longer usable.
  'gpt-image-1': '2026-10-23',
  // https://developers.openai.com/api/docs/deprecations: shutdown Dec 1, 2026 (replacement gpt-image-2.6-sunburst or -flare).
  'gpt-image-1-mini': '2026-12-01',
  'gpt-image-1.5': '2026-12-01',
  'chatgpt-image-latest': '2026-12-01',
};

/** The day OpenAI shut `model` down, when that day has come (`now`, epoch ms); undefined for a model still served. */
export function shutDownOn(model: string, now: number): string | undefined {
  const date = SHUT_DOWN[model] ?? SHUT_DOWN[stripSnapshot(model) ?? ''];
  return date !== undefined && Date.parse(`${date}T00:00:00Z`) <= now ? date : undefined;
}
