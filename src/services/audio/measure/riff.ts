/**
 * WAV: the audio is the data chunk's bytes that are really present (a header may claim more, or 0 / 0xFFFFFFFF
 * when a recorder never filled it in), decoded at the format's own sample size, channels and rate. The fmt
 * chunk's byte-rate field is not used. Bytes after the data chunk that are not a well-formed chunk count as audio.
 * A file with several fmt chunks is measured at the one that plays longest: FFmpeg reads only the first, and a
 * later one claiming more bytes a second would otherwise shrink the bound.
 */
import { measureMpeg } from './mpeg.ts';
import { ascii, u16le, u32le, unreadable, unsupported, type Measurement } from './types.ts';

/** Format tags whose bytes are plain samples of `bits` each: PCM, IEEE float, A-law, µ-law. */
const SAMPLE_FORMATS = new Set([0x0001, 0x0003, 0x0006, 0x0007]);
/** MS and IMA ADPCM: 4 bits a sample, plus block headers, so 4 bits a sample bounds them from above. */
const ADPCM_FORMATS = new Set([0x0002, 0x0011]);
const IMA_ADPCM = 0x0011;
/**
 * FFmpeg also decodes IMA ADPCM of 2, 3 and 5 bits a code (libavcodec/adpcm.c, by the fmt's bits per sample); 2 bits
 * play twice as long as 4. So its bits are read, and any figure below 4 counts as the fewest bits FFmpeg takes.
 */
const IMA_FEWEST_BITS = 2;
const ADPCM_BITS = 4;
const MPEG_FORMATS = new Set([0x0050, 0x0055]);
const EXTENSIBLE = 0xfffe;

interface Format { tag: number; channels: number; rate: number; bits: number }

export async function measureWav(b: Uint8Array): Promise<Measurement> {
  const formats: Format[] = [];
  let audioBytes = 0;
  /** bytes after the data that are no chunk: a decoder reading on would take them as samples */
  let strayBytes = 0;
  let audioStart = -1;
  let pos = 12;
  while (pos + 8 <= b.length) {
    const id = ascii(b, pos, 4);
    const declared = u32le(b, pos + 4);
    const start = pos + 8;
    if (id === 'data') {
      // 0 and 0xFFFFFFFF are what streaming recorders leave; anything past the file's end is not there.
      const present = declared === 0 || declared === 0xffffffff ? b.length - start : Math.min(declared, b.length - start);
      audioBytes += present;
      if (audioStart < 0) audioStart = start;
      pos = start + present + (present & 1);
      continue;
    }
    if (!/^[\x20-\x7e]{4}$/.test(id) || start + declared > b.length) {
      if (audioStart >= 0) strayBytes = b.length - pos;
      break;
    }
    if (id === 'fmt ' && declared >= 16) {
      let tag = u16le(b, start);
      if (tag === EXTENSIBLE && declared >= 26) tag = u16le(b, start + 24);
      formats.push({ tag, channels: u16le(b, start + 2), rate: u32le(b, start + 4), bits: u16le(b, start + 14) });
    }
    pos = start + declared + (declared & 1);
  }
  if (formats.length === 0 || formats.some((f) => f.rate === 0 || f.channels === 0)) return unreadable('The wav file has no usable format chunk; it is truncated or damaged.');
  if (audioStart < 0 || audioBytes === 0) return unreadable('The wav file holds no audio data.');
  const audio = { bytes: audioBytes, stray: strayBytes, data: b.subarray(audioStart, audioStart + audioBytes + strayBytes) };
  const measured = await Promise.all(formats.map((format) => measureAs(format, audio)));
  const failed = measured.find((m) => !m.ok);
  if (failed) return failed;
  const ok = measured.filter((m) => m.ok);
  const longest = ok.reduce((x, y) => (y.upperSeconds > x.upperSeconds ? y : x));
  return { ...longest, lowerSeconds: Math.min(...ok.map((m) => m.lowerSeconds)) };
}

/** The audio decoded as one fmt chunk says. */
async function measureAs(format: Format, audio: { bytes: number; stray: number; data: Uint8Array }): Promise<Measurement> {
  const { tag, channels, rate, bits } = format;
  const { bytes: audioBytes, stray: strayBytes } = audio;
  if (SAMPLE_FORMATS.has(tag) && bits > 0) {
    const perSecond = channels * Math.ceil(bits / 8) * rate;
    return { ok: true, lowerSeconds: audioBytes / perSecond, upperSeconds: (audioBytes + strayBytes) / perSecond, codec: 'pcm' };
  }
  if (ADPCM_FORMATS.has(tag)) {
    const codeBits = tag === IMA_ADPCM ? Math.max(IMA_FEWEST_BITS, Math.min(ADPCM_BITS, bits)) : ADPCM_BITS;
    return { ok: true, lowerSeconds: 0, upperSeconds: ((audioBytes + strayBytes) * 8) / codeBits / channels / rate, codec: 'adpcm' };
  }
  if (MPEG_FORMATS.has(tag)) return measureMpeg(audio.data, 0);
  return unsupported('wavCodec', { codec: `0x${tag.toString(16).padStart(4, '0')}` });
}
