import { GatewayDispatchEvents, type Client, type GatewayMessageCreateDispatchData } from 'discord.js';

/** Packets held until discord.js handles them: one at a time, more only while it queues them (before READY). */
const MAX_HELD_AUTHORS = 1_000;

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

  /** Listens before discord.js handles each packet (WebSocketManager emits the dispatch first). */
  constructor(client: Client) {
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
}
