import { InteractionContextType, MessageFlags, SlashCommandBuilder } from 'discord.js';
import { catalogueLanguageOf, t } from '../services/i18n.ts';
import { described } from '../services/discord/commandText.ts';
import { ReplyStream } from '../services/discord/replyStream.ts';
import { InteractionSink } from '../services/discord/sinks.ts';
import { displayNameOf } from '../services/discord/people.ts';
import { payerOf } from '../services/discord/payer.ts';
import { replyPrivately, replyRefused } from '../services/discord/privateReply.ts';
import { channelScopeOf } from '../services/discord/channelScope.ts';
import { threadAfterAsk } from '../services/threads/afterAnswer.ts';
import { isShowReasoning, revealReasoning } from '../services/reasoning/reveal.ts';
import type { SlashCommand } from './types.ts';
import { imageSourceOf } from '../services/vision/attachments.ts';
import { deferFirst } from '../services/discord/acknowledgeFirst.ts';

/** Discord's own cap on a string option's length. */
const PROMPT_MAX_LENGTH = 6000;

export const command: SlashCommand = {
  kind: 'slash',
  data: described(new SlashCommandBuilder().setName('ask'), 'ask', 'command.description')
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM, InteractionContextType.PrivateChannel)
    .addStringOption((o) => described(o.setName('prompt'), 'ask', 'command.prompt').setRequired(true).setMaxLength(PROMPT_MAX_LENGTH))
    .addAttachmentOption((o) => described(o.setName('image'), 'vision', 'command.option.image'))
    .addBooleanOption((o) => described(o.setName('private'), 'ask', 'command.private'))
    .addBooleanOption((o) => described(o.setName('thread'), 'threads', 'command.ask.thread'))
    .toJSON(),

  async execute(interaction, ctx) {
    const language = catalogueLanguageOf(interaction.locale);
    const isPrivate = interaction.options.getBoolean('private') ?? false;
    const prompt = interaction.options.getString('prompt', true).trim();
    const image = interaction.options.getAttachment('image');
    if (prompt === '') {
      return replyPrivately(interaction, t(language, 'ask', 'emptyPrompt'));
    }
    // Defer before anything slow: Discord drops interactions not acknowledged within 3 s.
    await deferFirst(interaction, { flags: isPrivate ? MessageFlags.Ephemeral : undefined });
    const { services } = ctx;
    const sink = new InteractionSink(interaction, isPrivate);
    const reply = new ReplyStream(sink, services.webhookPacer, ctx.logger);
    const speaker = { id: interaction.user.id, name: displayNameOf(interaction.member, interaction.user) };
    const result = await services.ask.answer({
      scope: channelScopeOf(interaction.guildId, interaction.channelId, interaction.channel),
      isPrivate,
      payer: payerOf(interaction.guildId, interaction.channelId, interaction.user, interaction.member),
      command: 'ask',
      speaker,
      prompt,
      language,
      reply,
      log: ctx.logger,
      key: interaction.id,
      moderation: { client: interaction.client },
      // The option is meant as an image: any file is checked (and refused plainly) rather than ignored.
      images: image ? [imageSourceOf(image)] : undefined,
    });
    if (!result.ok && result.reason === 'over_budget') await replyRefused(interaction, result.refusal, language);
    if (!result.ok && (result.reason === 'moderated' || result.reason === 'image_refused')) await replyPrivately(interaction, result.notice);
    await threadAfterAsk(interaction, ctx, { result, speaker, prompt, log: ctx.logger, explicit: interaction.options.getBoolean('thread'), isPrivate, startMessageId: sink.originalId });
  },

  // "Show reasoning" under an answer (from /ask or a mention): shown to whoever clicks, ephemerally.
  async button(interaction, ctx) {
    if (!isShowReasoning(interaction.customId)) throw new Error(`/ask has no button ${interaction.customId}`);
    await revealReasoning(interaction, ctx.services.reasoning.kept);
  },
};
