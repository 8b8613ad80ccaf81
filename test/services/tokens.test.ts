import { describe, expect, test, vi } from 'vitest';
import { nameCandidates } from '../../src/services/pricing/modelNames.ts';
import { BpeCounter } from '../../src/services/bpeCount.ts';
import { baseModelCandidates, outputCounter, preloadTokenizers, TokenCounter, tokenizerOf } from '../../src/services/tokens.ts';

describe('model names: the tokenizer and the price table read them the same way', () => {
  test.each([
    ['gpt-4o-mini-2024-07-18', ['gpt-4o-mini-2024-07-18', 'gpt-4o-mini']],
    ['gpt-3.5-turbo-16k-0613', ['gpt-3.5-turbo-16k-0613', 'gpt-3.5-turbo-16k']],
    ['gpt-4-0125-preview', ['gpt-4-0125-preview']],
    ['ft:gpt-4o-mini-2024-07-18:acme::abc123', ['ft:gpt-4o-mini-2024-07-18:acme::abc123', 'gpt-4o-mini-2024-07-18', 'gpt-4o-mini']],
    ['llama3.1:8b', ['llama3.1:8b']],
    ['model-9999', ['model-9999']], // not a date: kept whole by both
  ])('%s', (model, expected) => {
    expect(baseModelCandidates(model)).toEqual(expected);
    const base = model.startsWith('ft:') ? expected[1]! : model;
    expect(baseModelCandidates(model).slice(model.startsWith('ft:') ? 1 : 0)).toEqual(nameCandidates(base));
  });

  test.each([
    ['gpt-4o-mini-2024-07-18', 'o200k'],
    ['ft:gpt-3.5-turbo-0125:acme::x', 'cl100k'],
    ['gpt-3.5-turbo-16k-0613', 'cl100k'],
    ['llama3.1:8b', 'unknown'],
  ])('%s counts with %s', (model, tokenizer) => {
    expect(tokenizerOf(model)).toBe(tokenizer);
  });
});

describe('counting a message', () => {
  test('text spelling a special token (<|endoftext|>) is counted as the text it is, not refused', () => {
    const counter = new TokenCounter(8_000);
    const plain = counter.countMessage('ask endoftext and im_start');
    const spelled = counter.countMessage('ask <|endoftext|> and <|im_start|>');
    expect(spelled.tokens).toBeGreaterThan(plain.tokens);
    expect(spelled.tokensCl100k).toBeGreaterThan(plain.tokensCl100k);
  });
});

describe('preloading the tokenizers', () => {
  test('an encoding already loaded (a count, an earlier start in this process) is not read and parsed again', async () => {
    // Both encodings loaded by a count, as a question before the preload ended (or a previous bot in this process) does.
    outputCounter('gpt-4o-mini')('hello');
    outputCounter('gpt-4')('hello');
    const slices = vi.spyOn(BpeCounter, 'loadInSlices');
    try {
      await preloadTokenizers();
      expect(slices).not.toHaveBeenCalled();
    } finally {
      slices.mockRestore();
    }
  });
});
