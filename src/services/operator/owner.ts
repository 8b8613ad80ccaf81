import { Team, type Client } from 'discord.js';

/** Discord's application info says who owns the bot; it is read again after this long, so a transfer shows within minutes. */
export const OWNER_CACHE_MS = 5 * 60_000;

/** The application's owner, or its team's owner: the one person /operator answers and the bill's notices go to. */
export class ApplicationOwner {
  private cached: { id: string; at: number } | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  async id(client: Client): Promise<string> {
    if (this.cached && this.now() - this.cached.at < OWNER_CACHE_MS) return this.cached.id;
    const application = await client.application!.fetch();
    const owner = application.owner;
    const id = owner instanceof Team ? owner.ownerId : owner?.id;
    if (!id) throw new Error('Discord returned no owner for this application');
    this.cached = { id, at: this.now() };
    return id;
  }

  async is(client: Client, userId: string): Promise<boolean> {
    return (await this.id(client)) === userId;
  }
}
