import { describe, expect, test } from 'vitest';
import { endpointOf } from '../../../src/services/metrics/openaiFetch.ts';

describe('endpointOf: a bounded label for every OpenAI URL', () => {
  test.each([
    ['https://api.openai.com/v1/chat/completions', undefined, 'chat/completions'],
    ['https://api.openai.com/v1/images/generations', undefined, 'images/generations'],
    ['https://api.openai.com/v1/audio/transcriptions', undefined, 'audio/transcriptions'],
    ['https://api.openai.com/v1/models', undefined, 'models'],
    ['https://api.openai.com/v1/models/gpt-4o-mini', undefined, 'models'],
    ['https://api.openai.com/v1/files/file-abc123/content', undefined, 'files'],
    ['https://api.openai.com/v1/fine_tuning/jobs/ftjob-abc/events?limit=20', undefined, 'fine_tuning'],
    ['http://127.0.0.1:11434/v1/chat/completions', 'http://127.0.0.1:11434/v1', 'chat/completions'],
    ['http://proxy.local/openai/api/v1/completions', 'http://proxy.local/openai/api/v1', 'completions'],
    ['http://127.0.0.1:8000/chat/completions', 'http://127.0.0.1:8000', 'chat/completions'],
    ['https://api.openai.com/v1/something/new', undefined, 'other'],
    ['https://api.openai.com/v1/user-123/chat/completions', undefined, 'other'],
    ['not a url', undefined, 'other'],
  ])('%s', (url, base, expected) => {
    expect(endpointOf(url, base)).toBe(expected);
  });
});
