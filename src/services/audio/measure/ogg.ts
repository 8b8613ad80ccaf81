/**
 * Ogg: every page whose CRC checks (as libogg demands), its packets rebuilt from the lacing values, each
 * audio packet's duration from its own bytes. Granule positions (the stream's claim of its length) are ignored.
 */
import { flacFrameHeader, flacStreamRate } from './flac.ts';
import { OPUS_MAX_PACKET_SAMPLES, OPUS_RATE, opusPacketSamples } from './opus.ts';
import { ascii, Tally, u32le, unreadable, unsupported, type Measurement } from './types.ts';

/** Bytes kept from the start of each packet: enough for every codec's identification header fields we read. */
const HEAD_BYTES = 32;
/** Vorbis I §4.2.2: blocksize_1 is at most 2^13, and a packet outputs at most half the larger block. */
const VORBIS_MAX_BLOCK_EXPONENT = 13;

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let k = 0; k < 8; k++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    table[i] = r >>> 0;
  }
  return table;
})();

/** The Ogg page checksum (CRC-32, polynomial 0x04c11db7, no reflection), computed with the CRC field as zeros. */
export function oggCrc(page: Uint8Array): number {
  let crc = 0;
  for (let i = 0; i < page.length; i++) {
    const byte = i >= 22 && i < 26 ? 0 : (page[i] as number);
    crc = ((crc << 8) ^ (CRC_TABLE[((crc >>> 24) ^ byte) & 0xff] as number)) >>> 0;
  }
  return crc;
}

type Codec = 'opus' | 'vorbis' | 'flac' | 'skeleton' | 'other';

interface Stream {
  codec?: Codec;
  packets: number;
  /** the packet's first bytes (HEAD_BYTES at most) and how many are filled */
  head: Uint8Array;
  headLength: number;
  length: number;
  /** vorbis: samples per packet at most / at least, and the rate; flac: STREAMINFO rate */
  rate: number;
  maxSamples: number;
  minSamples: number;
  /** opus: pre-skip from OpusHead, and the last granule position seen (-1 when none) */
  preSkip: number;
  granule: number;
  /**
   * flac: the open packet's bytes, whole. A packet may hold several frames, and FFmpeg's decoder is handed the rest of
   * a packet after each frame (libavcodec/decode.c), so every frame header in it counts, not only the first.
   */
  chunks: Uint8Array[];
}

export function measureOgg(b: Uint8Array): Measurement {
  const streams = new Map<number, Stream>();
  const tally = new Tally();
  let pages = 0;
  let pos = 0;
  while (pos + 27 <= b.length) {
    if (b[pos] !== 0x4f || ascii(b, pos, 4) !== 'OggS' || b[pos + 4] !== 0) {
      pos++;
      continue;
    }
    const segments = b[pos + 26] as number;
    const bodyStart = pos + 27 + segments;
    let bodyLength = 0;
    for (let i = 0; i < segments; i++) bodyLength += b[pos + 27 + i] ?? 0;
    const end = bodyStart + bodyLength;
    // A page cut off by the end of the file can't pass its CRC: the decoder drops it too.
    if (end > b.length || oggCrc(b.subarray(pos, end)) !== u32le(b, pos + 22)) {
      pos++;
      continue;
    }
    pages++;
    const serial = u32le(b, pos + 14);
    let stream = streams.get(serial);
    if (!stream) streams.set(serial, (stream = { packets: 0, head: new Uint8Array(HEAD_BYTES), headLength: 0, length: 0, rate: 0, maxSamples: 0, minSamples: 0, preSkip: 0, granule: -1, chunks: [] }));
    const granuleHigh = u32le(b, pos + 10);
    if (granuleHigh !== 0xffffffff) stream.granule = granuleHigh * 2 ** 32 + u32le(b, pos + 6); // all ones: no packet ends here
    let at = bodyStart;
    for (let i = 0; i < segments; i++) {
      const lace = b[pos + 27 + i] as number;
      for (let k = 0; k < lace && stream.headLength < HEAD_BYTES; k++) stream.head[stream.headLength++] = b[at + k] as number;
      if (stream.codec === 'flac') stream.chunks.push(b.subarray(at, at + lace));
      stream.length += lace;
      at += lace;
      if (lace < 255) finishPacket(stream, tally);
    }
    pos = end;
  }
  // A packet left open at the end is counted too: it can only make the bound larger.
  for (const stream of streams.values()) if (stream.length > 0) finishPacket(stream, tally);
  if (pages === 0) return unreadable('The ogg file has no intact pages; it is truncated or damaged.');
  const all = [...streams.values()].filter((s) => s.codec !== 'skeleton');
  // A stream we can't measure (Speex, a video) could be what a decoder plays: refuse rather than guess.
  if (all.some((s) => s.codec === 'other')) return unsupported('oggOther');
  const codecs = all.map((s) => s.codec).filter((c) => c !== undefined);
  if (codecs.length === 0) return unsupported('oggNone');
  if (tally.upper === 0) return unreadable('The ogg file holds no audio packets; it is truncated or damaged.');
  const opus = [...streams.values()].filter((s) => s.codec === 'opus' && s.granule >= 0);
  const stated = opus.length > 0 ? opus.reduce((sum, s) => sum + Math.max(0, s.granule - s.preSkip), 0) / OPUS_RATE : undefined;
  return { ...tally.result(`ogg/${[...new Set(codecs)].join('+')}`), ...(stated !== undefined && { statedSeconds: stated }) } as Measurement;
}

