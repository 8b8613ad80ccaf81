/**
 * Structurally valid audio files whose stated length (the container's own header) says one thing while the
 * frames/packets they carry hold another. Payloads are silence or zeros; every structure a demuxer checks is
 * real: Ogg page CRCs, MPEG frame headers (with a Xing header), MP4 boxes and sample tables.
 * Each maker returns the true length too, known from how many frames it wrote, never measured from the bytes.
 */

export interface CraftedAudio {
  bytes: Uint8Array;
  /** Seconds of audio the frames/packets really hold. */
  trueSeconds: number;
  /** Seconds the header states. */
  statedSeconds: number;
}

/** Byte-building helpers shared by the crafted files here and in craftedAac.ts. */
export const concat = (parts: ArrayLike<number>[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};
export const latin1 = (s: string): number[] => Array.from(s, (c) => c.charCodeAt(0));
export const u16be = (n: number): number[] => [(n >>> 8) & 0xff, n & 0xff];
export const u32be = (n: number): number[] => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const u16le = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff];
const u32le = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
const u64le = (n: number): number[] => [...u32le(n % 2 ** 32), ...u32le(Math.floor(n / 2 ** 32))];

// ---- Ogg/Opus -----------------------------------------------------------------------------------------------

/** Bitwise CRC-32 (poly 0x04c11db7, MSB first), as RFC 3533 defines it for Ogg pages. */
function crc32Ogg(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 24;
    for (let k = 0; k < 8; k++) crc = crc & 0x80000000 ? ((crc << 1) ^ 0x04c11db7) >>> 0 : (crc << 1) >>> 0;
  }
  return crc >>> 0;
}

function oggPage(packets: Uint8Array[], options: { serial: number; sequence: number; granule: number; flags: number }): Uint8Array {
  const lacing: number[] = [];
  for (const p of packets) {
    for (let n = p.length; ; n -= 255) {
      lacing.push(Math.min(n, 255));
      if (n < 255) break;
    }
  }
  const header = [...latin1('OggS'), 0, options.flags, ...u64le(options.granule), ...u32le(options.serial), ...u32le(options.sequence), 0, 0, 0, 0, lacing.length, ...lacing];
  const page = concat([header, ...packets]);
  page.set(u32le(crc32Ogg(page)), 22);
  return page;
}

const OPUS_PRE_SKIP = 312;

/**
 * Ogg/Opus whose last granule position states `statedSeconds` while it carries `trueSeconds` of 20 ms CELT
 * packets (TOC config 31, code 0; a zero byte of payload: silence).
 */
export function craftOggOpus(trueSeconds: number, statedSeconds: number, options: { speexStream?: boolean; serial?: number } = {}): CraftedAudio {
  const serial = options.serial ?? 0x1234abcd;
  const head = concat([latin1('OpusHead'), [1, 1], u16le(OPUS_PRE_SKIP), u32le(48_000), u16le(0), [0]]);
  const tags = concat([latin1('OpusTags'), u32le(7), latin1('crafted'), u32le(0)]);
  const packets = Math.round(trueSeconds / 0.02);
  const pages = [oggPage([head], { serial, sequence: 0, granule: 0, flags: 0x02 }), oggPage([tags], { serial, sequence: 1, granule: 0, flags: 0 })];
  const perPage = 200;
  for (let done = 0, sequence = 2; done < packets; sequence++) {
    const count = Math.min(perPage, packets - done);
    done += count;
    const last = done === packets;
    // Granules are what players read for the length: honest ones follow the packets, the last one states the lie.
    const granule = last ? Math.round(statedSeconds * 48_000) + OPUS_PRE_SKIP : done * 960 + OPUS_PRE_SKIP;
    pages.push(oggPage(Array.from({ length: count }, () => Uint8Array.of(0xf8, 0x00)), { serial, sequence, granule, flags: last ? 0x04 : 0 }));
  }
  if (options.speexStream) {
    // A second logical stream, Speex (a codec whose packets the bot can't time), multiplexed alongside.
    const speexHead = concat([latin1('Speex   '), latin1('1.2'.padEnd(20, '\0')), new Array(52).fill(0)]);
    pages.splice(1, 0, oggPage([speexHead], { serial: serial + 1, sequence: 0, granule: 0, flags: 0x02 }));
  }
  return { bytes: concat(pages), trueSeconds: packets * 0.02, statedSeconds };
}

