import { AttachmentBuilder, type ChatInputCommandInteraction, type InteractionEditReplyOptions } from 'discord.js';
import type { Logger } from '../../logger.ts';
import type { ChartImage } from '../charts/spendCharts.ts';

/**
 * Edits a deferred reply to its text with a chart attached. Drawing a chart never costs the member the
 * text: when it fails, the text goes out alone and the failure is logged once.
 */
export async function editReplyWithChart(
  interaction: ChatInputCommandInteraction,
  reply: Omit<InteractionEditReplyOptions, 'files'>,
  chart: () => Promise<ChartImage | null>,
  log: Logger,
): Promise<void> {
  let image: ChartImage | null = null;
  try {
    image = await chart();
  } catch (error) {
    log.warn({ err: error }, 'could not draw the spend chart; the reply goes out without it');
  }
  const files = image ? [new AttachmentBuilder(image.png, { name: image.fileName, description: image.description })] : [];
  await interaction.editReply({ ...reply, files });
}
