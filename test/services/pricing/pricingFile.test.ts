import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { findErrorOffset } from '../../../src/services/pricing/jsonPosition.ts';
import { createPricing, loadPricingFile, parsePricingFile, PricingFileError } from '../../../src/services/pricing/index.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pricing-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeTemp(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text, 'utf8');
  return path;
}

async function errorOf(path: string): Promise<PricingFileError> {
  const error: unknown = await loadPricingFile(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PricingFileError);
  return error as PricingFileError;
}

const GOOD = {
  chat: {
    'gpt-4o-mini': { input: 0.15, cachedInput: 0.075, output: 0.6 },
    'llama3.1:8b': { input: 0, output: 0, contextWindow: 131072 },
    'my-model': { input: 1.1, output: 4.4 },
  },
  images: { 'dall-e-3': { '1024x1024': { hd: 0.1 } }, 'my-image-model': { '512x512': { standard: 0.01 } } },
  audio: { 'whisper-1': 0.007 },
  embeddings: { 'text-embedding-3-small': 0.03 },
  fineTuningTraining: { 'gpt-4o-mini': 4 },
  fallbackChat: { input: 10, output: 30 },
};

describe('loadPricingFile: a good file', () => {
  test('converts USD to integer micro-dollars (0.15 → 150000 exactly)', async () => {
    const overrides = await loadPricingFile(await writeTemp('good.json', JSON.stringify(GOOD, null, 2)));
    expect(overrides.chat?.['gpt-4o-mini']).toEqual({ input: 150_000, cachedInput: 75_000, output: 600_000 });
    expect(overrides.chat?.['my-model']).toEqual({ input: 1_100_000, cachedInput: 1_100_000, output: 4_400_000 });
    expect(overrides.chat?.['llama3.1:8b']).toEqual({ input: 0, cachedInput: 0, output: 0, contextWindow: 131_072 });
    expect(overrides.images?.['dall-e-3']).toEqual({ '1024x1024': { hd: 100_000 } });
    expect(overrides.audio).toEqual({ 'whisper-1': 7000 });
    expect(overrides.embeddings).toEqual({ 'text-embedding-3-small': 30_000 });
    expect(overrides.fineTuningTraining).toEqual({ 'gpt-4o-mini': 4_000_000 });
    expect(overrides.fallbackChat).toEqual({ input: 10_000_000, cachedInput: 10_000_000, output: 30_000_000 });
  });

  test('overrides replace and add entries, keeping the rest of the built-in table', async () => {
    const pricing = createPricing({ overrides: await loadPricingFile(await writeTemp('good2.json', JSON.stringify(GOOD))) });
    expect(pricing.resolveChat('my-model')).toMatchObject({ known: true, source: 'override', price: { input: 1_100_000 } });
    expect(pricing.resolveChat('gpt-4o-mini-2024-07-18')).toMatchObject({ source: 'override', resolvedFrom: 'gpt-4o-mini' });
    expect(pricing.resolveChat('gpt-4.1')).toMatchObject({ source: 'builtin' });
    expect(pricing.resolveChat('unheard-of')).toMatchObject({ known: false, price: { input: 10_000_000 } });
    expect(pricing.imagePrice('dall-e-3', '1024x1024', 'hd')).toMatchObject({ micros: 100_000 });
    expect(pricing.imagePrice('dall-e-3', '1024x1024', 'standard')).toMatchObject({ micros: 40_000 });
    expect(pricing.imagePrice('my-image-model', '512x512', 'standard')).toMatchObject({ micros: 10_000 });
    expect(pricing.audioCost('whisper-1', 60)).toMatchObject({ micros: 7000 });
    expect(pricing.audioCost('gpt-4o-transcribe', 60)).toMatchObject({ micros: 6000 });
    expect(pricing.embeddingCost('text-embedding-3-small', 1_000_000)).toMatchObject({ micros: 30_000 });
    expect(pricing.trainingCost('gpt-4o-mini', 1_000_000)).toMatchObject({ micros: 4_000_000 });
  });

  test('a chat entry may add a per-request fee (a search model\'s web search), charged once per call', () => {
    const overrides = parsePricingFile('{"chat":{"gpt-5-search-api":{"input":1.25,"output":10,"perRequest":0.01}}}', 'search.json');
    expect(overrides.chat).toEqual({ 'gpt-5-search-api': { input: 1_250_000, cachedInput: 1_250_000, output: 10_000_000, perRequest: 10_000 } });
    expect(createPricing({ overrides }).chatCost('gpt-5-search-api', { promptTokens: 1000, completionTokens: 0 })).toBe(1250 + 10_000);
  });

  test('an empty object is a valid file', () => {
    expect(parsePricingFile('{}', 'empty.json')).toEqual({});
  });

  test('a UTF-8 byte-order mark is tolerated', () => {
    expect(parsePricingFile('\uFEFF{"audio":{"whisper-1":0.006}}', 'bom.json')).toEqual({ audio: { 'whisper-1': 6000 } });
  });
});

