import { describe, expect, test } from 'vitest';
import { knownSpelling } from '../../src/services/modelSpelling.ts';

const KNOWN = ['gpt-4o', 'gpt-4o-mini', 'Llama-3-Local', 'mistral', 'Mistral'];

describe('knownSpelling', () => {
  test.each([
    ['GPT-4o', 'gpt-4o'],
    ['llama-3-local', 'Llama-3-Local'],
    ['GPT-4O-MINI-2024-07-18', 'gpt-4o-mini-2024-07-18'],
    ['gpt-4o', undefined],
    ['gpt-4o-mini-2024-07-18', undefined],
    ['MISTRAL', undefined],
    ['Mistral', undefined],
    ['my-model', undefined],
    ['GPT-4o-0125-preview', undefined],
  ] as const)('%s → %s', (typed, expected) => {
    expect(knownSpelling(typed, KNOWN)).toBe(expected);
  });
});
