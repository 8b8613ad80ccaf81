import { MessageFlags, type RepliableInteraction } from 'discord.js';
import { describeRefusal } from '../budget/messages.ts';
import type { Refusal } from '../budget/ledger.ts';
import type { CatalogueLanguage } from '../i18n.ts';
import { noteOutcome } from '../metrics/outcome.ts';
import { splitMessage } from '../messageSplitter.ts';
import { NO_MENTIONS } from './sinks.ts';

/**
 * Shows a message only the invoker sees, whatever state the interaction is in: a public deferred
 * reply is deleted and replaced by an ephemeral follow-up (a defer's visibility can't be changed).
 */
export async function replyPrivately(interaction: RepliableInteraction, content: string): Promise<void> {
  const allowedMentions = NO_MENTIONS;
  if (!interaction.deferred && !interaction.replied) {
    await interaction.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions });
    return;
  }
  if (interaction.ephemeral) {
    await interaction.editReply({ content, allowedMentions });
    return;
  }
  await interaction.deleteReply().catch(() => undefined);
  await interaction.followUp({ content, flags: MessageFlags.Ephemeral, allowedMentions });
}

/** A private reply longer than one message: the first part as replyPrivately shows it, the rest in private follow-ups. */
export async function replyPrivatelyInParts(interaction: RepliableInteraction, content: string): Promise<void> {
  const [first = '', ...rest] = splitMessage(content);
  await replyPrivately(interaction, first);
  for (const part of rest) await interaction.followUp({ content: part, flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
}

/** A spending limit said no (over it, $0, not allowed here): counted as refused, and told only to the member, in their language. */
export async function replyRefused(interaction: RepliableInteraction, refusal: Refusal, language: CatalogueLanguage): Promise<void> {
  noteOutcome(interaction, 'refused');
  await replyPrivately(interaction, describeRefusal(refusal, language, interaction.guildId === null));
}
