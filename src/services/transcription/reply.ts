import { MessageFlags, type Message, type MessageCreateOptions, type RepliableInteraction, type SendableChannels } from 'discord.js';
import { TRANSCRIPT_ATTACH_THRESHOLD } from '../audio/limits.ts';
import { NO_MENTIONS } from '../discord/sinks.ts';
import type { CatalogueLanguage } from '../i18n.ts';
import { splitMessage } from '../messageSplitter.ts';
import { text } from './messages.ts';

export interface OutgoingMessage {
  content: string;
  files?: { attachment: Buffer; name: string }[];
}

/** The messages that show a transcript: split like /ask, or one .txt file past the threshold; never empty. */
export function transcriptMessages(transcript: string, language: CatalogueLanguage): OutgoingMessage[] {
  const trimmed = transcript.trim();
  if (trimmed === '') return [{ content: text('noSpeech', language) }];
  if (trimmed.length > TRANSCRIPT_ATTACH_THRESHOLD) {
    return [{ content: text('attached', language, { n: trimmed.length }), files: [{ attachment: Buffer.from(`${trimmed}\n`, 'utf8'), name: 'transcript.txt' }] }];
  }
  return splitMessage(trimmed).map((content) => ({ content }));
}

/** Into a deferred interaction: the first message edits the reply, the rest are follow-ups with the same visibility. */
export async function sendToInteraction(interaction: RepliableInteraction, messages: OutgoingMessage[]): Promise<void> {
  for (const [index, message] of messages.entries()) {
    const payload = { ...message, allowedMentions: NO_MENTIONS };
    if (index === 0) await interaction.editReply(payload);
    else await interaction.followUp({ ...payload, flags: interaction.ephemeral ? MessageFlags.Ephemeral : undefined });
  }
}

/** As a reply to a channel message (without pinging its author); the rest follow in the channel. */
export async function replyToMessage(source: Message, messages: OutgoingMessage[]): Promise<void> {
  for (const [index, message] of messages.entries()) {
    const payload: MessageCreateOptions = { ...message, allowedMentions: NO_MENTIONS };
    if (index === 0) await source.reply({ ...payload, allowedMentions: { ...NO_MENTIONS, repliedUser: false } });
    else await (source.channel as SendableChannels).send(payload);
  }
}