// ---- Ogg/FLAC -----------------------------------------------------------------------------------------------

const crcMsb = (bytes: ArrayLike<number>, width: 8 | 16, poly: number): number => {
  const top = 1 << (width - 1);
  const mask = (1 << width) - 1;
  let crc = 0;
  for (let i = 0; i < bytes.length; i++) {
    crc ^= (bytes[i] as number) << (width - 8);
    for (let k = 0; k < 8; k++) crc = crc & top ? ((crc << 1) ^ poly) & mask : (crc << 1) & mask;
  }
  return crc;
};

/** FLAC frames of 4,096 samples at 8 kHz (512 ms), mono 16-bit, one CONSTANT subframe of silence: 11 bytes each. */
const FLAC_BLOCK_SECONDS = 4_096 / 8_000;
/** FLAC frame rate codes (RFC 9639 §9.1.2): 0 states none (STREAMINFO's, or the decoder's choice). */
const FLAC_RATE_CODES: Record<number, number> = { 0: 0, 4: 8_000, 9: 44_100, 10: 48_000, 11: 96_000 };
function flacSilentFrame(frameNumber: number, rateCode = 4): number[] {
  // Sync + fixed blocksize; block size code 12 (4,096), rate code 4 (8 kHz) unless told; mono, 16 bits; frame number (< 128: one byte).
  const header = [0xff, 0xf8, 0xc0 | rateCode, 0x08, frameNumber & 0x7f];
  const withCrc8 = [...header, crcMsb(header, 8, 0x07)];
  const body = [...withCrc8, 0x00, 0x00, 0x00]; // CONSTANT subframe header, then its 16-bit value
  const crc16 = crcMsb(body, 16, 0x8005);
  return [...body, crc16 >> 8, crc16 & 0xff];
}

/**
 * Ogg/FLAC (the FLAC-to-Ogg mapping 1.0) whose audio packets each hold `framesPerPacket` whole FLAC frames. FFmpeg's
 * FLAC decoder takes one frame a call and is given the rest of the packet again (libavcodec/decode.c), so every frame
 * plays: `trueSeconds` is all of them. A reader taking each packet for one frame sees 1 / framesPerPacket of it.
 */
const flacStreamInfo = (rate: number): number[] => [...u16be(4_096), ...u16be(4_096), 0, 0, 11, 0, 0, 11,
  // 20 bits of rate, 3 of channels − 1 (0), 5 of bits − 1 (15), 36 of total samples (0: unknown), then the MD5.
  (rate >> 12) & 0xff, (rate >> 4) & 0xff, ((rate & 0x0f) << 4) | (0 << 1) | (15 >> 4), (15 & 0x0f) << 4, 0, 0, 0, 0, ...new Array(16).fill(0)];

export function craftOggFlac(trueSeconds: number, framesPerPacket: number): CraftedAudio {
  const serial = 0x0f1ac000;
  const head = concat([[0x7f], latin1('FLAC'), [1, 0], u16be(1), latin1('fLaC'), [0x00, 0, 0, 34], flacStreamInfo(8_000)]);
  const comment = concat([[0x84, 0, 0, 8], u32le(0), u32le(0)]); // the last metadata block: an empty VORBIS_COMMENT
  const packets = Math.round(trueSeconds / FLAC_BLOCK_SECONDS / framesPerPacket);
  const pages = [oggPage([head], { serial, sequence: 0, granule: 0, flags: 0x02 }), oggPage([comment], { serial, sequence: 1, granule: 0, flags: 0 })];
  let frame = 0;
  for (let k = 0; k < packets; k++) {
    const packet = Uint8Array.from(Array.from({ length: framesPerPacket }, () => flacSilentFrame(frame++)).flat());
    // The granules (what players read for the length) count one frame a packet, agreeing with such a reader.
    pages.push(oggPage([packet], { serial, sequence: k + 2, granule: (k + 1) * 4_096, flags: k === packets - 1 ? 0x04 : 0 }));
  }
  return { bytes: concat(pages), trueSeconds: frame * FLAC_BLOCK_SECONDS, statedSeconds: packets * FLAC_BLOCK_SECONDS };
}

