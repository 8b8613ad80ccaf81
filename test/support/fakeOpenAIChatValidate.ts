/** Request validation and rough token counting for POST /v1/chat/completions. */
import type { ChatCompletionCreateParams } from 'openai/resources/chat/completions';
import {
  checkNumber,
  invalidRequest,
  invalidType,
  invalidValue,
  missingParam,
  unknownParam,
} from './fakeOpenAIErrors.ts';
import { checkImagePart, imagePartTokens } from './fakeOpenAIVision.ts';
import { checkReasoningFields } from './fakeOpenAIReasoning.ts';

const CHAT_PARAMS = new Set([
  'model', 'messages', 'audio', 'frequency_penalty', 'function_call', 'functions', 'logit_bias', 'logprobs',
  'max_completion_tokens', 'max_tokens', 'metadata', 'modalities', 'n', 'parallel_tool_calls', 'prediction',
  'presence_penalty', 'prompt_cache_key', 'prompt_cache_retention', 'reasoning_effort', 'response_format',
  'safety_identifier', 'seed', 'service_tier', 'stop', 'store', 'stream', 'stream_options', 'temperature',
  'tool_choice', 'tools', 'top_logprobs', 'top_p', 'user', 'verbosity', 'web_search_options',
]);
const ROLES = ['system', 'developer', 'user', 'assistant', 'tool'] as const;
const PART_TYPES: Record<string, readonly string[]> = {
  system: ['text'],
  developer: ['text'],
  tool: ['text'],
  user: ['text', 'image_url', 'input_audio', 'file'],
  assistant: ['text', 'refusal'],
};
export const NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkName(value: unknown, param: string): void {
  if (typeof value !== 'string') throw invalidType(param, 'a string', value);
  if (!NAME_PATTERN.test(value)) {
    throw invalidRequest(
      `Invalid '${param}': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]{1,64}$'.`,
      param,
      'invalid_value',
    );
  }
}

function checkContent(m: Json, i: number, role: string): void {
  const param = `messages[${i}].content`;
  const content = m.content;
  if (content === undefined || content === null) {
    if (role === 'assistant' && (Array.isArray(m.tool_calls) || isObject(m.function_call) || 'refusal' in m)) return;
    throw missingParam(param);
  }
  if (typeof content === 'string') return;
  if (!Array.isArray(content)) throw invalidType(param, 'one of a string or array of objects', content);
  if (content.length === 0) {
    throw invalidRequest(
      `Invalid '${param}': empty array. Expected an array with minimum length 1, but got an empty array instead.`,
      param,
      'empty_array',
    );
  }
  content.forEach((part: unknown, j) => {
    const p = `${param}[${j}]`;
    if (!isObject(part)) throw invalidType(p, 'an object', part);
    const allowed = PART_TYPES[role] ?? [];
    if (!allowed.includes(String(part.type))) throw invalidValue(`${p}.type`, part.type, allowed);
    if (part.type === 'text' && typeof part.text !== 'string') throw missingParam(`${p}.text`);
    if (part.type === 'refusal' && typeof part.refusal !== 'string') throw missingParam(`${p}.refusal`);
    if (part.type === 'image_url') checkImagePart(part, p);
  });
}

function checkToolCalls(m: Json, i: number): string[] {
  if (m.tool_calls === undefined) return [];
  if (!Array.isArray(m.tool_calls)) throw invalidType(`messages[${i}].tool_calls`, 'an array', m.tool_calls);
  return m.tool_calls.map((tc: unknown, j) => {
    const p = `messages[${i}].tool_calls[${j}]`;
    if (!isObject(tc)) throw invalidType(p, 'an object', tc);
    if (typeof tc.id !== 'string') throw missingParam(`${p}.id`);
    if (!isObject(tc.function)) throw missingParam(`${p}.function`);
    checkName(tc.function.name, `${p}.function.name`);
    if (typeof tc.function.arguments !== 'string') throw missingParam(`${p}.function.arguments`);
    return tc.id;
  });
}

function unanswered(ids: Set<string>, index: number) {
  return invalidRequest(
    `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...ids].join(', ')}`,
    `messages.[${index}].role`,
  );
}

