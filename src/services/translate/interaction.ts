import type { ChatInputCommandInteraction, MessageContextMenuCommandInteraction } from 'discord.js';
import type { BotContext } from '../../context.ts';
import { channelScopeOf } from '../discord/channelScope.ts';
import { payerOf } from '../discord/payer.ts';
import type { CatalogueLanguage } from '../i18n.ts';
import { effortToSend } from '../settings.ts';
import type { Language } from './languages.ts';
import { showTranslation } from './present.ts';

/**
 * Shared by /translate and the Translate menu, once deferred and screened: translates with the channel's model and
 * reasoning effort, charged to the invoker, and shows the result (see showTranslation).
 */
export async function translateForInteraction(
  interaction: ChatInputCommandInteraction | MessageContextMenuCommandInteraction,
  ctx: BotContext,
  request: { text: string; target: Language; ui: CatalogueLanguage },
): Promise<void> {
  const { text, target, ui } = request;
  const settings = ctx.services.settings.forChannel(channelScopeOf(interaction.guildId, interaction.channelId, interaction.channel));
  const model = settings.model.value;
  const outcome = await ctx.services.translate.translate({
    text, target, model,
    payer: payerOf(interaction.guildId, interaction.channelId, interaction.user, interaction.member),
    command: 'translate',
    reasoningEffort: effortToSend(settings),
    ...(interaction.guildId === null ? { modelSetBy: 'dm' as const } : {}),
    log: ctx.logger,
  });
  await showTranslation(interaction, outcome, { target, ui, model });
}
