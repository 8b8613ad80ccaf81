import { Writable } from 'node:stream';
import { DiscordAPIError, type RepliableInteraction } from 'discord.js';
import { describe, expect, test } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import { createLogger } from '../../../src/logger.ts';
import { showOrDm } from '../../../src/services/images/delivery.ts';

const discordError = (code: number, status: number, message: string) =>
  new DiscordAPIError({ code, message }, code, status, 'POST', 'https://discord.test/api/v10/x', { body: undefined, files: undefined });

/** An interaction made `ageMs` ago whose DMs answer with `dmError` (or accept). */
function interaction(ageMs: number, dmError?: Error) {
  const sent: unknown[] = [];
  const user = { send: async (message: unknown) => { if (dmError) throw dmError; sent.push(message); } };
  return { sent, interaction: { createdTimestamp: Date.now() - ageMs, user } as unknown as RepliableInteraction };
}

function logger() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({ write: (chunk, _encoding, done) => { lines.push(JSON.parse(String(chunk)) as Record<string, unknown>); done(); } });
  return { lines, log: createLogger(loadConfig({ DISCORD_TOKEN: 'x', OPENAI_API_KEY: 'y', LOG_LEVEL: 'debug', LOG_FORMAT: 'json' }), sink) };
}

const late = () => ({ content: 'late', fileGroups: [[{ attachment: Buffer.from('png'), name: 'imagine-1.png' }], [{ attachment: Buffer.from('png'), name: 'imagine-2.png' }]] });

describe('a paid result the interaction can no longer show', () => {
  test('after 15 minutes it goes to the member by DM (content with the first files, then the rest), not to the interaction', async () => {
    const { sent, interaction: i } = interaction(16 * 60_000);
    let shown = false;
    await showOrDm(i, async () => { shown = true; }, late, logger().log);
    expect(shown).toBe(false);
    expect(sent).toEqual([
      { content: 'late', files: [expect.objectContaining({ name: 'imagine-1.png' })], allowedMentions: { parse: [] } },
      { files: [expect.objectContaining({ name: 'imagine-2.png' })], allowedMentions: { parse: [] } },
    ]);
  });

  test('an edit Discord refuses with Invalid Webhook Token (50027) also goes by DM; other errors are not swallowed', async () => {
    const { sent, interaction: i } = interaction(1_000);
    await showOrDm(i, async () => { throw discordError(50027, 401, 'Invalid Webhook Token'); }, late, logger().log);
    expect(sent).toHaveLength(2);
    await expect(showOrDm(i, async () => { throw discordError(50013, 403, 'Missing Permissions'); }, late, logger().log)).rejects.toThrow('Missing Permissions');
  });

  test('closed DMs (50007) are skipped silently: no throw, nothing above debug in the log', async () => {
    const { interaction: i } = interaction(16 * 60_000, discordError(50007, 403, 'Cannot send messages to this user'));
    const { lines, log } = logger();
    await expect(showOrDm(i, async () => undefined, late, log)).resolves.toBeUndefined();
    expect(lines.filter((line) => line.msg === 'late result not sent: the member does not accept DMs')).toHaveLength(1);
    expect(lines.filter((line) => line.msg === 'late result could not be sent by DM')).toHaveLength(0);
  });
});
