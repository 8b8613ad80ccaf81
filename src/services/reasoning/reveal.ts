import { MessageFlags, type ButtonInteraction } from 'discord.js';
import { NO_MENTIONS } from '../discord/sinks.ts';
import { catalogue, catalogueLanguageOf } from '../i18n.ts';
import { splitMessage } from '../messageSplitter.ts';
import { SHOW_REASONING_PREFIX } from './service.ts';
import { REASONING_KEEP_MS, type ReasoningStore } from './store.ts';

const text = catalogue<'revealHeader' | 'revealCut' | 'expired'>('reasoning');

/** Whether a button click is "Show reasoning". */
export const isShowReasoning = (customId: string): boolean => customId.startsWith(SHOW_REASONING_PREFIX);

/**
 * "Show reasoning": the thinking behind an answer, to whoever clicked, ephemerally and in 2,000-character
 * messages. Read from memory, so the reply is made well within Discord's 3 s; a forgotten one gets a plain reply.
 */
export async function revealReasoning(interaction: ButtonInteraction, store: ReasoningStore): Promise<void> {
  const language = catalogueLanguageOf(interaction.locale);
  const kept = store.get(interaction.customId.slice(SHOW_REASONING_PREFIX.length));
  const flags = MessageFlags.Ephemeral;
  if (!kept) {
    await interaction.reply({ content: text('expired', language, { minutes: REASONING_KEEP_MS / 60_000 }), flags, allowedMentions: NO_MENTIONS });
    return;
  }
  const cut = kept.omitted > 0 ? `\n\n${text('revealCut', language, { count: kept.omitted })}` : '';
  const [first = '', ...rest] = splitMessage(`${text('revealHeader', language)}\n${kept.text}${cut}`);
  await interaction.reply({ content: first, flags, allowedMentions: NO_MENTIONS });
  for (const part of rest) await interaction.followUp({ content: part, flags, allowedMentions: NO_MENTIONS });
}