// ---- Ogg chains on one serial number -----------------------------------------------------------------------

/**
 * Chains on ONE serial number, each starting with a BOS page again (RFC 3533 wants a new serial; some stream dumps
 * don't). FFmpeg's demuxer keeps them as one stream and hands every packet to the decoder.
 */
export const OGG_CHAIN_SERIAL = 0x5e71a1;

/**
 * Ogg/Vorbis chains: each its identification header (rate, both block sizes 2^blockExponent), comment and setup
 * headers, then `packets` one-byte audio packets. After a chain's first packet each outputs 2^blockExponent / 2
 * samples at the chain's rate (FFmpeg's vorbisdec.c restarts on each identification header): that is `trueSeconds`.
 */
export function craftOggVorbisChains(chains: Array<{ rate: number; blockExponent: number; packets: number }>): CraftedAudio {
  const pages: Uint8Array[] = [];
  let trueSeconds = 0;
  for (const { rate, blockExponent, packets } of chains) {
    const identification = Uint8Array.from([1, ...latin1('vorbis'), ...u32le(0), 1, ...u32le(rate), ...u32le(0), ...u32le(0), ...u32le(0), (blockExponent << 4) | blockExponent, 1]);
    const comment = Uint8Array.from([3, ...latin1('vorbis'), ...u32le(0), ...u32le(0), 1]);
    const setup = Uint8Array.from([5, ...latin1('vorbis'), 0, 0, 0, 0]);
    let sequence = 0;
    pages.push(oggPage([identification], { serial: OGG_CHAIN_SERIAL, sequence: sequence++, granule: 0, flags: 0x02 }));
    pages.push(oggPage([comment, setup], { serial: OGG_CHAIN_SERIAL, sequence: sequence++, granule: 0, flags: 0 }));
    const samples = 2 ** blockExponent / 2;
    for (let done = 0; done < packets; ) {
      const count = Math.min(100, packets - done);
      done += count;
      pages.push(oggPage(Array.from({ length: count }, () => Uint8Array.of(0)), { serial: OGG_CHAIN_SERIAL, sequence: sequence++, granule: (done - 1) * samples, flags: done === packets ? 0x04 : 0 }));
    }
    trueSeconds += ((packets - 1) * samples) / rate;
  }
  return { bytes: concat(pages), trueSeconds, statedSeconds: trueSeconds };
}

/**
 * Ogg/FLAC chains: each its STREAMINFO rate, then `frames` silent frames of 4,096 samples with rate code `rateCode`
 * (0: none stated), one a packet. `trueSeconds` is what a decoder following chains plays (a frame stating no rate at
 * its own chain's STREAMINFO rate); `ffmpegSeconds` what FFmpeg plays (flacdec.c keeps the first STREAMINFO and then
 * each frame's own rate).
 */
export function craftOggFlacChains(chains: Array<{ streamRate: number; rateCode: number; frames: number }>): CraftedAudio & { ffmpegSeconds: number } {
  const pages: Uint8Array[] = [];
  let trueSeconds = 0;
  let ffmpegSeconds = 0;
  let ffmpegRate = chains[0]!.streamRate;
  for (const { streamRate, rateCode, frames } of chains) {
    const head = concat([[0x7f], latin1('FLAC'), [1, 0], u16be(1), latin1('fLaC'), [0x00, 0, 0, 34], flacStreamInfo(streamRate)]);
    const comment = concat([[0x84, 0, 0, 8], u32le(0), u32le(0)]);
    let sequence = 0;
    pages.push(oggPage([head], { serial: OGG_CHAIN_SERIAL, sequence: sequence++, granule: 0, flags: 0x02 }));
    pages.push(oggPage([comment], { serial: OGG_CHAIN_SERIAL, sequence: sequence++, granule: 0, flags: 0 }));
    for (let k = 0; k < frames; k++) {
      pages.push(oggPage([Uint8Array.from(flacSilentFrame(k, rateCode))], { serial: OGG_CHAIN_SERIAL, sequence: sequence++, granule: (k + 1) * 4_096, flags: k === frames - 1 ? 0x04 : 0 }));
    }
    const stated = FLAC_RATE_CODES[rateCode]!;
    ffmpegRate = stated || ffmpegRate;
    trueSeconds += (frames * 4_096) / (stated || streamRate);
    ffmpegSeconds += (frames * 4_096) / ffmpegRate;
  }
  return { bytes: concat(pages), trueSeconds, statedSeconds: trueSeconds, ffmpegSeconds };
}

