/**
 * PaidChat's settlement where the bot can't be driven into it through Discord: the real ChatService, openai SDK and
 * Ledger (temp database) against the fake AI service, with the prompt count given as the bot would have counted it.
 *  - A long prompt settled without usage: gpt-5.4's long-context tier (>272K prompt tokens) is reachable only with
 *    images on top of a history the cut keeps under it, far too heavy for a bot test; here the count is given.
 *  - A model priced by the UNPRICED_MODELS fallback on a public host: the harness can only point the bot at 127.0.0.1.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import { BudgetStore } from '../../../src/db/budgetLimits.ts';
import { openDatabase, type Db } from '../../../src/db/connection.ts';
import { LedgerStore } from '../../../src/db/ledger.ts';
import { migrate } from '../../../src/db/migrate.ts';
import { createLogger } from '../../../src/logger.ts';
import { Ledger, type Payer } from '../../../src/services/budget/ledger.ts';
import { ChatService } from '../../../src/services/openai/chat.ts';
import { compatFetch } from '../../../src/services/openai/compatFetch.ts';
import { PaidChat, type PaidChatDependencies } from '../../../src/services/openai/paidChat.ts';
import { createPricing } from '../../../src/services/pricing/index.ts';
import { ReasoningModels } from '../../../src/services/reasoning/models.ts';
import { PROMPT_COUNT_MARGIN, TokenCounter } from '../../../src/services/tokens.ts';
import { DEFAULT_MODELS, FakeOpenAI } from '../../support/fakeOpenAI.ts';
import { tempDatabasePath } from '../../support/tempDb.ts';

/** A PRICING_FILE model with gpt-5.4's rule but no reasoning: its no-usage charge counts the text that came. */
const LONG_MODEL = 'long-context-model';
/** Micro-dollars per 1M tokens: $2.50 in, $15 out; past 272K prompt tokens 2x input, 1.5x output (gpt-5.4's rates). */
const RATES = { input: 2_500_000, cachedInput: 250_000, output: 15_000_000 };
const LONG = { input: 5, output: 22.5 }; // micro-dollars per token in the tier
const BASE = { input: 2.5, output: 15 };
const THRESHOLD = 272_000;
const MAX_OUTPUT = 1000;
const payer: Payer = { guildId: '900000000000000001', userId: '100000000000000001', roleIds: [], channelId: '210000000000000001' };

let fake: FakeOpenAI;
let db: Db;
let deps: PaidChatDependencies;
const log = createLogger(loadConfig({ DISCORD_TOKEN: 'x', OPENAI_API_KEY: 'y', LOG_LEVEL: 'silent' }));

beforeAll(async () => {
  fake = await FakeOpenAI.start({ models: [...DEFAULT_MODELS, 'gpt-5.4', LONG_MODEL, 'llama3.2'], contextWindow: { 'gpt-5.4': 1_050_000, [LONG_MODEL]: 1_050_000 } });
  const client = new OpenAI({ apiKey: fake.apiKey, baseURL: fake.baseUrl, maxRetries: 0, fetch: compatFetch(fetch, [fake.apiKey]) });
  db = openDatabase(tempDatabasePath());
  migrate(db);
  const pricing = createPricing({ overrides: { chat: { [LONG_MODEL]: { ...RATES, longContext: { aboveInputTokens: THRESHOLD, inputMultiplier: 2, cachedInputMultiplier: 2, outputMultiplier: 1.5 } } } } });
  deps = {
    chat: new ChatService(client, { useMaxCompletionTokens: false, idleTimeoutMs: 2000 }),
    ledger: new Ledger(new LedgerStore(db), new BudgetStore(db), null),
    pricing,
    tokens: new TokenCounter(8192, (model) => pricing.contextWindow(model)),
    reasoning: new ReasoningModels(),
  };
});
afterAll(async () => { await fake.close(); db.close(); });
beforeEach(() => fake.reset());

interface Row { state: string; reserved: number; charged: number; input: number; output: number }
const lastRow = () => db.prepare('SELECT state, reserved_micros AS reserved, charged_micros AS charged, input_tokens AS input, output_tokens AS output FROM ledger ORDER BY id DESC LIMIT 1').get() as Row;