describe('loadPricingFile: errors name the file and every problem', () => {
  test('missing file', async () => {
    const path = join(dir, 'does-not-exist.json');
    const error = await errorOf(path);
    expect(error.message).toBe(`Pricing file ${path} has a problem:\n  - cannot be read: file not found`);
  });

  test('a directory', async () => {
    expect((await errorOf(dir)).message).toContain('is a directory, not a file');
  });

  test('bad JSON reports line and column', async () => {
    const path = await writeTemp('bad.json', '{\n  "audio": {\n    "whisper-1": 0.006,\n  }\n}\n');
    const error = await errorOf(path);
    expect(error.message).toMatch(new RegExp(`^Pricing file ${path} has a problem:\\n  - not valid JSON at line 4, column 3: `));
  });

  test.each([
    ['negative price', { chat: { 'gpt-4o': { input: -1, output: 10 } } }, ['chat["gpt-4o"].input: must not be negative (got -1)']],
    ['non-finite price', '{"audio": {"whisper-1": 1e999}}', ['audio["whisper-1"]: must be a finite number of US dollars (got Infinity)']],
    ['price as a string', { embeddings: { 'text-embedding-3-small': '0.02' } }, ['embeddings["text-embedding-3-small"]: must be a finite number of US dollars (got "0.02")']],
    ['missing output', { chat: { 'gpt-4.1': { input: 2 } } }, ['chat["gpt-4.1"].output: is required']],
    ['absurd price', { fineTuningTraining: { 'gpt-4o': 5e6 } }, ['fineTuningTraining["gpt-4o"]: must be at most 1000000 US dollars (got 5000000)']],
    ['unknown top-level key', { chat: {}, prices: {} }, ['unknown top-level key "prices" (allowed: chat, images, audio, audioTokens, embeddings, fineTuningTraining, fallbackChat)']],
    ['unknown key in an entry', { chat: { 'gpt-4o': { input: 1, output: 2, cached: 0.5 } } }, ['chat["gpt-4o"]: unknown key "cached"']],
    ['nested image price', { images: { 'dall-e-3': { '1024x1024': { hd: -0.08 } } } }, ['images["dall-e-3"]["1024x1024"].hd: must not be negative (got -0.08)']],
    ['several problems at once', { chat: { 'gpt-4o': { input: -1, output: -2 } }, extra: 1 }, [
      'chat["gpt-4o"].input: must not be negative (got -1)',
      'chat["gpt-4o"].output: must not be negative (got -2)',
      'unknown top-level key "extra" (allowed: chat, images, audio, audioTokens, embeddings, fineTuningTraining, fallbackChat)',
    ]],
  ])('%s', async (_case, content, problems) => {
    const path = await writeTemp(`case-${Math.random().toString(36).slice(2)}.json`, typeof content === 'string' ? content : JSON.stringify(content));
    const error = await errorOf(path);
    expect(error.file).toBe(path);
    expect(error.problems).toEqual(problems);
    const count = problems.length === 1 ? 'a problem' : `${problems.length} problems`;
    expect(error.message).toBe(`Pricing file ${path} has ${count}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  });

  test('a JSON array is not a pricing file', () => {
    expect(() => parsePricingFile('[]', 'array.json')).toThrow(/Pricing file array.json has a problem:\n {2}- .*expected object/);
  });
});

describe('findErrorOffset (Node 20 gives no position for JSON errors)', () => {
  test.each([
    ['trailing comma in object', '{"a": 1,}', 8],
    ['missing value', '{"a": }', 6],
    ['single quotes', "{'a': 1}", 1],
    ['unterminated string', '{"a": "x', 8],
    ['bad literal', '[tru]', 1],
    ['text after the value', '{} x', 3],
    ['empty text', '', 0],
    ['valid JSON has no error', '{"a": [1, 2.5e3, "x\\n", true, null]}', undefined],
  ])('%s', (_case, text, offset) => {
    expect(findErrorOffset(text)).toBe(offset);
  });
});