/**
 * Native FLAC: STREAMINFO at `streamRate`, then one silent frame of 4,096 samples for each rate code given. A frame
 * stating no rate (0) plays at the previous frame's rate in FFmpeg, at STREAMINFO's in libFLAC: `trueSeconds` is the
 * longer of the two, `ffmpegSeconds` FFmpeg's.
 */
export function craftFlac(streamRate: number, rateCodes: number[]): CraftedAudio & { ffmpegSeconds: number } {
  const frames = rateCodes.flatMap((code, k) => flacSilentFrame(k, code));
  let ffmpegRate = streamRate;
  let ffmpegSeconds = 0;
  let libflacSeconds = 0;
  for (const code of rateCodes) {
    const stated = FLAC_RATE_CODES[code]!;
    ffmpegRate = stated || ffmpegRate;
    ffmpegSeconds += 4_096 / ffmpegRate;
    libflacSeconds += 4_096 / (stated || streamRate);
  }
  const trueSeconds = Math.max(ffmpegSeconds, libflacSeconds);
  return { bytes: concat([latin1('fLaC'), [0x80, 0, 0, 34], flacStreamInfo(streamRate), frames]), trueSeconds, statedSeconds: trueSeconds, ffmpegSeconds };
}

// ---- MP3 ----------------------------------------------------------------------------------------------------

/** MPEG-1 Layer III, 32 kbit/s, 32 kHz, mono, no CRC: 144-byte frames of 1152 samples (36 ms). */
const MP3_HEADER = [0xff, 0xfb, 0x18, 0xc0];
const MP3_FRAME_BYTES = 144;
const MP3_FRAME_SECONDS = 1152 / 32_000;

/** MP3 whose Xing header states `statedSeconds` worth of frames while `trueSeconds` of frames follow it. */
export function craftMp3(trueSeconds: number, statedSeconds: number): CraftedAudio {
  const frames = Math.round(trueSeconds / MP3_FRAME_SECONDS);
  const xing = new Uint8Array(MP3_FRAME_BYTES);
  xing.set(MP3_HEADER);
  // Mono MPEG-1: 17 bytes of side information, then "Xing", flags (frames + bytes), frame count, byte count.
  const claimedFrames = Math.round(statedSeconds / MP3_FRAME_SECONDS);
  xing.set([...latin1('Xing'), ...u32be(3), ...u32be(claimedFrames), ...u32be(claimedFrames * MP3_FRAME_BYTES)], 4 + 17);
  const frame = new Uint8Array(MP3_FRAME_BYTES);
  frame.set(MP3_HEADER);
  // The Xing frame decodes to one frame of silence too.
  return { bytes: concat([xing, ...Array.from({ length: frames }, () => frame)]), trueSeconds: (frames + 1) * MP3_FRAME_SECONDS, statedSeconds };
}

// ---- M4A (AAC) ----------------------------------------------------------------------------------------------

export const box = (type: string, ...content: ArrayLike<number>[]): Uint8Array => {
  const body = concat(content);
  return concat([u32be(8 + body.length), latin1(type), body]);
};
const fullBox = (type: string, version: number, ...content: ArrayLike<number>[]): Uint8Array => box(type, [version, 0, 0, 0], ...content);

