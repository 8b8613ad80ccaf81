import { InteractionContextType, MessageFlags, SlashCommandBuilder } from 'discord.js';
import { languageOf } from '../services/failureMessages.ts';
import { ReplyStream } from '../services/discord/replyStream.ts';
import { InteractionSink } from '../services/discord/sinks.ts';
import { displayNameOf } from '../services/discord/people.ts';
import { payerOf } from '../services/discord/payer.ts';
import { replyPrivately } from '../services/discord/privateReply.ts';
import { describeRefusal } from '../services/budget/messages.ts';
import { channelScopeOf } from '../services/discord/channelScope.ts';
import { isShowReasoning, revealReasoning } from '../services/reasoning/reveal.ts';
import type { SlashCommand } from './types.ts';

const EMPTY_PROMPT = { en: 'Please write a question after `prompt:`.', 'zh-TW': '請在 `prompt:` 後面輸入你的問題。' } as const;

/** Discord's own cap on a string option's length. */
const PROMPT_MAX_LENGTH = 6000;

export const command: SlashCommand = {
  kind: 'slash',
  data: new SlashCommandBuilder()
    .setName('ask')
    .setDescription('Ask the AI a question; it remembers this channel\'s conversation')
    .setDescriptionLocalizations({ 'zh-TW': '向 AI 提問；它會記得這個頻道的對話' })
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM, InteractionContextType.PrivateChannel)
    .addStringOption((o) => o.setName('prompt').setDescription('Your question or request').setDescriptionLocalizations({ 'zh-TW': '你的問題或要求' }).setRequired(true).setMaxLength(PROMPT_MAX_LENGTH))
    .addBooleanOption((o) => o.setName('private').setDescription('Only you see the answer, and the channel\'s history is neither read nor changed').setDescriptionLocalizations({ 'zh-TW': '只有你看得到回答，且不讀取也不寫入頻道的對話記錄' }))
    .toJSON(),

  async execute(interaction, ctx) {
    const isPrivate = interaction.options.getBoolean('private') ?? false;
    const prompt = interaction.options.getString('prompt', true).trim();
    if (prompt === '') {
      await interaction.reply({ content: EMPTY_PROMPT[languageOf(interaction.locale)], flags: MessageFlags.Ephemeral });
      return;
    }
    // Defer before anything slow: Discord drops interactions not acknowledged within 3 s.
    await interaction.deferReply({ flags: isPrivate ? MessageFlags.Ephemeral : undefined });
    const { services } = ctx;
    const reply = new ReplyStream(new InteractionSink(interaction, isPrivate), services.webhookPacer, ctx.logger);
    const result = await services.ask.answer({
      scope: channelScopeOf(interaction.guildId, interaction.channelId, interaction.channel),
      isPrivate,
      payer: payerOf(interaction.guildId, interaction.channelId, interaction.user, interaction.member),
      command: 'ask',
      speaker: { id: interaction.user.id, name: displayNameOf(interaction.member, interaction.user) },
      prompt,
      language: languageOf(interaction.locale),
      reply,
      log: ctx.logger,
      key: interaction.id,
    });
    if (!result.ok && result.reason === 'over_budget') await replyPrivately(interaction, describeRefusal(result.refusal, languageOf(interaction.locale)));
  },

  // "Show reasoning" under an answer (from /ask or a mention): shown to whoever clicks, ephemerally.
  async button(interaction, ctx) {
    if (!isShowReasoning(interaction.customId)) throw new Error(`/ask has no button ${interaction.customId}`);
    await revealReasoning(interaction, ctx.services.reasoning.kept);
  },
};
