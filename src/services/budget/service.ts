import type { BotContext } from '../../context.ts';
import type { Db } from '../../db/connection.ts';
import { BudgetStore } from '../../db/budgetLimits.ts';
import { BudgetAdmin } from './admin.ts';

const built = new WeakMap<Db, BudgetAdmin>();

/**
 * The budget service of a running bot. Until src/app.ts builds it into `ctx.services.budget`
 * (with the injected clock), it is built once per database on first use.
 */
export function budgetAdminOf(ctx: BotContext): BudgetAdmin {
  const wired = (ctx.services as { budget?: BudgetAdmin }).budget;
  if (wired) return wired;
  let admin = built.get(ctx.db);
  if (!admin) {
    admin = new BudgetAdmin(new BudgetStore(ctx.db), ctx.services.ledger);
    built.set(ctx.db, admin);
  }
  return admin;
}