/** AAC-LC at 8 kHz, mono: 1024 samples (128 ms) a frame. */
const AAC_RATE = 8_000;
const AAC_FRAME_SECONDS = 1024 / AAC_RATE;
const AAC_FRAME_BYTES = 8;

/**
 * The esds of an `mp4a` entry. Its objectTypeIndication picks the decoder (FFmpeg's ff_mp4_obj_type, whatever the
 * entry's fourcc): 0x40 MPEG-4 audio (here AAC-LC, 8 kHz, mono), or 0xAD Opus (no decoder-specific info needed).
 */
function esds(objectType: 0x40 | 0x6b | 0xad = 0x40): Uint8Array {
  // AudioSpecificConfig: object type 2 (LC), rate index 11 (8000 Hz), 1 channel.
  const asc = [0x15, 0x88];
  const decoderSpecific = objectType === 0x40 ? [0x05, asc.length, ...asc] : [];
  const decoderConfig = [0x04, 13 + decoderSpecific.length, objectType, 0x15, 0, 0, 0, ...u32be(16_000), ...u32be(16_000), ...decoderSpecific];
  const slConfig = [0x06, 1, 2];
  const es = [0x03, 3 + decoderConfig.length + slConfig.length, 0, 1, 0, ...decoderConfig, ...slConfig];
  return fullBox('esds', 0, es);
}

/** ALAC frames of 4,096 samples: at the cookie's 8 kHz, 512 ms each. */
const ALAC_FRAME_SAMPLES = 4_096;
/** The rate an ALAC sample entry claims over its cookie's 8 kHz: six times as fast. */
const ALAC_ENTRY_RATE = 48_000;

/** An Opus packet of 120 ms, the most one holds: TOC config 31 (CELT, 20 ms), code 3, then 6 frames (CBR) of 1 byte. */
const OPUS_120MS_PACKET = [0xfb, 0x06, 0, 0, 0, 0, 0, 0];
/** The rate an `mp4a` entry holding Opus claims: 48 kHz, Opus's own, so nothing in the entry looks wrong. */
const OPUS_RATE = 48_000;
/** MPEG-2.5 Layer III at 8 kbit/s and 8 kHz, mono: the lowest bitrate MPEG audio has; 72-byte frames of 576 samples (72 ms). */
const MP3_LOWEST_FRAME = [0xff, 0xe3, 0x18, 0xc0, ...new Array(68).fill(0)];
/** MP3 frames packed in each sample of the `mp4a-mp3` file. */
const MP3_FRAMES_PER_SAMPLE = 10;

/**
 * M4A whose mvhd, tkhd and mdhd durations state `statedSeconds` while its sample tables list `trueSeconds` of
 * AAC frames (all in mdat, zero payload). `codec: 'alac'`: ALAC frames instead, whose sample entry claims
 * 48 kHz while the ALAC cookie, which decoders (FFmpeg's mov demuxer) take the rate from, says 8 kHz.
 * `codec: 'mp4a-opus'`: an `mp4a` entry (AAC's fourcc) at 48 kHz whose esds names Opus (0xAD), each sample a
 * 120 ms Opus packet: read as AAC, a sample would be 1,024 samples at 48 kHz, 21 ms. `codec: 'mp4a-mp3'`: the same entry
 * naming MPEG-1 audio (0x6B), each sample 10 MP3 frames of 72 ms (FFmpeg's parser splits them: all play), 720 ms.
 */