function checkMessages(messages: unknown): void {
  if (messages === undefined) throw missingParam('messages');
  if (!Array.isArray(messages)) throw invalidType('messages', 'an array', messages);
  if (messages.length === 0) {
    throw invalidRequest(
      "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
      'messages',
      'empty_array',
    );
  }
  let pending = new Set<string>();
  let pendingFrom = -1;
  messages.forEach((m: unknown, i) => {
    if (!isObject(m)) throw invalidType(`messages[${i}]`, 'an object', m);
    if (m.role === undefined) throw missingParam(`messages[${i}].role`);
    const role = String(m.role);
    if (!(ROLES as readonly string[]).includes(role)) throw invalidValue(`messages[${i}].role`, m.role, ROLES);
    if (m.name !== undefined) checkName(m.name, `messages[${i}].name`);
    checkContent(m, i, role);
    if (role === 'tool') {
      if (typeof m.tool_call_id !== 'string') throw missingParam(`messages[${i}].tool_call_id`);
      if (!pending.delete(m.tool_call_id)) {
        throw invalidRequest(
          "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
          `messages.[${i}].role`,
        );
      }
      return;
    }
    if (pending.size > 0) throw unanswered(pending, pendingFrom);
    pending = new Set(role === 'assistant' ? checkToolCalls(m, i) : []);
    pendingFrom = i;
  });
  if (pending.size > 0) throw unanswered(pending, pendingFrom);
}

function checkTools(tools: unknown): void {
  if (tools === undefined || tools === null) return;
  if (!Array.isArray(tools)) throw invalidType('tools', 'an array', tools);
  tools.forEach((t: unknown, i) => {
    if (!isObject(t)) throw invalidType(`tools[${i}]`, 'an object', t);
    if (t.type !== 'function' && t.type !== 'custom') throw invalidValue(`tools[${i}].type`, t.type, ['function', 'custom']);
    if (t.type === 'function') {
      if (!isObject(t.function)) throw missingParam(`tools[${i}].function`);
      checkName(t.function.name, `tools[${i}].function.name`);
    }
  });
}

/** Validates a chat body like the API does; throws FakeApiError (400) on the first problem. */
export function validateChatBody(body: unknown): ChatCompletionCreateParams {
  if (body === undefined) throw invalidRequest('you must provide a model parameter');
  if (!isObject(body)) throw invalidRequest('Invalid request body: expected a JSON object.');
  for (const key of Object.keys(body)) if (!CHAT_PARAMS.has(key)) throw unknownParam(key);
  if (body.model === undefined || body.model === null) throw invalidRequest('you must provide a model parameter');
  if (typeof body.model !== 'string') throw invalidType('model', 'a string', body.model);
  checkMessages(body.messages);
  checkNumber(body, 'max_tokens', { integer: true, min: 1 });
  checkNumber(body, 'max_completion_tokens', { integer: true, min: 1 });
  checkNumber(body, 'n', { integer: true, min: 1, max: 128 });
  checkNumber(body, 'temperature', { min: 0, max: 2 });
  checkNumber(body, 'top_p', { min: 0, max: 1 });
  checkNumber(body, 'presence_penalty', { min: -2, max: 2 });
  checkNumber(body, 'frequency_penalty', { min: -2, max: 2 });
  checkNumber(body, 'top_logprobs', { integer: true, min: 0, max: 20 });
  checkNumber(body, 'seed', { integer: true });
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') {
    throw invalidType('stream', 'a boolean', body.stream);
  }
  if (body.stream_options !== undefined && body.stream_options !== null) {
    if (body.stream !== true) {
      throw invalidRequest("The 'stream_options' parameter is only allowed when 'stream' is enabled.", 'stream_options');
    }
    if (!isObject(body.stream_options)) throw invalidType('stream_options', 'an object', body.stream_options);
  }
  checkTools(body.tools);
  checkReasoningFields(body);
  return body as unknown as ChatCompletionCreateParams;
}

/** Rough token count used by the fake: ceil(code points / 4). */
export const countTextTokens = (text: string): number => Math.ceil([...text].length / 4);

/** Prompt tokens: per message ceil(text chars / 4) + 4, plus each image part's tokens by OpenAI's rules; tool definitions counted as JSON text. */
export function countPromptTokens(body: ChatCompletionCreateParams): number {
  let tokens = 0;
  for (const m of body.messages) {
    let text = 'name' in m && typeof m.name === 'string' ? m.name : '';
    let images = 0;
    const model = String(body.model);
    if (typeof m.content === 'string') text += m.content;
    else if (Array.isArray(m.content)) {
      for (const part of m.content) {
        if (part.type === 'text') text += part.text;
        else if (part.type === 'refusal') text += part.refusal;
        else if (part.type === 'image_url') images += imagePartTokens(model, part as unknown as Record<string, unknown>);
        else images += 85;
      }
    }
    if (m.role === 'assistant' && m.tool_calls) text += JSON.stringify(m.tool_calls);
    tokens += countTextTokens(text) + 4 + images;
  }
  if (body.tools) tokens += countTextTokens(JSON.stringify(body.tools));
  return tokens;
}
