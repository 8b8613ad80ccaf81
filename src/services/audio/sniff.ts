import type { AcceptedExtension, AudioFormat } from './limits.ts';
import { problemOf, type FileProblem, type NotAudioKind } from './problem.ts';

/** What the first bytes of a file say it is. File names and declared types are not consulted here. */
export type Sniffed =
  | { ok: true; format: AudioFormat; extension: AcceptedExtension }
  | { ok: false; reason: 'not-audio' | 'unsupported-format'; detail: string; problem: FileProblem }
  | { ok: false; reason: 'unreadable'; detail: string };

const ascii = (b: Uint8Array, start: number, length: number): string =>
  String.fromCharCode(...b.subarray(start, start + length));

const audio = (format: AudioFormat, extension: AcceptedExtension = format): Sniffed => ({ ok: true, format, extension });
const unsupported = (format: string): Sniffed => problemOf('unsupported-format', { key: 'unsupported.format', values: { format } });
const notAudio = (kind: NotAudioKind, values?: Record<string, string>): Sniffed => problemOf('not-audio', { key: `notAudio.${kind}`, values });
const unreadable = (detail: string): Sniffed => ({ ok: false, reason: 'unreadable', detail });

/** Audio-less formats worth naming back to the user. */
const OTHER_SIGNATURES: ReadonlyArray<[string, NotAudioKind]> = [
  ['\x89PNG', 'png'],
  ['\xFF\xD8\xFF', 'jpeg'],
  ['GIF8', 'gif'],
  ['%PDF', 'pdf'],
  ['PK\x03\x04', 'zip'],
];

/** Real audio formats that OpenAI does not take; the name (a proper noun, the same in every language) goes into the reply. */
const UNSUPPORTED_SIGNATURES: ReadonlyArray<[string, string]> = [
  ['#!AMR-WB', 'AMR-WB'],
  ['#!AMR', 'AMR'],
  ['\x30\x26\xB2\x75\x8E\x66\xCF\x11', 'WMA (ASF)'],
  ['.snd', 'Sun AU'],
  ['caff', 'Core Audio (CAF)'],
  ['MAC ', "Monkey's Audio (APE)"],
  ['wvpk', 'WavPack'],
  ['MThd', 'MIDI'],
];

/** ISO-BMFF brands that are still images, not sound (phone photos share the mp4 container). */
const IMAGE_BRANDS = new Set(['heic', 'heix', 'hevc', 'heim', 'heis', 'mif1', 'msf1', 'avif', 'avis', 'crx ']);

/** MPEG audio frame header (0xFFE sync plus valid version/layer/bitrate/rate bits), or AAC's ADTS header. */
function frameHeaderAt(b: Uint8Array, i: number): 'mpeg' | 'adts' | null {
  const [b0, b1, b2] = [b[i], b[i + 1], b[i + 2]];
  if (b0 !== 0xff || b1 === undefined || b2 === undefined || (b1 & 0xe0) !== 0xe0) return null;
  const version = (b1 >> 3) & 3;
  const layer = (b1 >> 1) & 3;
  if (layer === 0) return (b1 & 0xf6) === 0xf0 ? 'adts' : null; // ADTS: 12-bit sync, MPEG id, layer 00
  if (version === 1 || b2 >> 4 === 0 || b2 >> 4 === 15 || ((b2 >> 2) & 3) === 3) return null;
  return 'mpeg';
}

/** After an ID3v2 tag: MPEG frames (maybe after padding), or FLAC, which some taggers also prefix. */
function afterId3(b: Uint8Array): Sniffed {
  const size = ((b[6]! & 0x7f) << 21) | ((b[7]! & 0x7f) << 14) | ((b[8]! & 0x7f) << 7) | (b[9]! & 0x7f);
  const start = 10 + size + ((b[5]! & 0x10) !== 0 ? 10 : 0);
  if (ascii(b, start, 4) === 'fLaC') return audio('flac');
  for (let i = start; i < Math.min(b.length, start + 64 * 1024); i++) {
    const header = frameHeaderAt(b, i);
    if (header === 'mpeg') return audio('mp3');
    if (header === 'adts') return unsupported('AAC (ADTS)');
  }
  return unreadable('The file has an ID3 tag but no MPEG audio frames after it.');
}