export function craftM4a(trueSeconds: number, statedSeconds: number, codec: 'aac' | 'alac' | 'mp4a-opus' | 'mp4a-mp3' = 'aac'): CraftedAudio {
  const frameSeconds = codec === 'alac' ? ALAC_FRAME_SAMPLES / AAC_RATE : codec === 'mp4a-opus' ? 0.12 : codec === 'mp4a-mp3' ? MP3_FRAMES_PER_SAMPLE * 0.072 : AAC_FRAME_SECONDS;
  const sampleBytes = codec === 'mp4a-mp3' ? MP3_FRAMES_PER_SAMPLE * MP3_LOWEST_FRAME.length : AAC_FRAME_BYTES;
  const frames = Math.round(trueSeconds / frameSeconds);
  const ftyp = box('ftyp', latin1('M4A '), u32be(0), latin1('M4A isommp42'));
  const matrix = [...u32be(0x10000), ...u32be(0), ...u32be(0), ...u32be(0), ...u32be(0x10000), ...u32be(0), ...u32be(0), ...u32be(0), ...u32be(0x40000000)];
  const mvhd = fullBox('mvhd', 0, u32be(0), u32be(0), u32be(1000), u32be(Math.round(statedSeconds * 1000)), u32be(0x10000), u16be(0x100), new Array(10).fill(0), matrix, new Array(24).fill(0), u32be(2));
  const tkhd = fullBox('tkhd', 0, u32be(0), u32be(0), u32be(1), u32be(0), u32be(Math.round(statedSeconds * 1000)), new Array(8).fill(0), u16be(0), u16be(0), u16be(0x100), u16be(0), matrix, u32be(0), u32be(0));
  const mdhd = fullBox('mdhd', 0, u32be(0), u32be(0), u32be(AAC_RATE), u32be(Math.round(statedSeconds * AAC_RATE)), u16be(0x55c4), u16be(0));
  const hdlr = fullBox('hdlr', 0, u32be(0), latin1('soun'), new Array(12).fill(0), latin1('SoundHandler\0'));
  const mp4a = codec === 'mp4a-opus' || codec === 'mp4a-mp3'
    ? box('mp4a', new Array(6).fill(0), u16be(1), new Array(8).fill(0), u16be(1), u16be(16), u16be(0), u16be(0), u32be(OPUS_RATE * 0x10000), esds(codec === 'mp4a-opus' ? 0xad : 0x6b))
    : box('mp4a', new Array(6).fill(0), u16be(1), new Array(8).fill(0), u16be(1), u16be(16), u16be(0), u16be(0), u32be(AAC_RATE * 0x10000), esds());
  const cookie = fullBox('alac', 0, u32be(ALAC_FRAME_SAMPLES), [0, 16, 40, 10, 14, 1], u16be(255), u32be(0), u32be(0), u32be(AAC_RATE));
  const alac = box('alac', new Array(6).fill(0), u16be(1), new Array(8).fill(0), u16be(1), u16be(16), u16be(0), u16be(0), u32be(ALAC_ENTRY_RATE * 0x10000), cookie);
  const stsd = fullBox('stsd', 0, u32be(1), codec === 'alac' ? alac : mp4a);
  const stts = fullBox('stts', 0, u32be(1), u32be(frames), u32be(codec === 'alac' ? ALAC_FRAME_SAMPLES : codec === 'mp4a-opus' ? 960 : codec === 'mp4a-mp3' ? 5760 : 1024));
  const stsc = fullBox('stsc', 0, u32be(1), u32be(1), u32be(frames), u32be(1));
  const stsz = fullBox('stsz', 0, u32be(sampleBytes), u32be(frames));
  const mdatPayload = new Uint8Array(frames * sampleBytes);
  if (codec === 'mp4a-opus') for (let k = 0; k < frames; k++) mdatPayload.set(OPUS_120MS_PACKET, k * sampleBytes);
  if (codec === 'mp4a-mp3') for (let k = 0; k < frames * MP3_FRAMES_PER_SAMPLE; k++) mdatPayload.set(MP3_LOWEST_FRAME, k * MP3_LOWEST_FRAME.length);
  const stcoFor = (offset: number) => fullBox('stco', 0, u32be(1), u32be(offset));
  const moovFor = (offset: number) => {
    const stbl = box('stbl', stsd, stts, stsc, stsz, stcoFor(offset));
    const minf = box('minf', fullBox('smhd', 0, u32be(0)), box('dinf', fullBox('dref', 0, u32be(1), fullBox('url ', 0))), stbl);
    return box('moov', mvhd, box('trak', tkhd, box('mdia', mdhd, hdlr, minf)));
  };
  // The chunk offset points into mdat, which follows moov; moov's size doesn't depend on the offset's value.
  const offset = ftyp.length + moovFor(0).length + 8;
  return { bytes: concat([ftyp, moovFor(offset), box('mdat', mdatPayload)]), trueSeconds: frames * frameSeconds, statedSeconds };
}