async function pay(model: string, promptTokens: number, extra: Partial<PaidChatDependencies> = {}) {
  const paid = new PaidChat({ ...deps, ...extra });
  const result = await paid.stream({ payer, command: 'ask', model, messages: [{ role: 'user', content: 'Summarize our conversation.' }], promptTokens, maxOutputTokens: MAX_OUTPUT, log }, () => undefined);
  expect(result.ok).toBe(true);
  return lastRow();
}
const at = (rates: { input: number; output: number }, row: Row) => Math.ceil(row.input * rates.input + row.output * rates.output);

describe('a charge without usage settles at the long-context tier its reservation chose', () => {
  // 250,000 counted tokens: 275,000 with the margin, so the reservation is in the tier, though the count alone is not.
  const IN_TIER = 250_000;
  test('the count is under 272K, the count with its margin above: reserved in the tier', () => {
    expect(IN_TIER).toBeLessThan(THRESHOLD);
    expect(Math.ceil(IN_TIER * PROMPT_COUNT_MARGIN)).toBeGreaterThan(THRESHOLD);
  });

  test.each([
    ['a cut stream after some text (no usage came)', { cutAfterChunks: 2, text: 'The first part. The rest.', chunks: ['The first part.', ' The rest.'] }],
    ['a clean answer from a server that sends no usage', { text: 'A whole summary.' }],
  ])('%s: the prompt and the text at the tier\'s rates, never the base ones', async (_name, reply) => {
    fake.compat = { noUsage: true };
    fake.chat.enqueue(reply);
    const row = await pay(LONG_MODEL, IN_TIER);
    expect(row).toMatchObject({ state: 'settled', input: IN_TIER });
    expect(row.output).toBeGreaterThan(0);
    expect(row.charged).toBe(at(LONG, row));
    expect(row.charged).toBeLessThanOrEqual(row.reserved);
  });

  test('gpt-5.4, its connection dropped before any text (its thinking billed unseen): the prompt and the whole allowance at the tier\'s rates', async () => {
    fake.chat.enqueue({ cutAfterChunks: 0, text: '' });
    const row = await pay('gpt-5.4', IN_TIER);
    expect(row).toMatchObject({ state: 'settled', input: IN_TIER, output: MAX_OUTPUT });
    expect(row.charged).toBe(at(LONG, row));
    expect(row.charged).toBeLessThan(row.reserved); // the margin is reserved, never charged
  });

  test('a prompt whose reservation stayed under the tier is still settled at the base rates', async () => {
    fake.compat = { noUsage: true };
    fake.chat.enqueue({ text: 'A whole summary.' });
    const under = 240_000;
    expect(Math.ceil(under * PROMPT_COUNT_MARGIN)).toBeLessThan(THRESHOLD);
    const row = await pay(LONG_MODEL, under);
    expect(row).toMatchObject({ state: 'settled', input: under });
    expect(row.charged).toBe(at(BASE, row));
  });

  test('usage the service sent picks the tier itself (its prompt_tokens under 272K: the base rates)', async () => {
    fake.chat.enqueue({ text: 'A whole summary.', usage: { prompt_tokens: 260_000, completion_tokens: 10 } });
    const row = await pay(LONG_MODEL, IN_TIER);
    expect(row).toMatchObject({ state: 'settled', input: 260_000, output: 10 });
    expect(row.charged).toBe(at(BASE, row));
  });
});

describe('a stream that closes with neither finish_reason nor [DONE] before any text', () => {
  const UNMARKED = { noDone: true, noFinishReason: true, noUsage: true };
  test('a model priced only by the UNPRICED_MODELS fallback on a public host is not a local one: its prompt is charged', async () => {
    fake.compat = UNMARKED;
    fake.chat.enqueue({ text: '' });
    const row = await pay('llama3.2', 20, { localServer: false });
    expect(row).toMatchObject({ state: 'settled', input: 20, output: 0 });
    expect(row.charged).toBeGreaterThan(0);
  });

  test('the same model on the operator\'s own server (Ollama\'s failure): released', async () => {
    fake.compat = UNMARKED;
    fake.chat.enqueue({ text: '' });
    expect(await pay('llama3.2', 20, { localServer: true })).toMatchObject({ state: 'released', charged: 0 });
  });
});
