import { describe, expect, test } from 'vitest';
import { builtContext } from '../../support/builtContext.ts';

const build = (env: Record<string, string>) => builtContext(env, () => Date.parse('2026-12-06T12:00:00Z'));

describe('start-up with an IMAGE_MODEL OpenAI has shut down', () => {
  test('on OpenAI\'s own API (OPENAI_BASE_URL unset): the default gpt-image-1 is logged as shut down and /imagine refuses it', async () => {
    const { ctx, lines, close } = await build({});
    try {
      expect(lines.some((line) => line.includes('IMAGE_MODEL was shut down by OpenAI') && line.includes('"shutDown":"2026-10-23"'))).toBe(true);
      expect(ctx.services.imagine.plan({ prompt: 'a fox' })).toEqual({ ok: false, problem: { kind: 'retired', model: 'gpt-image-1', date: '2026-10-23' } });
    } finally {
      close();
    }
  });

  test('on a compatible server, which may still serve the name: no warning, planned as before', async () => {
    const { ctx, lines, close } = await build({ OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' });
    try {
      expect(lines.some((line) => line.includes('IMAGE_MODEL was shut down'))).toBe(false);
      expect(ctx.services.imagine.plan({ prompt: 'a fox' })).toMatchObject({ ok: true, plan: { model: 'gpt-image-1' } });
    } finally {
      close();
    }
  });
});
