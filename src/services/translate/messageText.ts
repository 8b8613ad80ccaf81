import type { APIEmbed } from 'discord.js';

/** The readable text of one embed: title, description, fields (name in bold) and footer, one block each. */
function embedText(embed: APIEmbed): string {
  const parts = [
    embed.title ? `**${embed.title}**` : undefined,
    embed.description,
    ...(embed.fields ?? []).map((field) => `**${field.name}**\n${field.value}`),
    embed.footer?.text,
  ];
  return parts.filter((part): part is string => typeof part === 'string' && part.trim() !== '').join('\n\n');
}

/** A message's own text; when it has none (a bot's embed message), its embeds' text. Empty when there is nothing. */
export function textOfMessage(content: string, embeds: readonly APIEmbed[]): string {
  if (content.trim() !== '') return content;
  return embeds.map(embedText).filter((text) => text !== '').join('\n\n');
}
