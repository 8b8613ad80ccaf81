import { ApplicationCommandType, ContextMenuCommandBuilder, InteractionContextType, MessageFlags, type RESTPostAPIContextMenuApplicationCommandsJSONBody } from 'discord.js';
import { catalogueLanguageOf, localizations } from '../services/i18n.ts';
import { replyPrivately } from '../services/discord/privateReply.ts';
import { languageForLocale } from '../services/translate/languages.ts';
import { noTextInMessageText } from '../services/translate/messages.ts';
import { textOfMessage } from '../services/translate/messageText.ts';
import { translateForInteraction } from '../services/translate/interaction.ts';
import { screenForInteraction } from '../services/moderation/interaction.ts';
import type { MessageMenuCommand } from './types.ts';
import { deferFirst } from '../services/discord/acknowledgeFirst.ts';

/** Right-click a message → Apps → Translate: only the invoker sees the translation, in their own Discord language. */
export const command: MessageMenuCommand = {
  kind: 'message-menu',
  data: new ContextMenuCommandBuilder()
    .setName('Translate')
    .setNameLocalizations(localizations('translate', 'command.menu'))
    .setType(ApplicationCommandType.Message)
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM, InteractionContextType.PrivateChannel)
    .toJSON() as RESTPostAPIContextMenuApplicationCommandsJSONBody,

  async execute(interaction, ctx) {
    const ui = catalogueLanguageOf(interaction.locale);
    // Without the Message Content intent Discord still sends the target message's content with the interaction.
    const message = interaction.targetMessage;
    const text = textOfMessage(message.content, message.embeds.map((embed) => embed.toJSON()));
    if (text.trim() === '') {
      return replyPrivately(interaction, noTextInMessageText(ui));
    }
    await deferFirst(interaction, { flags: MessageFlags.Ephemeral });
    if (!(await screenForInteraction(interaction, ctx, 'input', text, message))) return;
    const target = languageForLocale(interaction.locale);
    await translateForInteraction(interaction, ctx, { text, target, ui });
  },
};
