import { type ChatInputCommandInteraction, type SlashCommandSubcommandBuilder } from 'discord.js';
import type { BotContext } from '../../context.ts';
import { choice, described } from '../../services/discord/commandText.ts';
import { replyPrivately } from '../../services/discord/privateReply.ts';
import { catalogue, type CatalogueLanguage } from '../../services/i18n.ts';
import { REASONING_EFFORTS, type ReasoningEffort } from '../../services/reasoning/models.ts';
import type { ChannelScope } from '../../services/settings.ts';
import { describeSource } from '../../services/settingsMessages.ts';

const NS = 'reasoning';
const DEFAULT = 'default';
const text = catalogue<'effortSet' | 'effortNotReasoning' | 'effortCleared' | 'modelDefault' | 'refusedMinimal' | 'refusedEffort' | 'refusedNoEffort'>(NS);

/** `/settings reasoning-effort level:<minimal|low|medium|high|default>`. */
export function reasoningEffortSubcommand(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return described(s.setName('reasoning-effort'), NS, 'command.reasoningEffort')
    .addStringOption((o) => described(o.setName('level'), NS, 'command.reasoningEffort.level')
      .setRequired(true).addChoices(...[...REASONING_EFFORTS, DEFAULT].map((value) => choice(NS, `choice.${value}`, value))));
}

const isEffort = (value: string): value is ReasoningEffort => (REASONING_EFFORTS as readonly string[]).includes(value);
const listOf = (efforts: readonly string[], language: CatalogueLanguage) => new Intl.ListFormat(language, { type: 'disjunction' }).format(efforts.map((e) => `\`${e}\``));

/**
 * Sets the effort reasoning models use in this channel (threads inherit it). A value the channel's model refuses
 * is refused with the values it takes; on a model that does not reason the value is kept for when the channel uses one.
 */
export async function setReasoningEffort(
  interaction: ChatInputCommandInteraction, ctx: BotContext, scope: ChannelScope & { guildId: string }, language: CatalogueLanguage,
): Promise<void> {
  const level = interaction.options.getString('level', true);
  const { settings, reasoning } = ctx.services;
  if (level === DEFAULT) {
    settings.updateChannel(scope, { reasoningEffort: null }, interaction.user.id);
    const now = settings.forChannel(scope).reasoningEffort;
    const effort = now.value === DEFAULT ? text('modelDefault', language) : `**${now.value}**`;
    return replyPrivately(interaction, text('effortCleared', language, { effort, source: describeSource(now.source, scope.parentId, language) }));
  }
  if (!isEffort(level)) throw new Error(`/settings reasoning-effort got an unknown level ${level}`);
  const model = settings.forChannel(scope).model.value;
  const profile = reasoning.models.profile(model);
  if (profile && !profile.efforts.includes(level)) {
    const efforts = listOf(profile.efforts, language);
    const refusal = profile.efforts.length === 0 ? 'refusedNoEffort' : level === 'minimal' ? 'refusedMinimal' : 'refusedEffort';
    return replyPrivately(interaction, text(refusal, language, { model, effort: level, efforts }));
  }
  settings.updateChannel(scope, { reasoningEffort: level }, interaction.user.id);
  const note = profile ? '' : `\n${text('effortNotReasoning', language, { model })}`;
  await replyPrivately(interaction, `${text('effortSet', language, { effort: level })}${note}`);
}
