import type { RepliableInteraction } from 'discord.js';
import { replyPrivately, replyRefused } from '../discord/privateReply.ts';
import { NO_MENTIONS } from '../discord/sinks.ts';
import { type CatalogueLanguage } from '../i18n.ts';
import { DISCORD_MESSAGE_LIMIT } from '../messageSplitter.ts';
import type { Logger } from '../../logger.ts';
import { showOrDm } from './delivery.ts';
import type { GeneratedImage } from './generator.ts';
import type { ImagineOutcome } from './imagine.ts';
import { footerLine, imageFailureText, lateFailureText, lateResultText, lostText, partialText, promptLine, revisedLine, type CaptionParts } from './messages.ts';
import type { ImagePlan } from './options.ts';

/** Discord refuses a message whose uploads add up to more than 10 MiB (servers without boosts). */
export const MESSAGE_UPLOAD_MAX_BYTES = 10 * 1024 * 1024;
/** How much of the user's own prompt is echoed: enough to recognise it, leaving room for revised prompts. */
const PROMPT_SHOWN_MAX = 500;
/** Room for the labels ("**Revised prompt 2:** ") and line breaks around each revised prompt. */
const REVISED_LABEL_ROOM = 40;

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A code-point-safe cut with an ellipsis; line breaks fold into spaces so a caption stays compact. */
function clip(text: string, max: number): string {
  const points = Array.from(text.replace(/\s*\n\s*/g, ' ').trim());
  return points.length <= max ? points.join('') : `${points.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/** PNG is what is asked for; a compatible server may still send JPEG or WebP, which then keeps its own extension. */
export function extensionOf(data: Buffer): 'png' | 'jpg' | 'webp' {
  if (data.subarray(0, 8).equals(PNG_SIGNATURE)) return 'png';
  if (data[0] === 0xff && data[1] === 0xd8) return 'jpg';
  if (data.subarray(0, 4).toString('latin1') === 'RIFF' && data.subarray(8, 12).toString('latin1') === 'WEBP') return 'webp';
  return 'png';
}

/** Prompt, revised prompt(s) where the API sent any, size, quality, count and cost, within one message. */
export function imageCaption(parts: CaptionParts, language: CatalogueLanguage, note?: string): string {
  const head = promptLine(clip(parts.prompt, PROMPT_SHOWN_MAX), language);
  const tail = [footerLine(parts, language), ...(note ? [note] : [])];
  const revised = [...new Set(parts.revisedPrompts.map((text) => text.trim()))].filter((text) => text !== '' && text !== parts.prompt.trim());
  const fixed = Array.from([head, ...tail].join('\n')).length;
  const each = Math.floor((DISCORD_MESSAGE_LIMIT - fixed) / Math.max(1, revised.length)) - REVISED_LABEL_ROOM;
  const lines = each < REVISED_LABEL_ROOM ? [] : revised.map((text, n) => revisedLine(clip(text, each), revised.length > 1 ? n + 1 : undefined, language));
  // A last guard for a long failure note: Discord rejects the whole edit if the content is over the cap.
  return Array.from([head, ...lines, ...tail].join('\n')).slice(0, DISCORD_MESSAGE_LIMIT).join('');
}

/** Groups the files so that no message passes Discord's upload cap; a message holds at least one file. */
export function packUploads<T extends { data: Buffer }>(files: readonly T[], maxBytes = MESSAGE_UPLOAD_MAX_BYTES): T[][] {
  const groups: T[][] = [];
  let size = Number.POSITIVE_INFINITY;
  for (const file of files) {
    if (size + file.data.length > maxBytes) {
      groups.push([]);
      size = 0;
    }
    groups.at(-1)!.push(file);
    size += file.data.length;
  }
  return groups;
}

/** Uploads the images (never a URL: those sent as one were downloaded first) under their caption; anything else only the invoker sees. A charged result that can't be shown goes by DM. */
export async function showImages(interaction: RepliableInteraction, outcome: ImagineOutcome, plan: ImagePlan, language: CatalogueLanguage, log: Logger): Promise<void> {
  if (outcome.kind === 'over-budget') return replyRefused(interaction, outcome.refusal, language);
  if (outcome.kind === 'failed') {
    const text = imageFailureText(outcome.failure, language, plan.model, outcome.chargedMicros);
    if (outcome.chargedMicros === 0) return replyPrivately(interaction, text);
    return showOrDm(interaction, () => replyPrivately(interaction, text), () => ({ content: `${lateFailureText(language)}\n${text}`, fileGroups: [] }), log);
  }
  const made = outcome.images.length;
  const partial = outcome.failure && partialText(made + outcome.lost.length, plan.count, outcome.failure, language, plan.model, outcome.unanswered);
  const notes = [partial, lostText(outcome.lost, language)].filter((line) => line);
  const note = notes.length > 0 ? notes.join('\n') : undefined;
  const content = imageCaption({
    prompt: plan.prompt, plan, made, chargedMicros: outcome.chargedMicros,
    revisedPrompts: outcome.images.flatMap((image: GeneratedImage) => (image.revisedPrompt ? [image.revisedPrompt] : [])),
  }, language, note);
  const files = outcome.images.map((image, n) => ({ data: image.data, name: `imagine-${n + 1}.${extensionOf(image.data)}` }));
  const groups = packUploads(files).map((group) => group.map((file) => ({ attachment: file.data, name: file.name })));
  const post = async () => {
    const [first = [], ...rest] = groups;
    await interaction.editReply({ content, files: first, allowedMentions: NO_MENTIONS });
    for (const group of rest) await interaction.followUp({ files: group, allowedMentions: NO_MENTIONS });
  };
  // Every image came as a URL that could not be downloaded: with nothing to show, only the member reads it.
  const show = made === 0 ? () => replyPrivately(interaction, content) : post;
  const dmText = `${lateResultText(outcome.chargedMicros, language)}\n${content}`;
  await showOrDm(interaction, show, () => ({ content: Array.from(dmText).slice(0, DISCORD_MESSAGE_LIMIT).join(''), fileGroups: groups }), log);
}
