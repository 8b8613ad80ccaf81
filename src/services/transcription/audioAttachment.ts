import { MessageFlags, type Attachment, type Message } from 'discord.js';
import { ACCEPTED_EXTENSIONS } from '../audio/limits.ts';

/** What the service needs to know about an attachment before downloading it. */
export interface AudioSource {
  url: string;
  filename: string;
  contentType: string | null;
  /** Size Discord reports; over the cap means no download at all. */
  size: number;
  /** Voice messages carry their length. */
  durationSecs: number | null;
}

/** Containers that may hold only sound even when Discord labels them video. */
const AUDIO_CAPABLE_TYPES = new Set(['video/mp4', 'video/webm', 'video/mpeg', 'application/ogg']);

export function isVoiceMessage(message: Pick<Message, 'flags'>): boolean {
  return message.flags.has(MessageFlags.IsVoiceMessage);
}

/** A first guess from what Discord says (type, name, duration); the bytes are checked after download. */
export function looksLikeAudio(attachment: Attachment): boolean {
  if (attachment.duration !== null) return true;
  const type = attachment.contentType?.split(';')[0]?.trim().toLowerCase();
  if (type && (type.startsWith('audio/') || AUDIO_CAPABLE_TYPES.has(type))) return true;
  const extension = /\.([a-z0-9]+)$/.exec(attachment.name.toLowerCase())?.[1];
  return extension !== undefined && (ACCEPTED_EXTENSIONS as readonly string[]).includes(extension);
}

export function audioSourceOf(attachment: Attachment): AudioSource {
  return {
    url: attachment.url, filename: attachment.name, contentType: attachment.contentType, size: attachment.size, durationSecs: attachment.duration,
  };
}

/** The audio to transcribe in a message: its voice recording, else its first attachment that looks like audio. */
export function findAudio(message: Pick<Message, 'flags' | 'attachments'>): AudioSource | undefined {
  const attachments = [...message.attachments.values()];
  const found = (isVoiceMessage(message) ? attachments[0] : undefined) ?? attachments.find(looksLikeAudio);
  return found && audioSourceOf(found);
}
