import type { BotContext } from '../../context.ts';
import type { BudgetAdmin } from './admin.ts';

/** The budget service of a running bot (built once in src/app.ts with the bot's clock). */
export function budgetAdminOf(ctx: BotContext): BudgetAdmin {
  return ctx.services.budget;
}
