/** Limits and accepted formats for `/transcribe`. Each value says why it is what it is. */

/**
 * OpenAI caps a transcription's whole request at 25 MiB, the multipart envelope included: past it, a 413 "Maximum
 * content size limit (26214400) exceeded" comes only after the upload.
 */
const API_REQUEST_CAP_BYTES = 25 * 1024 * 1024;
/** The form's boundaries, part headers (a file name of at most ~100 characters) and text fields: under 2 KiB, with room to spare. */
const MULTIPART_ENVELOPE_BYTES = 16 * 1024;
/** The largest file whose upload fits OpenAI's request cap; larger files are refused up front. */
export const MAX_TRANSCRIPTION_BYTES = API_REQUEST_CAP_BYTES - MULTIPART_ENVELOPE_BYTES;

/** A 25 MB attachment from Discord's CDN normally arrives in a few seconds; 30 s means a stuck transfer. */
export const DOWNLOAD_TIMEOUT_MS = 30_000;

/** Kept free at the end of an interaction token's 15 minutes to post the transcript (several follow-ups, or a file upload). */
export const REPLY_MARGIN_MS = 60_000;

/** Transcripts longer than this (characters) are attached as a .txt file rather than split into many messages. */
export const TRANSCRIPT_ATTACH_THRESHOLD = 6_000;

/** File extensions the OpenAI transcription API accepts; it judges the upload by its file name. */
export const ACCEPTED_EXTENSIONS = ['flac', 'mp3', 'mp4', 'mpeg', 'mpga', 'm4a', 'ogg', 'oga', 'wav', 'webm'] as const;

export type AcceptedExtension = (typeof ACCEPTED_EXTENSIONS)[number];

/** Containers recognised from the file's bytes; each maps onto one or more accepted extensions. */
export type AudioFormat = 'flac' | 'mp3' | 'mp4' | 'ogg' | 'wav' | 'webm';

/**
 * Extensions that honestly describe each container, canonical one first. A declared file name whose
 * extension is in the list is kept (e.g. `.oga`, `.m4a`); otherwise the canonical one is used.
 */
export const FORMAT_EXTENSIONS: Readonly<Record<AudioFormat, readonly AcceptedExtension[]>> = {
  flac: ['flac'],
  mp3: ['mp3', 'mpeg', 'mpga'],
  mp4: ['mp4', 'm4a'],
  ogg: ['ogg', 'oga'],
  wav: ['wav'],
  webm: ['webm'],
};

/** MIME type sent alongside the upload and used as music-metadata's parser hint. */
export const FORMAT_MIME_TYPES: Readonly<Record<AudioFormat, string>> = {
  flac: 'audio/flac',
  mp3: 'audio/mpeg',
  mp4: 'audio/mp4',
  ogg: 'audio/ogg',
  wav: 'audio/wav',
  webm: 'audio/webm',
};
