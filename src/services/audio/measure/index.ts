/** The one entry point: measure a sniffed container's audio from its own bytes. Never throws. */
import type { AudioFormat } from '../limits.ts';
import { measureFlac } from './flac.ts';
import { afterId3Tags, measureMpeg } from './mpeg.ts';
import { measureMp4 } from './mp4.ts';
import { measureOgg } from './ogg.ts';
import { measureWav } from './riff.ts';
import { ascii, unreadable, type Measurement } from './types.ts';
import { measureWebm } from './webm.ts';

export type { Measurement } from './types.ts';

export async function measureAudio(bytes: Uint8Array, format: AudioFormat): Promise<Measurement> {
  try {
    switch (format) {
      case 'mp3': return await measureMpeg(bytes);
      case 'ogg': return await measureOgg(bytes);
      case 'mp4': return await measureMp4(bytes);
      case 'wav': return await measureWav(bytes);
      case 'webm': return await measureWebm(bytes);
      case 'flac': {
        const start = afterId3Tags(bytes);
        return ascii(bytes, start, 4) === 'fLaC' ? await measureFlac(bytes, start) : unreadable('The flac file does not start with its marker.');
      }
    }
  } catch (error) {
    // Every reader is bounds-checked; this keeps the "never throws" promise should one still slip.
    return unreadable(`The ${format} file could not be measured (${error instanceof Error ? error.message : String(error)}).`);
  }
}