/** Ogg is a container: the first packet of the first page names the codec. */
function oggCodec(b: Uint8Array): Sniffed {
  const segments = b[26];
  if (b[4] !== 0 || segments === undefined || b.length < 27 + segments + 8) {
    return unreadable('The Ogg file is truncated or damaged.');
  }
  const packet = ascii(b, 27 + segments, 8);
  if (packet === 'OpusHead' || packet.startsWith('\x01vorbis') || packet.startsWith('\x7FFLAC')) return audio('ogg');
  if (packet === 'Speex   ') return unsupported('Ogg Speex');
  if (packet.startsWith('\x80theora')) return notAudio('theora');
  return unreadable('The Ogg file does not start with an Opus, Vorbis or FLAC stream.');
}

/** EBML files are WebM or Matroska; the DocType element (0x4282) says which, within the first bytes. */
function ebmlDocType(b: Uint8Array): Sniffed {
  const head = b.subarray(0, 64);
  for (let i = 4; i + 3 < head.length; i++) {
    if (head[i] !== 0x42 || head[i + 1] !== 0x82 || (head[i + 2]! & 0x80) === 0) continue;
    const docType = ascii(head, i + 3, head[i + 2]! & 0x7f);
    if (docType === 'webm') return audio('webm');
    if (docType === 'matroska') return unsupported('Matroska (.mka/.mkv)');
  }
  return unreadable('The file is an EBML container without a WebM document type.');
}

/** Identify the container from magic numbers. */
export function sniffFormat(b: Uint8Array): Sniffed {
  const tag4 = ascii(b, 0, 4);
  const at8 = ascii(b, 8, 4);
  if (tag4 === 'OggS') return oggCodec(b);
  if (tag4 === 'fLaC') return audio('flac');
  if (tag4.startsWith('ID3') && b.length >= 10) return afterId3(b);
  if (tag4 === 'RIFF') {
    if (at8 === 'WAVE') return audio('wav');
    return at8 === 'WEBP' ? notAudio('webp') : at8 === 'AVI ' ? notAudio('avi') : notAudio('riff', { type: at8 });
  }
  if (tag4 === 'RF64') return unsupported('RF64 (64-bit WAV)');
  if (tag4 === 'FORM') {
    if (at8 === 'AIFF') return unsupported('AIFF');
    return at8 === 'AIFC' ? unsupported('AIFF-C') : notAudio('iff');
  }
  if (tag4 === '\x1A\x45\xDF\xA3') return ebmlDocType(b);
  if (ascii(b, 4, 4) === 'ftyp') {
    if (IMAGE_BRANDS.has(at8)) return notAudio('heif');
    return audio('mp4', at8.startsWith('M4') ? 'm4a' : 'mp4'); // M4A/M4B/M4P are audio-only iTunes brands
  }
  for (const [signature, name] of UNSUPPORTED_SIGNATURES) if (ascii(b, 0, signature.length) === signature) return unsupported(name);
  for (const [signature, kind] of OTHER_SIGNATURES) if (ascii(b, 0, signature.length) === signature) return notAudio(kind);
  const frame = frameHeaderAt(b, 0);
  if (frame === 'mpeg') return audio('mp3');
  if (frame === 'adts') return unsupported('AAC (ADTS)');
  if (looksLikeText(b)) return notAudio('text');
  return notAudio('unknown');
}

/** Valid UTF-8 with no NULs in the first 512 bytes reads as text. */
function looksLikeText(b: Uint8Array): boolean {
  const head = b.subarray(0, 512);
  if (head.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return true;
  } catch {
    return false;
  }
}
