import { GatewayDispatchEvents, Routes, type APIGuildMember, type Client, type GatewayMessageCreateDispatchData, type Message } from 'discord.js';
import type { Logger } from '../../logger.ts';
import { deadEndDetails } from './deadEnd.ts';

/** Packets held until discord.js handles them: one at a time, more only while it queues them (before READY). */
const MAX_HELD_AUTHORS = 1_000;
/** Authors let go come in bursts (a backlog before READY): one warning per this long tells the operator without a line per message. */
const LET_GO_WARN_INTERVAL_MS = 10 * 60_000;

/** A server message's author as the gateway sent them: their roles decide their role limits. */
export interface MessageAuthor {
  roles: readonly string[];
  nick?: string | null;
}

/**
 * The author of each server message, read from the gateway packet. discord.js finds `message.member` only in its members
 * cache, which keeps no members but the bot's (src/discordCache.ts), so without this every mention, message in the bot's
 * threads and voice message would pay as a member without roles: at the server default, past any role limit.
 */
export class MessageAuthors {
  private readonly held = new Map<string, MessageAuthor>();
  private letGoSinceWarning = 0;
  private lastWarning: number | undefined;

  /** Listens before discord.js handles each packet (WebSocketManager emits the dispatch first). */
  constructor(client: Client, private readonly log: Logger, private readonly now: () => number = () => performance.now()) {
    client.ws.on(GatewayDispatchEvents.MessageCreate, (data: GatewayMessageCreateDispatchData) => this.note(data));
  }

  private note(data: GatewayMessageCreateDispatchData): void {
    if (!data.member) return;
    this.held.set(data.id, { roles: data.member.roles, nick: data.member.nick });
    // Packets discord.js never turned into a message (an uncached channel) are forgotten, oldest first.
    for (const id of this.held.keys()) {
      if (this.held.size <= MAX_HELD_AUTHORS) break;
      this.held.delete(id);
    }
  }

  /** The author of this message as it arrived (once: the entry is let go); undefined when it brought none (a DM, a webhook). */
  take(messageId: string): MessageAuthor | undefined {
    const author = this.held.get(messageId);
    this.held.delete(messageId);
    return author;
  }

  /**
   * For a member's server message whose author was let go (take found none): counted, and warned about at most once per
   * LET_GO_WARN_INTERVAL_MS with the count since the last warning.
   */
  letGo(): void {
    this.letGoSinceWarning++;
    const now = this.now();
    if (this.lastWarning !== undefined && now - this.lastWarning < LET_GO_WARN_INTERVAL_MS) return;
    this.log.warn(
      { messages: this.letGoSinceWarning, held: MAX_HELD_AUTHORS },
      'server messages arrived after their authors were let go (more messages queued before the bot was ready than it holds authors for): those addressed to the bot fetch their author from Discord first, one request each; the rest are ignored as always',
    );
    this.letGoSinceWarning = 0;
    this.lastWarning = now;
  }

  /** The author as Discord has them now (one bot-token request); undefined when they left or Discord did not answer, logged. */
  async fetch(message: Message<true>, log: Logger): Promise<MessageAuthor | undefined> {
    try {
      const member = await message.client.rest.get(Routes.guildMember(message.guildId, message.author.id)) as APIGuildMember;
      return { roles: member.roles, nick: member.nick };
    } catch (error) {
      log.warn(deadEndDetails(error), 'could not fetch the author of a message whose author was let go: it is not answered, since their roles decide their limits');
      return undefined;
    }
  }
}
