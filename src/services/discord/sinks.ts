import {
  MessageFlags, REST, Routes, type APIMessage, type Client, type Message, type MessageEditOptions, type RepliableInteraction, type SendableChannels,
} from 'discord.js';
import { InteractionExpiredError } from './deadEnd.ts';
import { INTERACTION_TOKEN_LIFETIME_MS, INTERACTION_TOKEN_SAFETY_MS } from './limits.ts';
import type { MessageComponents, MessageSink } from './replyStream.ts';

/** Model text must never ping anyone: no @everyone, @here, roles or users. */
export const NO_MENTIONS = { parse: [] } as const;

/**
 * Interaction webhooks are not bound by the bot's global 50 requests/s, but discord.js's REST
 * counts every request in it. Streaming edits of interaction replies therefore go through a
 * REST client of their own (per-webhook buckets still apply there), so they never delay the
 * bot-token calls — channel replies and their final edits.
 */
const INTERACTION_WEBHOOK_REQUESTS_PER_SECOND = 1000;
const webhookClients = new WeakMap<Client, REST>();

export function webhookRest(client: Client): REST {
  let rest = webhookClients.get(client);
  if (!rest) {
    const { api, version } = client.rest.options;
    rest = new REST({ api, version, globalRequestsPerSecond: INTERACTION_WEBHOOK_REQUESTS_PER_SECOND });
    webhookClients.set(client, rest);
  }
  return rest;
}

/** An interaction answered with deferReply: message 0 is the original reply, the rest are follow-ups. */
export class InteractionSink implements MessageSink {
  private readonly followUpIds: string[] = [];
  private readonly rest: REST;
  /** The original reply's message id, once an edit of it succeeded (a thread can be opened on it). */
  originalId: string | undefined;

  constructor(private readonly interaction: RepliableInteraction, private readonly ephemeral: boolean) {
    this.rest = webhookRest(interaction.client);
  }

  async write(index: number, content: string, components?: MessageComponents): Promise<void> {
    if (Date.now() - this.interaction.createdTimestamp > INTERACTION_TOKEN_LIFETIME_MS - INTERACTION_TOKEN_SAFETY_MS) {
      throw new InteractionExpiredError();
    }
    const { applicationId, token } = this.interaction;
    const body = { content, allowed_mentions: NO_MENTIONS, ...(components ? { components } : {}) };
    const id = index === 0 ? '@original' : this.followUpIds[index - 1];
    if (id) {
      const edited = (await this.rest.patch(Routes.webhookMessage(applicationId, token, id), { body, auth: false })) as APIMessage;
      if (index === 0) this.originalId = edited.id;
      return;
    }
    const sent = (await this.rest.post(Routes.webhook(applicationId, token), {
      body: { ...body, flags: this.ephemeral ? MessageFlags.Ephemeral : undefined },
      query: new URLSearchParams({ wait: 'true' }),
      auth: false,
    })) as APIMessage;
    this.followUpIds[index - 1] = sent.id;
  }

  async remove(index: number): Promise<void> {
    const id = this.followUpIds[index - 1];
    if (index === 0 || !id) return;
    await this.rest.delete(Routes.webhookMessage(this.interaction.applicationId, this.interaction.token, id), { auth: false });
    this.followUpIds.length = index - 1;
  }
}

/** A reply to a channel message (bot mentions): calls use the bot token and share the global cap. */
export class ChannelReplySink implements MessageSink {
  private readonly sent: Message[] = [];

  constructor(private readonly source: Message) {}

  /** The reply's first message, once sent (a thread can be opened on it). */
  get first(): Message | undefined {
    return this.sent[0];
  }

  async write(index: number, content: string, components?: MessageComponents): Promise<void> {
    const existing = this.sent[index];
    const buttons = components ? { components } : {};
    const edit: MessageEditOptions = { content, allowedMentions: { ...NO_MENTIONS, repliedUser: true }, ...buttons };
    if (existing) {
      await existing.edit(edit);
      return;
    }
    if (index === 0) {
      this.sent[0] = await this.source.reply({ content, allowedMentions: { ...NO_MENTIONS, repliedUser: true }, ...buttons });
      return;
    }
    const channel = this.source.channel as SendableChannels;
    this.sent[index] = await channel.send({ content, allowedMentions: NO_MENTIONS, ...buttons });
  }

  async remove(index: number): Promise<void> {
    const message = this.sent[index];
    if (index === 0 || !message) return;
    await message.delete();
    this.sent.length = index;
  }
}
