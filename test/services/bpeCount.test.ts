import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { BpeCounter, type EncodingName } from '../../src/services/bpeCount.ts';

/** Counting every text twice over (theirs and ours) takes seconds, tens of them on a busy machine. */
const CORPUS_TIMEOUT_MS = 120_000;
/** The reference: gpt-tokenizer's own encoders (what the bot counted with before). */
interface Reference { countTokens(text: string, options?: { disallowedSpecial?: Set<string> }): number }
const requireCjs = createRequire(import.meta.url);
const reference = (name: EncodingName) => requireCjs(`gpt-tokenizer/cjs/encoding/${name}`) as Reference;
/** Special-token spellings are ordinary text in a message's content: counted as such by both. */
const AS_TEXT = { disallowedSpecial: new Set<string>() };
const ROOT = resolve(import.meta.dirname, '../..');

/** gpt-tokenizer's test plans: samples with the token ids tiktoken gives them. */
function testPlans(): { encoding: string; sample: string; tokens: number }[] {
  const text = readFileSync(requireCjs.resolve('gpt-tokenizer/data/TestPlans.txt'), 'utf8');
  return [...text.matchAll(/EncodingName: (\S+)\nSample: ([\s\S]*?)\nEncoded: \[([^\]]*)\]/g)].map(([, encoding, sample, encoded]) => ({
    encoding: encoding!, sample: sample!, tokens: encoded!.trim() === '' ? 0 : encoded!.split(',').length,
  }));
}

/** Deterministic mixed text: ASCII, CJK, emoji, other scripts, spaces and lone surrogates. */
function mixedTexts(count: number): string[] {
  let seed = 7;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff) / 0x7fffffff;
  return Array.from({ length: count }, () => {
    let text = '';
    const length = Math.floor(next() * 80);
    for (let i = 0; i < length; i++) {
      const kind = next();
      if (kind < 0.35) text += String.fromCharCode(32 + Math.floor(next() * 95));
      else if (kind < 0.5) text += String.fromCharCode(0x4e00 + Math.floor(next() * 3000));
      else if (kind < 0.6) text += String.fromCodePoint(0x1f300 + Math.floor(next() * 600));
      else if (kind < 0.63) text += String.fromCharCode(0xd800 + Math.floor(next() * 0x800));
      else if (kind < 0.8) text += next() < 0.8 ? ' ' : '\n';
      else text += String.fromCharCode(0xa0 + Math.floor(next() * 0x2f00));
    }
    return text;
  });
}

describe.each(['o200k_base', 'cl100k_base'] as const)('%s: the compact counter counts exactly as gpt-tokenizer', (name) => {
  const ours = BpeCounter.load(name);
  const theirs = reference(name);

  test('on tiktoken\'s reference samples', () => {
    const plans = testPlans().filter((plan) => plan.encoding === name);
    expect(plans.length).toBeGreaterThan(10);
    for (const plan of plans) expect({ sample: plan.sample, count: ours.count(plan.sample) }).toEqual({ sample: plan.sample, count: plan.tokens });
  });

  test('on this project\'s sources and README (code, English, Chinese) and on 2,000 mixed texts', () => {
    const files = (readdirSync(join(ROOT, 'src'), { recursive: true }) as string[]).filter((file) => file.endsWith('.ts'));
    const texts = [readFileSync(join(ROOT, 'README.md'), 'utf8'), ...files.map((file) => readFileSync(join(ROOT, 'src', file), 'utf8')), ...mixedTexts(2000)];
    const differences = texts.filter((text) => ours.count(text) !== theirs.countTokens(text, AS_TEXT));
    expect(differences).toEqual([]);
  }, CORPUS_TIMEOUT_MS);

  test('on long runs (merged pair by pair), special-token spellings, lone surrogates and the empty text', () => {
    const texts = ['a'.repeat(2000), 'ab'.repeat(700), '🙂'.repeat(300), '很'.repeat(500), ' '.repeat(300), '\n\n\n  \t',
      'ask <|endoftext|> and <|im_start|>system', '\ud800', 'x\udc00y', '\ud83d', '', '1234567890123', "don't WE'LL it's"];
    for (const text of texts) expect({ text, count: ours.count(text) }).toEqual({ text, count: theirs.countTokens(text, AS_TEXT) });
  });

  test('again from its recent pieces (the same counts the second time)', () => {
    const text = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(ours.count(text)).toBe(ours.count(text));
    expect(ours.count(text)).toBe(theirs.countTokens(text, AS_TEXT));
  });

  test('in a few MB, outside the JavaScript heap (no rank table: OpenAI\'s ranks are the line numbers)', () => {
    expect(ours.tableBytes).toBeLessThan(name === 'o200k_base' ? 4_400_000 : 2_200_000);
  });
});

describe('loading in slices (after READY, while interactions may arrive)', () => {
  test.each(['o200k_base', 'cl100k_base'] as const)('%s: counts as the one-go load, and lets the event loop turn many times meanwhile', async (name) => {
    let turns = 0;
    let loading = true;
    const tick = () => {
      turns++;
      if (loading) setImmediate(tick);
    };
    setImmediate(tick);
    // An unreachable slice length would make it one go; 0 yields at every step (about a thousand lines each).
    const sliced = await BpeCounter.loadInSlices(name, 0);
    loading = false;
    const whole = BpeCounter.load(name);
    const text = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(sliced.count(text)).toBe(whole.count(text));
    expect(sliced.tableBytes).toBe(whole.tableBytes);
    // One step per thousand lines read and per thousand tokens indexed: o200k has 200k tokens, cl100k 100k.
    expect(turns).toBeGreaterThan(name === 'o200k_base' ? 300 : 150);
  });
});
