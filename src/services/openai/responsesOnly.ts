/**
 * Models OpenAI serves only through its Responses API (/v1/responses), never through Chat Completions, the only
 * API the bot speaks. Asked to chat, OpenAI answers 404 `invalid_request_error` (param `model`): "This model is only
 * supported in v1/responses and not in v1/chat/completions." Such a model is refused before anything is sent.
 */
import * as knownModels from 'gpt-tokenizer/models';
import { nameCandidates } from '../pricing/modelNames.ts';

/** Names remembered from servers' answers, at most (admins and config pick the names; the oldest goes first). */
const MAX_LEARNED = 256;

type Spec = { supported_endpoints?: readonly string[]; modalities?: { output?: readonly string[] } };
const table = knownModels as unknown as Record<string, Spec | undefined>;

/**
 * Text models whose OpenAI model page lists the Responses API and not Chat Completions (gpt-tokenizer's copy of those
 * pages): o1-pro, o3-pro, o3-deep-research, o4-mini-deep-research, computer-use-preview, codex-mini-latest, the
 * gpt-5 -pro and -codex models, gpt-oss-120b and -20b, and their snapshots. Image models that also take part in Responses are not chat models.
 */
const KNOWN: ReadonlySet<string> = new Set(Object.entries(table).flatMap(([name, spec]) => {
  const endpoints = spec?.supported_endpoints ?? [];
  const textOnly = (spec?.modalities?.output ?? []).every((kind) => kind === 'text');
  return endpoints.includes('responses') && !endpoints.includes('chat_completions') && textOnly ? [name] : [];
}));

/** Which models can't be used for chat: OpenAI's known list (on OpenAI's own API), and what any server said at run time. */
export class ResponsesOnlyModels {
  private readonly learned = new Set<string>();

  /**
   * `openaiItself`: OPENAI_BASE_URL is OpenAI's API, where the known list holds. Elsewhere the same name may be served
   * through chat (a proxy that bridges to Responses, gpt-oss on a local server): only that server's answer counts.
   */
  constructor(private readonly openaiItself: boolean) {}

  has(model: string): boolean {
    if (this.learned.has(model)) return true;
    // A later snapshot of a known model (`gpt-5.5-pro-2026-09-01`) is served the same way.
    return this.openaiItself && nameCandidates(model).some((name) => KNOWN.has(name));
  }

  /** The server said so; remembered for as long as the process runs. Returns true when it was news. */
  learn(model: string): boolean {
    if (this.has(model)) return false;
    if (this.learned.size >= MAX_LEARNED) this.learned.delete(this.learned.values().next().value as string);
    this.learned.add(model);
    return true;
  }
}
