/**
 * /translate can't be built without the output-allowance rule (ReasoningService.outputAllowance): a translation is asked
 * for no more than the model may write and its window leaves, the rule /ask follows. Checked by the type checker
 * (`npx tsc --noEmit` runs over test/): the lines below stop compiling if the dependency becomes optional again.
 * The rule itself, through the bot, is in test/services/outputAllowance.test.ts.
 */
import { describe, expect, expectTypeOf, test } from 'vitest';
import type { TranslateDependencies } from '../../../src/services/translate/service.ts';
import { builtContext } from '../../support/builtContext.ts';

describe('the /translate service', () => {
  test('requires the output-allowance rule, and the bot builds it with the one /ask uses', async () => {
    expectTypeOf<TranslateDependencies['reasoning']>().not.toBeNullable();
    // @ts-expect-error: `reasoning` is required.
    const withoutRule: TranslateDependencies = { paidChat: undefined as never, tokens: undefined as never, maxOutputTokens: 1024 };
    expect(withoutRule).not.toHaveProperty('reasoning');

    const { ctx, close } = await builtContext({ MAX_OUTPUT_TOKENS: '4096' });
    try {
      const deps = (ctx.services.translate as unknown as { deps: TranslateDependencies }).deps;
      expect(deps.reasoning).toBe(ctx.services.reasoning);
    } finally {
      close();
    }
  });
});
