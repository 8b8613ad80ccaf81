import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { REPLY_PRIMER_TOKENS, type TokenCounter, type TokenCounts } from '../tokens.ts';
import { EXAMPLE_FIELDS, MESSAGE_FIELDS, MIN_TRAINING_EXAMPLES, TRAINING_ROLES, TRAINING_WEIGHTS } from './limits.ts';

/** What is wrong with a training file, as the API would refuse it; `line` is 1-based, `message` too. */
export type TrainingProblem =
  | { kind: 'not_utf8' }
  | { kind: 'empty' }
  | { kind: 'too_few'; examples: number }
  | { kind: 'bad_json'; line: number }
  | { kind: 'not_object'; line: number }
  | { kind: 'no_messages'; line: number }
  | { kind: 'bad_message'; line: number; message: number }
  | { kind: 'bad_role'; line: number; message: number; role: string }
  | { kind: 'bad_content'; line: number; message: number }
  | { kind: 'bad_weight'; line: number; message: number }
  | { kind: 'extra_field'; line: number; field: string }
  | { kind: 'extra_message_field'; line: number; message: number; field: string }
  | { kind: 'no_assistant'; line: number };

/** Each example as the texts of its messages, which is all token counting needs. */
export type TrainingCheck = { ok: true; examples: string[][] } | { ok: false; problems: TrainingProblem[] };

/** Counting a 50 MB file takes seconds: give the event loop (Discord heartbeats, other commands) a turn this often. */
const YIELD_AFTER_MS = 20;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A name from the file, echoed in a reply: short, and with no backtick to break out of its code span. */
const echoed = (name: string) => name.replaceAll('`', "'").slice(0, 40);

/** The first field not in `allowed`: OpenAI trains on (and bills) fields the count below would not see. */
const extraField = (row: Record<string, unknown>, allowed: readonly string[]) => Object.keys(row).find((key) => !allowed.includes(key));

/** One JSONL line: its messages' texts, or the first thing wrong with it. */
function checkLine(text: string, line: number): { ok: true; contents: string[] } | { ok: false; problem: TrainingProblem } {
  let row: unknown;
  try {
    row = JSON.parse(text);
  } catch {
    return { ok: false, problem: { kind: 'bad_json', line } };
  }
  if (!isRecord(row)) return { ok: false, problem: { kind: 'not_object', line } };
  const { messages } = row;
  if (!Array.isArray(messages) || messages.length === 0) return { ok: false, problem: { kind: 'no_messages', line } };
  const extra = extraField(row, EXAMPLE_FIELDS);
  if (extra !== undefined) return { ok: false, problem: { kind: 'extra_field', line, field: echoed(extra) } };
  const contents: string[] = [];
  for (const [index, message] of messages.entries()) {
    const at = { line, message: index + 1 };
    if (!isRecord(message)) return { ok: false, problem: { kind: 'bad_message', ...at } };
    if (!(TRAINING_ROLES as readonly unknown[]).includes(message.role)) {
      return { ok: false, problem: { kind: 'bad_role', ...at, role: String(message.role ?? '').slice(0, 40) } };
    }
    if (typeof message.content !== 'string') return { ok: false, problem: { kind: 'bad_content', ...at } };
    const extraInMessage = extraField(message, MESSAGE_FIELDS);
    if (extraInMessage !== undefined) return { ok: false, problem: { kind: 'extra_message_field', ...at, field: echoed(extraInMessage) } };
    if ('weight' in message && !(TRAINING_WEIGHTS as readonly unknown[]).includes(message.weight)) return { ok: false, problem: { kind: 'bad_weight', ...at } };
    contents.push(message.content);
  }
  if (!messages.some((message: { role?: unknown }) => message.role === 'assistant')) return { ok: false, problem: { kind: 'no_assistant', line } };
  return { ok: true, contents };
}

/**
 * Checks a chat fine-tuning file line by line, as the API would: each non-blank line a JSON object with a
 * non-empty `messages` array of {role, content} with at least one assistant message, and enough examples.
 * Stricter than the API in one way: fields it would train on that this count leaves out (`tools`, `functions`, a
 * message's `name` or `tool_calls`) are refused, since the reservation must cover every token OpenAI bills.
 * Every problem is returned, file-wide ones first.
 */
export function checkTrainingFile(bytes: Uint8Array): TrainingCheck {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, problems: [{ kind: 'not_utf8' }] };
  }
  const examples: string[][] = [];
  const problems: TrainingProblem[] = [];
  let lines = 0;
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') continue;
    lines += 1;
    const checked = checkLine(line, index + 1);
    if (checked.ok) examples.push(checked.contents);
    else problems.push(checked.problem);
  }
  if (lines === 0) return { ok: false, problems: [{ kind: 'empty' }] };
  if (lines < MIN_TRAINING_EXAMPLES) problems.unshift({ kind: 'too_few', examples: lines });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, examples };
}

/**
 * Training tokens of the whole file under both tokenizers: every message with its framing, plus the
 * primer of each example's reply (the way OpenAI's cookbook estimates a fine-tuning bill).
 */
export async function countTrainingTokens(examples: readonly string[][], tokens: TokenCounter): Promise<TokenCounts> {
  const total: TokenCounts = { tokens: 0, tokensCl100k: 0 };
  let since = performance.now();
  for (const contents of examples) {
    for (const content of contents) {
      const counts = tokens.countMessage(content);
      total.tokens += counts.tokens;
      total.tokensCl100k += counts.tokensCl100k;
    }
    total.tokens += REPLY_PRIMER_TOKENS;
    total.tokensCl100k += REPLY_PRIMER_TOKENS;
    if (performance.now() - since > YIELD_AFTER_MS) {
      await yieldToEventLoop();
      since = performance.now();
    }
  }
  return total;
}
