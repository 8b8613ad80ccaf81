import { expect, test } from 'vitest';
import { channelPool, TEST_CHANNEL_IDS } from './botHarness.ts';

test('channelPool hands out each test channel once, from where it starts, and throws once it reaches its end', () => {
  const last = TEST_CHANNEL_IDS.length - 1;
  const next = channelPool(last - 1);
  expect([next(), next()]).toEqual([TEST_CHANNEL_IDS[last - 1], TEST_CHANNEL_IDS[last]]);
  expect(next).toThrow(`test channels ${last - 1}-${last} are all used`);
  const bounded = channelPool(0, 1);
  expect(bounded()).toBe(TEST_CHANNEL_IDS[0]);
  expect(bounded).toThrow('test channels 0-0 are all used');
});
