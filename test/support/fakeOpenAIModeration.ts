/** POST /v1/moderations: the real response shape (results[] with categories, scores and applied input types), scriptable per test. */
import type { ModerationCreateResponse } from 'openai/resources/moderations';
import {
  invalidRequest, invalidType, isScriptedError, missingParam, scriptedError, unknownParam, type ScriptedError,
} from './fakeOpenAIErrors.ts';
import { randomId, ScriptQueue, sleep, type Exchange, type FakeEnv } from './fakeOpenAIHttp.ts';

export const MODERATION_CATEGORIES = [
  'harassment', 'harassment/threatening', 'hate', 'hate/threatening', 'illicit', 'illicit/violent', 'self-harm',
  'self-harm/intent', 'self-harm/instructions', 'sexual', 'sexual/minors', 'violence', 'violence/graphic',
] as const;
const IMAGE_CATEGORIES = new Set(['self-harm', 'self-harm/intent', 'self-harm/instructions', 'sexual', 'violence', 'violence/graphic']);
const MODELS = ['omni-moderation-latest', 'omni-moderation-2024-09-26', 'text-moderation-latest', 'text-moderation-stable'];

export type ModerationReply =
  /** Categories flagged for every input of the request ([] = nothing flagged). */
  | { flagged: string[]; delayMs?: number; times?: number }
  /** Hold the request this long before answering clear (to exceed a client's timeout). */
  | { delayMs: number; times?: number }
  | ScriptedError;

export class FakeModeration {
  /** Every input received (flattened to text), oldest first. */
  readonly inputs: string[][] = [];
  private readonly queue = new ScriptQueue<ModerationReply>();
  /** Default verdict for text when nothing is queued: the categories to flag, or [] (clear). */
  rule: (text: string) => string[] = () => [];

  constructor(private readonly env: FakeEnv) {}

  enqueue(...replies: ModerationReply[]): this {
    for (const reply of replies) this.queue.enqueue(reply);
    return this;
  }

  reset(): void {
    this.inputs.length = 0;
    this.queue.clear();
    this.rule = () => [];
  }

  async handle(ex: Exchange): Promise<void> {
    const texts = validate(ex.body);
    this.inputs.push(texts);
    const model = (ex.body as { model?: string }).model ?? 'omni-moderation-latest';
    const reply = this.queue.take();
    if (reply && isScriptedError(reply)) throw scriptedError(reply, model);
    if (reply?.delayMs) await sleep(reply.delayMs, this.env.signal);
    const response: ModerationCreateResponse = {
      id: randomId('modr-', 12),
      model: model === 'omni-moderation-latest' ? 'omni-moderation-2024-09-26' : model,
      results: texts.map((text) => result(reply && 'flagged' in reply ? reply.flagged : this.rule(text))),
    };
    ex.sendJson(200, response);
  }
}

function result(flagged: readonly string[]): ModerationCreateResponse['results'][number] {
  const on = new Set(flagged);
  const categories = Object.fromEntries(MODERATION_CATEGORIES.map((name) => [name, on.has(name)]));
  const scores = Object.fromEntries(MODERATION_CATEGORIES.map((name) => [name, on.has(name) ? 0.93 : 0.0004]));
  const applied = Object.fromEntries(MODERATION_CATEGORIES.map((name) => [name, IMAGE_CATEGORIES.has(name) ? ['text', 'image'] : ['text']]));
  return {
    flagged: on.size > 0,
    categories, category_scores: scores, category_applied_input_types: applied,
  } as unknown as ModerationCreateResponse['results'][number];
}

/** The API's rules: `input` is a string, an array of strings, or an array of text/image_url parts; `model` one of the moderation models. */
function validate(body: unknown): string[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw missingParam('input');
  const b = body as Record<string, unknown>;
  for (const key of Object.keys(b)) if (!['input', 'model'].includes(key)) throw unknownParam(key);
  if (b.model !== undefined && (typeof b.model !== 'string' || !MODELS.includes(b.model))) {
    throw invalidRequest(`The model \`${String(b.model)}\` does not exist or you do not have access to it.`, null, 'model_not_found', 404);
  }
  const input = b.input;
  if (input === undefined || input === null) throw missingParam('input');
  if (typeof input === 'string') return [input];
  if (!Array.isArray(input) || input.length === 0) throw invalidType('input', 'a string or an array', input);
  return input.map((item, i) => {
    if (typeof item === 'string') return item;
    if (typeof item === 'object' && item !== null && (item as { type?: unknown }).type === 'text' && typeof (item as { text?: unknown }).text === 'string') {
      return (item as { text: string }).text;
    }
    if (typeof item === 'object' && item !== null && (item as { type?: unknown }).type === 'image_url') return '';
    throw invalidType(`input[${i}]`, 'a string or a text/image_url part', item);
  });
}
