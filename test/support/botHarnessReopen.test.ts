import { describe, expect, test } from 'vitest';
import { BotHarness } from './botHarness.ts';
import { DEFAULT_GUILD_ID, DEFAULT_USER_ID } from './fakeDiscord.ts';

const MANAGE_GUILD = String(1n << 5n);

// A bot reopened on the same database finds its commands unchanged (the stored hash) and skips registering, as it
// should: Discord keeps them. The second harness's fake Discord held none, so it guessed each option's type from the
// test's value (a user id became a string option) and delivered commands Discord would never have delivered.
describe('a harness reopened on the same database', () => {
  test("keeps the commands the first one registered, as Discord does, and still refuses a command it doesn't know", async () => {
    const first = await BotHarness.start();
    const registered = first.discord.commands(DEFAULT_GUILD_ID).map((c) => [c.id, c.name]);
    expect(first.discord.registrations).toBe(1);
    await first.close();

    const second = await BotHarness.start({ databasePath: first.databasePath });
    try {
      expect(second.logs().some((line) => line.msg === 'slash commands unchanged since the last start; not registering')).toBe(true);
      expect(second.discord.registrations).toBe(0);
      expect(second.discord.commands(DEFAULT_GUILD_ID).map((c) => [c.id, c.name])).toEqual(registered);
      // A user option arrives typed as one (6, with its resolved user), as the bot's definition says.
      const set = second.command('budget', { user: DEFAULT_USER_ID, amount: '0.5', period: 'day' }, { subcommand: 'set-user', permissions: MANAGE_GUILD });
      await second.settled(set);
      expect((set.callbacks[0]!.data as { content: string }).content).toBe(`Limit for <@${DEFAULT_USER_ID}>: none → $0.50 a day.`);
      expect(() => second.command('no-such-command')).toThrow(/no command "no-such-command" \(type 1\) is registered/);
    } finally {
      await second.close();
    }
  });
});