// ---- WAV ----------------------------------------------------------------------------------------------------

const riffChunk = (id: string, body: ArrayLike<number>): Uint8Array => concat([latin1(id), u32le(body.length), body, body.length % 2 ? [0] : []]);
const pcmFormat = (rate: number, channels: number, bits: number): Uint8Array =>
  riffChunk('fmt ', [...u16le(1), ...u16le(channels), ...u32le(rate), ...u32le((rate * channels * bits) / 8), ...u16le((channels * bits) / 8), ...u16le(bits)]);

/**
 * PCM WAV holding `trueSeconds` of 8 kHz mono 16-bit silence, whose first `fmt ` chunk says so while a second one
 * (before the data, `where: 'before'`, or after it with a tag music-metadata can't read, `'after'`) claims
 * 192 kHz, 8 channels, 32 bits: 384 times the bytes a second. Decoders (FFmpeg) read only the first `fmt `.
 */
export function craftWavTwoFormats(trueSeconds: number, where: 'before' | 'after'): CraftedAudio {
  const data = riffChunk('data', new Uint8Array(Math.round(trueSeconds * 8_000) * 2));
  const first = pcmFormat(8_000, 1, 16);
  const second = pcmFormat(192_000, 8, 32);
  // An ID3 chunk whose tag claims more than the file holds: music-metadata then reads nothing at all.
  const badTag = riffChunk('id3 ', [...latin1('ID3'), 4, 0, 0, 0x7f, 0x7f, 0x7f, 0x7f]);
  const chunks = where === 'before' ? [first, second, data] : [first, data, second, badTag];
  return { bytes: riffChunk('RIFF', concat([latin1('WAVE'), ...chunks])), trueSeconds, statedSeconds: trueSeconds };
}

/** FFmpeg's IMA ADPCM in WAV (libavcodec/adpcm.c): each channel's block starts with a 4-byte header (one sample), then
 * groups of `ff_adpcm_ima_block_sizes[bits - 2]` bytes decoding to `ff_adpcm_ima_block_samples[bits - 2]` samples. */
const IMA_GROUP: Record<number, { bytes: number; samples: number }> = { 2: { bytes: 4, samples: 16 }, 3: { bytes: 12, samples: 32 }, 4: { bytes: 4, samples: 8 }, 5: { bytes: 20, samples: 32 } };

/**
 * IMA ADPCM WAV (format tag 0x0011), 8 kHz mono, `bits` bits a code (FFmpeg decodes 2 to 5), about `trueSeconds` long
 * as FFmpeg decodes it, in blocks of 64 groups. No `fact` chunk: music-metadata then states data ÷ block align ÷ rate,
 * far below the audio's length, so no stated figure contradicts anything.
 */
export function craftWavImaAdpcm(trueSeconds: number, bits: 2 | 3 | 4 | 5): CraftedAudio {
  const rate = 8_000;
  const group = IMA_GROUP[bits]!;
  const blockAlign = 4 + 64 * group.bytes;
  const blockSamples = 1 + 64 * group.samples;
  const blocks = Math.round((trueSeconds * rate) / blockSamples);
  // WAVEFORMATEX with cbSize 2 and wSamplesPerBlock, as Microsoft's IMA ADPCM writes it.
  const fmt = riffChunk('fmt ', [...u16le(0x0011), ...u16le(1), ...u32le(rate), ...u32le(Math.round((rate * blockAlign) / blockSamples)), ...u16le(blockAlign), ...u16le(bits), ...u16le(2), ...u16le(blockSamples)]);
  const data = riffChunk('data', new Uint8Array(blocks * blockAlign));
  return { bytes: riffChunk('RIFF', concat([latin1('WAVE'), fmt, data])), trueSeconds: (blocks * blockSamples) / rate, statedSeconds: blocks / rate };
}

// ---- WebM/Vorbis ---------------------------------------------------------------------------------------------

