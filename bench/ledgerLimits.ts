import { NO_OPERATOR_LIMITS, type OperatorLimits } from '../src/services/budget/ledger.ts';

/** Every operator limit on (and never reached), so the benchmark pays for checking each of them. */
export const OPERATOR_BENCH_LIMITS: OperatorLimits = {
  ...NO_OPERATOR_LIMITS,
  bot: { amountMicros: 1e15, period: 'month' },
  member: { amountMicros: 1e13, period: 'month' },
  server: { amountMicros: 1e14, period: 'month' },
};
