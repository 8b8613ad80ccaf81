import { MessageFlags, type RepliableInteraction } from 'discord.js';

/**
 * Shows a message only the invoker sees, whatever state the interaction is in: a public deferred
 * reply is deleted and replaced by an ephemeral follow-up (a defer's visibility can't be changed).
 */
export async function replyPrivately(interaction: RepliableInteraction, content: string): Promise<void> {
  const allowedMentions = { parse: [] };
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