function finishPacket(stream: Stream, tally: Tally): void {
  const head = stream.head;
  const headLength = stream.headLength;
  const length = stream.length;
  const chunks = stream.chunks;
  stream.headLength = 0;
  stream.length = 0;
  stream.chunks = [];
  const index = stream.packets++;
  if (index === 0) return identify(stream, head.slice(0, headLength));
  switch (stream.codec) {
    case 'opus': {
      if (index === 1) return; // OpusTags
      const samples = opusPacketSamples(head, length); // head holds min(length, HEAD_BYTES) fresh bytes
      // A packet the decoder rejects may still be concealed as audio: count it at the most a packet can hold.
      tally.add((samples ?? 0) / OPUS_RATE, (samples ?? OPUS_MAX_PACKET_SAMPLES) / OPUS_RATE);
      return;
    }
    case 'vorbis':
      if (((head[0] ?? 1) & 1) === 1) return; // header packets have odd types; audio packets start with a 0 bit
      tally.add(stream.minSamples / stream.rate, stream.maxSamples / stream.rate);
      return;
    case 'flac': {
      // Metadata packets start with their block type; audio packets with a frame's sync byte.
      if (head[0] !== 0xff) return;
      const packet = joined(chunks, length);
      for (let i = 0; i < packet.length; i++) {
        const frame = packet[i] === 0xff ? flacFrameHeader(packet, i, stream.rate) : undefined;
        if (!frame) continue;
        tally.add(frame.blockSize / frame.rate);
        i += frame.length - 1;
      }
      return;
    }
    default:
      return;
  }
}

/** A packet's bytes in one array (most packets lie within one page: no copy then). */
function joined(chunks: Uint8Array[], length: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const packet = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    packet.set(chunk, at);
    at += chunk.length;
  }
  return packet;
}

function identify(stream: Stream, bytes: Uint8Array): void {
  const magic = ascii(bytes, 0, 8);
  if (magic === 'OpusHead') {
    stream.codec = 'opus';
    stream.preSkip = (bytes[10] ?? 0) | ((bytes[11] ?? 0) << 8);
  }
  else if (magic.startsWith('\x01vorbis') && bytes.length >= 30) {
    const rate = u32le(bytes, 12);
    const small = Math.min(bytes[28]! & 0x0f, VORBIS_MAX_BLOCK_EXPONENT);
    const large = Math.min(bytes[28]! >> 4, VORBIS_MAX_BLOCK_EXPONENT);
    // A packet outputs a quarter of the previous block plus a quarter of its own: between blocksize_0/2 and blocksize_1/2.
    Object.assign(stream, { codec: rate > 0 ? 'vorbis' : 'other', rate: Math.max(rate, 1), minSamples: 2 ** small / 2, maxSamples: 2 ** large / 2 });
  } else if (magic.startsWith('\x7fFLAC') && ascii(bytes, 9, 4) === 'fLaC') {
    stream.codec = 'flac';
    stream.rate = flacStreamRate(bytes, 17);
  } else if (magic === 'fishead\0') stream.codec = 'skeleton'; // Ogg Skeleton: an index, no media
  else stream.codec = 'other';
}
