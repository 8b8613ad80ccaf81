/**
 * What OpenAI's reasoning models (o-series, gpt-5 family) refuse on /v1/chat/completions, with the API's own
 * 400 bodies: `max_tokens` ("Use 'max_completion_tokens' instead"), a temperature other than the default 1,
 * `top_p` and the penalties, and a `reasoning_effort` the model does not take. Ordinary models refuse
 * `reasoning_effort`. The fake's own table, written from the API reference, not from the bot's.
 */
import { invalidRequest } from './fakeOpenAIErrors.ts';

/** o1, o3-mini, o4-mini-2025-04-16, gpt-5, gpt-5-nano, gpt-5.1 (not gpt-5-chat-latest), and fine-tunes of them. */
const REASONING = /^(ft:)?(o\d+|gpt-5(\.\d+)?)(-(mini|nano|preview|pro))?(-\d{4}-\d{2}-\d{2})?(:|$)/;

export function isFakeReasoningModel(model: string): boolean {
  return REASONING.test(model);
}

function effortsOf(model: string): readonly string[] {
  const base = model.replace(/^ft:/, '').split(':')[0]!.replace(/-\d{4}-\d{2}-\d{2}$/, '');
  if (/^o1-(mini|preview)$/.test(base)) return [];
  if (/^gpt-5(-mini|-nano)?$/.test(base)) return ['minimal', 'low', 'medium', 'high'];
  if (/^gpt-5\.\d+/.test(base)) return ['none', 'low', 'medium', 'high'];
  return ['low', 'medium', 'high'];
}

const unsupportedParameter = (param: string, extra = '') =>
  invalidRequest(`Unsupported parameter: '${param}' is not supported with this model.${extra}`, param, 'unsupported_parameter');

function quoted(values: readonly string[]): string {
  const q = values.map((v) => `'${v}'`);
  return q.length <= 2 ? q.join(' and ') : `${q.slice(0, -1).join(', ')}, and ${q.at(-1)}`;
}

/** Throws the API's 400 for the first field the model refuses. */
export function checkReasoningFields(body: Record<string, unknown>): void {
  const model = String(body.model);
  const has = (key: string) => body[key] !== undefined && body[key] !== null;
  if (!isFakeReasoningModel(model)) {
    if (has('reasoning_effort')) throw unsupportedParameter('reasoning_effort');
    return;
  }
  if (has('max_tokens')) throw unsupportedParameter('max_tokens', " Use 'max_completion_tokens' instead.");
  if (has('temperature') && body.temperature !== 1) {
    throw invalidRequest(`Unsupported value: 'temperature' does not support ${String(body.temperature)} with this model. Only the default (1) value is supported.`, 'temperature', 'unsupported_value');
  }
  for (const param of ['top_p', 'presence_penalty', 'frequency_penalty', 'logprobs', 'top_logprobs', 'logit_bias']) if (has(param)) throw unsupportedParameter(param);
  if (has('reasoning_effort')) {
    const efforts = effortsOf(model);
    if (efforts.length === 0) throw unsupportedParameter('reasoning_effort');
    if (!efforts.includes(String(body.reasoning_effort))) {
      throw invalidRequest(
        `Unsupported value: 'reasoning_effort' does not support '${String(body.reasoning_effort)}' with this model. Supported values are: ${quoted(efforts)}.`,
        'reasoning_effort', 'unsupported_value',
      );
    }
  }
}
