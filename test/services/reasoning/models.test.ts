import { describe, expect, test } from 'vitest';
import { parseReasoningModels, ReasoningModels } from '../../../src/services/reasoning/models.ts';

const models = new ReasoningModels(new Map([['my-o3', 'o3'], ['azure-thinker', null]]));

describe('reasoning models', () => {
  test.each([
    ['o1', 'o1', ['low', 'medium', 'high']],
    ['o1-mini-2024-09-12', 'o1-mini', []],
    ['o1-preview', 'o1-preview', []],
    ['o3-mini', 'o3-mini', ['low', 'medium', 'high']],
    ['o4-mini', 'o4-mini', ['low', 'medium', 'high']],
    ['ft:o4-mini-2025-04-16:acme::abc123', 'o4-mini', ['low', 'medium', 'high']],
    ['gpt-5', 'gpt-5', ['minimal', 'low', 'medium', 'high']],
    ['gpt-5-mini-2025-08-07', 'gpt-5-mini', ['minimal', 'low', 'medium', 'high']],
    ['gpt-5-nano', 'gpt-5-nano', ['minimal', 'low', 'medium', 'high']],
    ['gpt-5.1', 'gpt-5.1', ['low', 'medium', 'high']],
    ['gpt-5-pro', 'gpt-5-pro', ['high']],
    ['my-o3', 'o3', ['low', 'medium', 'high']],
    ['azure-thinker', 'azure-thinker', ['low', 'medium', 'high']],
  ])('%s is a reasoning model (%s) taking %j', (model, family, efforts) => {
    expect(models.profile(model)).toEqual({ family, efforts });
  });

  test.each(['gpt-4o-mini', 'gpt-4.1', 'gpt-5-chat-latest', 'gpt-5.1-chat-latest', 'gpt-3.5-turbo', 'llama3.1:8b', 'deepseek-r1:8b', 'ft:gpt-4o-mini-2024-07-18:acme::x'])('%s is an ordinary chat model', (model) => {
    expect(models.profile(model)).toBeUndefined();
  });

  test('an effort the model does not take becomes the nearest one it does', () => {
    expect(models.effortFor(models.profile('o4-mini')!, 'minimal')).toBe('low');
    expect(models.effortFor(models.profile('o4-mini')!, 'high')).toBe('high');
    expect(models.effortFor(models.profile('gpt-5')!, 'minimal')).toBe('minimal');
    expect(models.effortFor(models.profile('gpt-5-pro')!, 'low')).toBe('high');
    expect(models.effortFor(models.profile('o1-mini')!, 'low')).toBeUndefined();
    expect(models.effortFor(models.profile('o3')!, undefined)).toBeUndefined();
  });

  test('REASONING_MODELS: names alone or name=model; a model that is not a reasoning model is refused', () => {
    const parsed = parseReasoningModels(' my-o3 = o3, azure-thinker ,');
    expect(parsed.ok && [...parsed.overrides]).toEqual([['my-o3', 'o3'], ['azure-thinker', null]]);
    const bad = parseReasoningModels('a=gpt-4o, b=c=d');
    expect(bad.ok ? [] : bad.problems).toEqual([
      'gpt-4o (after a=) is not a reasoning model the bot knows (o1, o3, o4-mini, gpt-5…)',
      'must be model names, each alone or as name=model (e.g. my-o3=o3); not understood: b=c=d',
    ]);
  });
});
