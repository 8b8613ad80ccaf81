import { describe, expect, test } from 'vitest';
import { formatUsd, MAX_PARSED_USD, parseUsd, usdToMicros } from '../../../src/services/pricing/index.ts';

describe('formatUsd', () => {
  test.each([
    [0, '$0.00'],
    [1, '$0.000001'],
    [12_300, '$0.0123'],
    [10_000, '$0.01'],
    [500_000, '$0.50'],
    [2_000_000, '$2.00'],
    [2_500_000, '$2.50'],
    [1_234_567_890, '$1,234.56789'],
    [1_000_000_000_000, '$1,000,000.00'],
    [-100_000, '-$0.10'],
  ])('%i → %s', (micros, text) => {
    expect(formatUsd(micros)).toBe(text);
  });

  test('rejects non-integers', () => {
    expect(() => formatUsd(0.5)).toThrow(RangeError);
  });
});

describe('parseUsd: accepted', () => {
  test.each([
    ['0.5', 500_000],
    ['$2', 2_000_000],
    ['1.25', 1_250_000],
    [' 3 ', 3_000_000],
    ['0', 0],
    ['$ 4.5', 4_500_000],
    ['.25', 250_000],
    ['0.1', 100_000],
    ['0.000001', 1],
    ['1.5000000', 1_500_000],
    ['1000000', 1_000_000_000_000],
  ])('%j → %i', (text, micros) => {
    expect(parseUsd(text)).toEqual({ ok: true, micros });
  });
});

describe('parseUsd: rejected with a clear message', () => {
  test.each([
    ['-1', 'negative', 'must not be negative'],
    ['$-2', 'negative', 'must not be negative'],
    ['', 'empty', 'Enter an amount'],
    ['  $ ', 'empty', 'Enter an amount'],
    ['abc', 'not-a-number', 'is not a dollar amount'],
    ['1.2.3', 'not-a-number', 'is not a dollar amount'],
    ['.', 'not-a-number', 'is not a dollar amount'],
    ['+5', 'not-a-number', 'is not a dollar amount'],
    ['0.1234567', 'too-many-decimals', 'at most 6 decimal places'],
    ['NaN', 'not-finite', 'is not an amount'],
    ['Infinity', 'not-finite', 'is not an amount'],
    ['1e3', 'exponent', 'no exponent'],
    ['2.5E-1', 'exponent', 'no exponent'],
    ['1,000', 'separator', 'no thousands separators'],
    ['1,5', 'separator', 'Use a dot for decimals'],
    ['1000000.000001', 'too-large', 'at most $1,000,000'],
    ['99999999999999999999', 'too-large', 'at most $1,000,000'],
  ])('%j → %s', (text, error, message) => {
    const result = parseUsd(text);
    expect(result).toMatchObject({ ok: false, error });
    expect(result.ok ? '' : result.message).toContain(message);
  });

  test('the cap is one million dollars', () => {
    expect(MAX_PARSED_USD).toBe(1_000_000);
  });
});

describe('usdToMicros', () => {
  test.each([
    [0.15, 150_000],
    [0.075, 75_000],
    [0.6, 600_000],
    [0.0001, 100],
    [1.1, 1_100_000],
    [4.4, 4_400_000],
    [0.167, 167_000],
  ])('%d USD → %i micro-dollars exactly', (usd, micros) => {
    expect(usdToMicros(usd)).toBe(micros);
  });

  test.each([[-1], [Number.NaN], [Number.POSITIVE_INFINITY]])('rejects %d', (usd) => {
    expect(() => usdToMicros(usd)).toThrow(RangeError);
  });
});
