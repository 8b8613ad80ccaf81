import type { Attachment } from 'discord.js';
import type { ImageSource } from './service.ts';

const IMAGE_EXTENSIONS = /\.(png|jpe?g|gif|webp)$/i;

/** What Discord says of an attachment suggests an image (the bytes decide later); other files are not the question's images. */
export function looksLikeImage(attachment: Pick<Attachment, 'contentType' | 'name'>): boolean {
  return attachment.contentType?.toLowerCase().startsWith('image/') === true || IMAGE_EXTENSIONS.test(attachment.name);
}

export function imageSourceOf(attachment: Pick<Attachment, 'url' | 'name' | 'size'>): ImageSource {
  return { url: attachment.url, filename: attachment.name, size: attachment.size };
}

/**
 * The images of a message that asks the bot something: a mention, a DM, or a message in a bot thread.
 * Voice messages and other files are left to their own features.
 */
export function questionImagesOf(attachments: Iterable<Attachment>): ImageSource[] {
  return [...attachments].filter(looksLikeImage).map(imageSourceOf);
}
