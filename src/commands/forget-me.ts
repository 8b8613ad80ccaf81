import {
  ActionRowBuilder, ButtonBuilder, ButtonStyle, InteractionContextType, MessageFlags, SlashCommandBuilder,
} from 'discord.js';
import { catalogue, catalogueLanguageOf, type CatalogueLanguage } from '../services/i18n.ts';
import { replyPrivately } from '../services/discord/privateReply.ts';
import { described } from '../services/discord/commandText.ts';
import type { SlashCommand } from './types.ts';

const CONFIRM_ID = 'forget-me:confirm';
const CANCEL_ID = 'forget-me:cancel';

/** The texts live in locales/<language>/forget-me.json. */
const text = catalogue<'nothing' | 'confirm' | 'delete' | 'cancel' | 'done' | 'cancelled' | 'otherHosts'>('forget-me');

function buttons(language: CatalogueLanguage): ActionRowBuilder<ButtonBuilder> {
  return new ActionRowBuilder<ButtonBuilder>().addComponents(
    new ButtonBuilder().setCustomId(CONFIRM_ID).setLabel(text('delete', language)).setStyle(ButtonStyle.Danger),
    new ButtonBuilder().setCustomId(CANCEL_ID).setLabel(text('cancel', language)).setStyle(ButtonStyle.Secondary),
  );
}

export const command: SlashCommand = {
  kind: 'slash',
  data: described(new SlashCommandBuilder().setName('forget-me'), 'forget-me', 'command.description')
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM, InteractionContextType.PrivateChannel)
    .toJSON(),

  async execute(interaction, ctx) {
    const language = catalogueLanguageOf(interaction.locale);
    const stored = ctx.services.history.storedBy(interaction.user.id);
    // On several hosts, the other hosts may keep turns of theirs even when this one keeps none.
    const { spread } = ctx.services.hosts;
    if (stored === 0 && !spread) {
      return replyPrivately(interaction, text('nothing', language));
    }
    const content = text('confirm', language, { n: stored }) + (spread ? `\n${text('otherHosts', language)}` : '');
    await interaction.reply({ content, components: [buttons(language)], flags: MessageFlags.Ephemeral });
  },

  // Only the member who ran /forget-me sees its ephemeral buttons; whoever clicks deletes only their own turns.
  async button(interaction, ctx) {
    const language = catalogueLanguageOf(interaction.locale);
    if (interaction.customId !== CONFIRM_ID) {
      await interaction.update({ content: text('cancelled', language), components: [] });
      return;
    }
    const userId = interaction.user.id;
    const { questions, answers } = ctx.services.hosts.forgetEverywhere(userId, () => ctx.services.history.forget(userId));
    ctx.logger.info({ questions, answers }, 'forget-me: deleted a member\'s conversation history');
    const here = questions + answers === 0 ? text('nothing', language) : text('done', language, { turns: questions + answers, questions, answers });
    const content = ctx.services.hosts.spread ? `${here}\n${text('otherHosts', language)}` : here;
    await interaction.update({ content, components: [] });
  },
};
