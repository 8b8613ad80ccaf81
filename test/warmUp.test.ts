/**
 * The after-start warm-up builds a made-up answer's context with the output room a real answer leaves (the capped
 * allowance of outputAllowance.ts), so it runs the path a real question takes, not an early "prompt too long".
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import type { ContextRequest, ContextResult } from '../src/services/history.ts';
import { warmUp } from '../src/warmUp.ts';
import { builtContext } from './support/builtContext.ts';

let close: (() => void) | undefined;
afterEach(() => { close?.(); close = undefined; });

describe('the warm-up', () => {
  test.each([
    // A 4,096-token window: MAX_OUTPUT_TOKENS (4,096) would leave no room for the question at all.
    ['gpt-3.5-turbo-0613', { MAX_OUTPUT_TOKENS: '4096' }],
    // A reasoning model thinks within REASONING_MAX_OUTPUT_TOKENS, not MAX_OUTPUT_TOKENS.
    ['o4-mini', { MAX_OUTPUT_TOKENS: '1024', REASONING_MAX_OUTPUT_TOKENS: '16000' }],
  ])('on %s reserves the allowance a real answer gets, and its context is built', async (model, env) => {
    const built = await builtContext({ DEFAULT_MODEL: model, ...env });
    close = built.close;
    const { ctx } = built;
    const calls: { request: ContextRequest; result: ContextResult }[] = [];
    const build = ctx.services.history.build.bind(ctx.services.history);
    vi.spyOn(ctx.services.history, 'build').mockImplementation((request) => {
      const result = build(request);
      calls.push({ request, result });
      return result;
    });
    const allowance = ctx.services.reasoning.outputAllowance(model, ctx.config.maxOutputTokens);
    expect(allowance).not.toBe(ctx.config.maxOutputTokens);

    await warmUp(ctx);

    expect(calls.length).toBeGreaterThan(0);
    for (const { request, result } of calls) {
      expect(request).toMatchObject({ model, outputReserve: allowance });
      expect(result.ok).toBe(true);
    }
  }, 30_000);
});