/** An EBML element: its ID bytes, its size (one byte when it fits, as muxers write it; else four), its body. */
const ebml = (id: number[], ...body: ArrayLike<number>[]): Uint8Array => {
  const data = concat(body);
  const n = data.length;
  return concat([id, n < 0x7f ? [0x80 | n] : [0x10 | (n >>> 24), (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff], data]);
};
const float64be = (n: number): number[] => {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, n);
  return Array.from(new Uint8Array(view.buffer));
};
const VORBIS_BLOCK_EXPONENT = 12;

/**
 * WebM with `packets` Vorbis packets whose Vorbis identification header says 8 kHz (the rate a decoder plays at)
 * while the track's Matroska SamplingFrequency claims 192 kHz. Both block sizes are 2^12, so every packet after the
 * first decodes to 2,048 samples: `trueSeconds` is (packets − 1) × 2,048 / 8,000.
 */
export function craftWebmVorbis(packets: number): CraftedAudio {
  const identification = [1, ...latin1('vorbis'), ...u32le(0), 1, ...u32le(8_000), ...u32le(0), ...u32le(0), ...u32le(0), (VORBIS_BLOCK_EXPONENT << 4) | VORBIS_BLOCK_EXPONENT, 1];
  const comment = [3, ...latin1('vorbis'), ...u32le(0), ...u32le(0), 1];
  const setup = [5, ...latin1('vorbis'), 0, 0, 0, 0];
  const codecPrivate = [2, identification.length, comment.length, ...identification, ...comment, ...setup];
  const track = ebml([0xae], ebml([0xd7], [1]), ebml([0x86], latin1('A_VORBIS')), ebml([0x63, 0xa2], codecPrivate), ebml([0xe1], ebml([0xb5], float64be(192_000)), ebml([0x9f], [1])));
  const blocks = Array.from({ length: packets }, () => ebml([0xa3], [0x81, 0, 0, 0x80], new Uint8Array(40)));
  const segment = ebml([0x18, 0x53, 0x80, 0x67], ebml([0x16, 0x54, 0xae, 0x6b], track), ebml([0x1f, 0x43, 0xb6, 0x75], ebml([0xe7], [0]), ...blocks));
  const header = ebml([0x1a, 0x45, 0xdf, 0xa3], ebml([0x42, 0x82], latin1('webm')));
  const trueSeconds = ((packets - 1) * 2 ** (VORBIS_BLOCK_EXPONENT - 1)) / 8_000;
  return { bytes: concat([header, segment]), trueSeconds, statedSeconds: trueSeconds };
}

// ---- 25 MB files crafted to cost the measurement the most work (bench/audioMeasure.ts, the yield tests) ----------

/** `pattern` repeated to fill `size` bytes after `head`. */
function filled(head: ArrayLike<number>, pattern: ArrayLike<number>, size: number): Uint8Array {
  const out = new Uint8Array(size);
  out.set(head);
  for (let at = head.length; at < size; at += pattern.length) out.set(Array.prototype.slice.call(pattern, 0, size - at) as number[], at);
  return out;
}

/** Native FLAC of `size` bytes: silent 11-byte frames (8 kHz, 4,096 samples each) back to back, each a frame header to check. */
export function craftDenseFlac(size: number): CraftedAudio {
  const head = concat([latin1('fLaC'), [0x80, 0, 0, 34], flacStreamInfo(8_000)]);
  const frame = flacSilentFrame(0);
  const frames = Math.floor((size - head.length) / frame.length);
  return { bytes: filled(head, frame, head.length + frames * frame.length), trueSeconds: frames * FLAC_BLOCK_SECONDS, statedSeconds: 0 };
}

/**
 * Ogg of `size` bytes: an Ogg/FLAC stream's two header pages, then false capture patterns ("OggS", version 0, 255
 * segments of 255 bytes) every 282 bytes whose CRC never checks: each is a page to sum before it is dropped.
 */
export function craftFalseOggPages(size: number): Uint8Array {
  const real = craftOggFlac(1, 1).bytes;
  const falsePage = [...latin1('OggS'), 0, 0, ...new Array(20).fill(0), 255, ...new Array(255).fill(255)];
  return filled(real, falsePage, size);
}
