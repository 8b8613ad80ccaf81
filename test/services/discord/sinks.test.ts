import { expect, test } from 'vitest';
import type { RepliableInteraction } from 'discord.js';
import { InteractionSink } from '../../../src/services/discord/sinks.ts';
import { INTERACTION_TOKEN_LIFETIME_MS } from '../../../src/services/discord/limits.ts';

test('an interaction older than its 15-minute token is not edited: a clear error instead of a 401 from Discord', async () => {
  const interaction = {
    applicationId: '1', token: 'tok', createdTimestamp: Date.now() - INTERACTION_TOKEN_LIFETIME_MS,
    client: { rest: { options: { api: 'http://127.0.0.1:9/api', version: '10' } } },
  } as unknown as RepliableInteraction;
  const sink = new InteractionSink(interaction, false);
  // Port 9 refuses connections: a request would fail differently, so the message proves none was sent.
  await expect(sink.write(0, 'late text')).rejects.toThrow(/token expired \(15 minutes\)/);
});
