import {
  ActionRowBuilder, ButtonBuilder, ButtonStyle, InteractionContextType, MessageFlags, SlashCommandBuilder,
} from 'discord.js';
import { languageOf, textTable, type Language } from '../services/i18n.ts';
import type { SlashCommand } from './types.ts';

const CONFIRM_ID = 'forget-me:confirm';
const CANCEL_ID = 'forget-me:cancel';

const text = textTable({
  nothing: {
    en: 'The bot has no conversation history of yours: none of your questions is stored, in any server, channel or DM.',
    'zh-TW': '機器人沒有你的對話紀錄：在任何伺服器、頻道或私訊中，都沒有儲存你的提問。',
  },
  confirm: {
    en: 'This deletes the **{n}** questions of yours that the bot keeps as conversation history, and its answers to them, in every server, channel and DM. It cannot be undone.\nYour spending record (amounts and token counts, no text) is kept, so your limits still apply.',
    'zh-TW': '這會刪除機器人保存為對話紀錄的你的 **{n}** 則提問，以及它對這些提問的回答，涵蓋所有伺服器、頻道與私訊。刪除後無法復原。\n你的花費紀錄（只有金額與 token 數，沒有文字）會保留，額度照常計算。',
  },
  delete: { en: 'Delete', 'zh-TW': '刪除' },
  cancel: { en: 'Cancel', 'zh-TW': '取消' },
  done: {
    en: 'Deleted {turns} messages: {questions} questions of yours and {answers} answers to them. The bot keeps no conversation history of yours now.',
    'zh-TW': '已刪除 {turns} 則訊息：你的 {questions} 則提問與 {answers} 則回答。機器人已不再保存你的對話紀錄。',
  },
  cancelled: { en: 'Cancelled: nothing was deleted.', 'zh-TW': '已取消：沒有刪除任何內容。' },
  otherHosts: {
    en: 'The bot runs on several computers: the count above is this one\'s, and the others delete your questions there too, within a minute.',
    'zh-TW': '機器人分散在多台主機上執行：上面的數字是這一台的，其他主機也會在一分鐘內刪除你在那裡的提問。',
  },
});

function buttons(language: Language): ActionRowBuilder<ButtonBuilder> {
  return new ActionRowBuilder<ButtonBuilder>().addComponents(
    new ButtonBuilder().setCustomId(CONFIRM_ID).setLabel(text('delete', language)).setStyle(ButtonStyle.Danger),
    new ButtonBuilder().setCustomId(CANCEL_ID).setLabel(text('cancel', language)).setStyle(ButtonStyle.Secondary),
  );
}

export const command: SlashCommand = {
  kind: 'slash',
  data: new SlashCommandBuilder()
    .setName('forget-me')
    .setDescription('Delete your conversation history with the AI, in every server, channel and DM')
    .setDescriptionLocalizations({ 'zh-TW': '刪除你與 AI 的對話紀錄（所有伺服器、頻道與私訊）' })
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM, InteractionContextType.PrivateChannel)
    .toJSON(),

  async execute(interaction, ctx) {
    const language = languageOf(interaction.locale);
    const stored = ctx.services.history.storedBy(interaction.user.id);
    // On several hosts, the other hosts may keep turns of theirs even when this one keeps none.
    const { spread } = ctx.services.hosts;
    if (stored === 0 && !spread) {
      await interaction.reply({ content: text('nothing', language), flags: MessageFlags.Ephemeral });
      return;
    }
    const content = text('confirm', language, { n: stored }) + (spread ? `\n${text('otherHosts', language)}` : '');
    await interaction.reply({ content, components: [buttons(language)], flags: MessageFlags.Ephemeral });
  },

  // Only the member who ran /forget-me sees its ephemeral buttons; whoever clicks deletes only their own turns.
  async button(interaction, ctx) {
    const language = languageOf(interaction.locale);
    if (interaction.customId !== CONFIRM_ID) {
      await interaction.update({ content: text('cancelled', language), components: [] });
      return;
    }
    const { questions, answers } = ctx.services.history.forget(interaction.user.id);
    ctx.services.hosts.forgetEverywhere(interaction.user.id);
    ctx.logger.info({ questions, answers }, 'forget-me: deleted a member\'s conversation history');
    const here = questions + answers === 0 ? text('nothing', language) : text('done', language, { turns: questions + answers, questions, answers });
    const content = ctx.services.hosts.spread ? `${here}\n${text('otherHosts', language)}` : here;
    await interaction.update({ content, components: [] });
  },
};
