import { MessageFlags, type Message, type MessageEditOptions, type RepliableInteraction, type SendableChannels } from 'discord.js';
import type { MessageSink } from './replyStream.ts';

/** Model text must never ping anyone: no @everyone, @here, roles or users. */
export const NO_MENTIONS = { parse: [] } as const;

/** An interaction answered with deferReply: message 0 is the original reply, the rest are follow-ups. */
export class InteractionSink implements MessageSink {
  private readonly followUpIds: string[] = [];

  constructor(private readonly interaction: RepliableInteraction, private readonly ephemeral: boolean) {}

  async write(index: number, content: string): Promise<void> {
    if (index === 0) {
      await this.interaction.editReply({ content, allowedMentions: NO_MENTIONS });
      return;
    }
    const id = this.followUpIds[index - 1];
    if (id) {
      await this.interaction.editReply({ message: id, content, allowedMentions: NO_MENTIONS });
      return;
    }
    const sent = await this.interaction.followUp({
      content, allowedMentions: NO_MENTIONS, flags: this.ephemeral ? MessageFlags.Ephemeral : undefined,
    });
    this.followUpIds[index - 1] = sent.id;
  }
}

/** A reply to a channel message (bot mentions): calls use the bot token and share the global cap. */
export class ChannelReplySink implements MessageSink {
  private readonly sent: Message[] = [];

  constructor(private readonly source: Message) {}

  async write(index: number, content: string): Promise<void> {
    const existing = this.sent[index];
    const edit: MessageEditOptions = { content, allowedMentions: { ...NO_MENTIONS, repliedUser: true } };
    if (existing) {
      await existing.edit(edit);
      return;
    }
    if (index === 0) {
      this.sent[0] = await this.source.reply({ content, allowedMentions: { ...NO_MENTIONS, repliedUser: true } });
      return;
    }
    const channel = this.source.channel as SendableChannels;
    this.sent[index] = await channel.send({ content, allowedMentions: NO_MENTIONS });
  }
}
