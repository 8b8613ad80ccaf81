import { describe, expect, test } from 'vitest';
import { exactAllowedModels, isModelAllowed, mayAllowFineTunesOf, parseAllowedModels, type AllowedModels } from '../../src/services/allowedModels.ts';

const list = (text: string): AllowedModels => {
  const parsed = parseAllowedModels(text);
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return parsed.allowed;
};

describe('parseAllowedModels', () => {
  test.each([[undefined], [''], ['  '], [' , ,']])('%j is no list: every model allowed', (text) => {
    expect(parseAllowedModels(text)).toEqual({ ok: true, allowed: null });
    expect(isModelAllowed(null, 'gpt-4.5-preview')).toBe(true);
  });

  test('entries are trimmed and kept as written; empty ones are skipped', () => {
    expect(list(' gpt-4o* ,, Llama3.1:8B,ft:* ')).toEqual(['gpt-4o*', 'Llama3.1:8B', 'ft:*']);
  });

  test.each([
    ['gpt-*-mini', 'takes a * only at the end of an entry (a prefix, like gpt-4o*); not understood: gpt-*-mini'],
    ['*gpt', 'takes a * only at the end of an entry (a prefix, like gpt-4o*); not understood: *gpt'],
    ['gpt-4o mini, o4-mini', 'entries are separated by commas and hold no spaces; not understood: gpt-4o mini'],
  ])('%j is refused: %s', (text, problem) => {
    expect(parseAllowedModels(text)).toEqual({ ok: false, problems: [problem] });
  });
});

describe('isModelAllowed', () => {
  const allowed = list('gpt-4o*, o4-mini, ft:*, Llama3.1:8B');
  test.each([
    ['gpt-4o', true], ['gpt-4o-mini', true], ['GPT-4O-2024-08-06', true], ['  gpt-4o-mini ', true],
    ['o4-mini', true], ['O4-MINI', true], ['o4-mini-2025-04-16', false], ['o4', false],
    ['ft:gpt-4o-mini:org::abc', true], ['llama3.1:8b', true], ['llama3.1:70b', false],
    ['gpt-4.1', false], ['gpt-4', false], ['gpt-4.5-preview', false], ['o1-pro', false], ['', false],
  ])('%j → %s', (model, expected) => {
    expect(isModelAllowed(allowed, model)).toBe(expected);
  });

  test('a lone * allows every model', () => {
    expect(isModelAllowed(list('*'), 'anything-at-all')).toBe(true);
  });

  test('exact entries (not prefixes) are offered as suggestions, as written', () => {
    expect(exactAllowedModels(allowed)).toEqual(['o4-mini', 'Llama3.1:8B']);
    expect(exactAllowedModels(null)).toEqual([]);
  });
});

describe('mayAllowFineTunesOf', () => {
  test.each([
    ['gpt-4o*, o4-mini', 'gpt-4o-mini-2024-07-18', false], ['gpt-4.1*', 'gpt-4.1-mini-2025-04-14', false],
    ['ft:*', 'gpt-4.1-nano-2025-04-14', true], ['*', 'gpt-4o-mini-2024-07-18', true], ['f*', 'gpt-4o-mini-2024-07-18', true],
    ['FT:GPT-4o-mini*', 'gpt-4o-mini-2024-07-18', true], ['ft:gpt-4o-mini-2024-07-18:my-org*', 'gpt-4o-mini-2024-07-18', true],
    ['ft:gpt-4.1*', 'gpt-4o-mini-2024-07-18', false],
    // OpenAI names a gpt-3.5-turbo fine-tune by its snapshot: ft:gpt-3.5-turbo-0125:…
    ['ft:gpt-3.5-turbo-0125:my-org::abc123', 'gpt-3.5-turbo', true], ['ft:gpt-4o-mini-2024-07-18:my-org::abc', 'gpt-4.1-mini-2025-04-14', false],
  ])('%j, fine-tunes of %j → %s', (text, base, expected) => {
    expect(mayAllowFineTunesOf(list(text), base)).toBe(expected);
  });

  test('no list allows every fine-tune', () => {
    expect(mayAllowFineTunesOf(null, 'gpt-4o-mini-2024-07-18')).toBe(true);
  });
});
