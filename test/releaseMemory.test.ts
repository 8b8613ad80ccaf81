import { getHeapSpaceStatistics } from 'node:v8';
import { expect, test } from 'vitest';
import { releaseStartupMemory } from '../src/releaseMemory.ts';

const youngGenerationBytes = () => getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')!.physical_space_size;

test('gives back the young generation that a burst of short-lived objects grew, which an ordinary collection keeps', async () => {
  let kept: unknown[] = [];
  for (let i = 0; i < 400_000; i++) {
    kept.push({ i, text: String(i) });
    if (kept.length > 50_000) kept = [];
  }
  const grown = youngGenerationBytes();
  expect(grown).toBeGreaterThan(2 * 1024 * 1024);
  expect(await releaseStartupMemory()).toBe('low-memory');
  expect(youngGenerationBytes()).toBeLessThan(grown / 2);
});
