/**
 * Ogg: every page whose CRC checks (as libogg demands), its packets rebuilt from the lacing values, each
 * audio packet's duration from its own bytes. Granule positions (the stream's claim of its length) are ignored.
 * A new chain on a serial already seen (a BOS page again) is not a new stream to FFmpeg's demuxer (oggdec.c finds the
 * serial and hands every packet on to the decoder), while a decoder that follows chains rereads its headers: each
 * header a stream holds therefore widens the bound (Vorbis blocksizes and rate, FLAC STREAMINFO rates) and a chain
 * of another codec on the same serial is refused.
 */
import { countFlacFrames, FlacClock, flacStreamRate } from './flac.ts';
import { Slice } from './slice.ts';
import { OPUS_MAX_PACKET_SAMPLES, OPUS_RATE, opusPacketSamples } from './opus.ts';
import { ascii, Tally, u32le, unreadable, unsupported, type Measurement } from './types.ts';

/** Bytes kept from the start of each packet: enough for every codec's identification header fields we read. */
const HEAD_BYTES = 32;
/**
 * Bytes of would-be pages failing their CRC one file may have summed: each is summed before it is dropped, and false
 * capture patterns every 282 bytes of a 25 MB file asked for 5.8 GB of it (24 s of CPU). A file cut or damaged fails
 * at most its own size's worth (each real page once); past this it is refused as damaged. ~130 ms of summing.
 */
const FALSE_PAGE_BYTES = 32 * 1024 * 1024;
/** A page counts for one step of the Slice per this many of its bytes (summed, then its packets read). */
const PAGE_BYTES_A_STEP = 256;
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
  /** the next packet opens a new chain on this serial (a BOS page after data) */
  chainStart: boolean;
  /** vorbis: seconds a packet outputs at least / at most, over every identification header seen */
  minSeconds: number;
  maxSeconds: number;
  /** flac: the rate each frame plays at */
  clock: FlacClock;
  /** opus: pre-skip from OpusHead, the last granule position seen (-1 when none), and the chains before this one */
  preSkip: number;
  granule: number;
  chainedSeconds: number;
  /**
   * flac: the open packet's bytes, whole. A packet may hold several frames, and FFmpeg's decoder is handed the rest of
   * a packet after each frame (libavcodec/decode.c), so every frame header in it counts, not only the first.
   */
  chunks: Uint8Array[];
}

type Header =
  | { codec: 'opus'; preSkip: number }
  | { codec: 'vorbis'; minSeconds: number; maxSeconds: number }
  | { codec: 'flac'; rate: number }
  | { codec: 'skeleton' | 'other' };

const newStream = (): Stream => ({
  packets: 0, head: new Uint8Array(HEAD_BYTES), headLength: 0, length: 0, chainStart: false, minSeconds: Infinity, maxSeconds: 0,
  clock: new FlacClock(), preSkip: 0, granule: -1, chainedSeconds: 0, chunks: [],
});

export async function measureOgg(b: Uint8Array): Promise<Measurement> {
  const streams = new Map<number, Stream>();
  const tally = new Tally();
  // The walk yields to the event loop between slices: a 25 MB file of pages took ~0.3 s in one piece.
  const slice = new Slice();
  const scan = async (stream: Stream, packet: Uint8Array | undefined): Promise<void> => {
    const more = packet && countFlacFrames(packet, stream.clock, tally, slice);
    if (more) await more;
  };
  let pages = 0;
  let falsePageBytes = 0;
  let pos = 0;
  while (pos + 27 <= b.length) {
    const pause = slice.pause();
    if (pause) await pause;
    if (b[pos] !== 0x4f || ascii(b, pos, 4) !== 'OggS' || b[pos + 4] !== 0) {
      const next = b.indexOf(0x4f, pos + 1); // to the next possible capture pattern ("OggS")
      pos = next < 0 ? b.length : next;
      continue;
    }
    const segments = b[pos + 26] as number;
    const bodyStart = pos + 27 + segments;
    let bodyLength = 0;
    for (let i = 0; i < segments; i++) bodyLength += b[pos + 27 + i] ?? 0;
    const end = bodyStart + bodyLength;
    // A page cut off by the end of the file can't pass its CRC: the decoder drops it too.
    if (end > b.length || oggCrc(b.subarray(pos, end)) !== u32le(b, pos + 22)) {
      if (end <= b.length) {
        falsePageBytes += end - pos;
        if (falsePageBytes > FALSE_PAGE_BYTES) return unreadable('The ogg file holds more pages failing their checksum than a damaged file can; it is refused.');
        const summed = slice.pause((end - pos) / PAGE_BYTES_A_STEP);
        if (summed) await summed;
      }
      pos++;
      continue;
    }
    pages++;
    const serial = u32le(b, pos + 14);
    let stream = streams.get(serial);
    if (!stream) streams.set(serial, (stream = newStream()));
    else if ((b[pos + 5]! & 0x02) !== 0 && stream.packets > 0) await scan(stream, newChain(stream, tally));
    const granuleHigh = u32le(b, pos + 10);
    if (granuleHigh !== 0xffffffff) stream.granule = granuleHigh * 2 ** 32 + u32le(b, pos + 6); // all ones: no packet ends here
    let at = bodyStart;
    for (let i = 0; i < segments; i++) {
      const lace = b[pos + 27 + i] as number;
      for (let k = 0; k < lace && stream.headLength < HEAD_BYTES; k++) stream.head[stream.headLength++] = b[at + k] as number;
      if (stream.codec === 'flac') stream.chunks.push(b.subarray(at, at + lace));
      stream.length += lace;
      at += lace;
      if (lace < 255) await scan(stream, finishPacket(stream, tally));
    }
    const read = slice.pause((end - pos) / PAGE_BYTES_A_STEP);
    if (read) await read;
    pos = end;
  }
  // A packet left open at the end is counted too: it can only make the bound larger.
  for (const stream of streams.values()) if (stream.length > 0) await scan(stream, finishPacket(stream, tally));
  if (pages === 0) return unreadable('The ogg file has no intact pages; it is truncated or damaged.');
  const all = [...streams.values()].filter((s) => s.codec !== 'skeleton');
  // A stream we can't measure (Speex, a video) could be what a decoder plays: refuse rather than guess.
  if (all.some((s) => s.codec === 'other')) return unsupported('oggOther');
  const codecs = all.map((s) => s.codec).filter((c) => c !== undefined);
  if (codecs.length === 0) return unsupported('oggNone');
  if (tally.upper === 0) return unreadable('The ogg file holds no audio packets; it is truncated or damaged.');
  const opus = [...streams.values()].filter((s) => s.codec === 'opus' && (s.granule >= 0 || s.chainedSeconds > 0));
  const stated = opus.length > 0 ? opus.reduce((sum, s) => sum + s.chainedSeconds + chainSeconds(s), 0) : undefined;
  return { ...tally.result(`ogg/${[...new Set(codecs)].join('+')}`), ...(stated !== undefined && { statedSeconds: stated }) } as Measurement;
}

/** A BOS page on a serial that already carried packets: the chain before it ends here. */
function newChain(stream: Stream, tally: Tally): Uint8Array | undefined {
  // A packet left open is counted (returned to be scanned, if FLAC audio): it can only make the bound larger.
  const open = stream.length > 0 ? finishPacket(stream, tally) : undefined;
  stream.chainedSeconds += chainSeconds(stream);
  stream.granule = -1;
  stream.chainStart = true;
  return open;
}

/** What an Opus chain's last granule position states, after its pre-skip. */
const chainSeconds = (stream: Stream): number => (stream.granule >= 0 ? Math.max(0, stream.granule - stream.preSkip) / OPUS_RATE : 0);

/** Counts a packet that ends; a FLAC audio packet is returned instead, for its frames to be scanned (countFlacFrames). */
function finishPacket(stream: Stream, tally: Tally): Uint8Array | undefined {
  const head = stream.head;
  const headLength = stream.headLength;
  const length = stream.length;
  const chunks = stream.chunks;
  stream.headLength = 0;
  stream.length = 0;
  stream.chunks = [];
  const index = stream.packets++;
  if (index === 0 || stream.chainStart) {
    stream.chainStart = false;
    const header = identify(head.slice(0, headLength));
    // A chain of another codec on the same serial: FFmpeg decodes it as the first chain's codec, a decoder that follows
    // chains as its own; no one bound holds for both, so the file is refused.
    stream.codec = stream.codec === undefined || stream.codec === header.codec ? header.codec : 'other';
    if (stream.codec === header.codec) adopt(stream, header);
    if (index === 0) return;
  }
  switch (stream.codec) {
    case 'opus': {
      if (index === 1) return; // OpusTags
      // A later chain's OpusHead and OpusTags reach FFmpeg's decoder as packets too: counted as rejected ones below.
      const samples = opusPacketSamples(head, length); // head holds min(length, HEAD_BYTES) fresh bytes
      // A packet the decoder rejects may still be concealed as audio: count it at the most a packet can hold.
      tally.add((samples ?? 0) / OPUS_RATE, (samples ?? OPUS_MAX_PACKET_SAMPLES) / OPUS_RATE);
      return;
    }
    case 'vorbis':
      // Header packets have odd types; audio packets start with a 0 bit. FFmpeg's decoder (vorbisdec.c) restarts on an
      // identification header anywhere, libvorbis ignores it: the bound spans both.
      if (((head[0] ?? 1) & 1) === 1) {
        const header = head[0] === 1 ? identify(head.slice(0, headLength)) : undefined;
        if (header?.codec === 'vorbis') adopt(stream, header);
        return;
      }
      tally.add(stream.minSeconds, stream.maxSeconds);
      return;
    case 'flac': {
      // Metadata packets start with their block type; audio packets with a frame's sync byte.
      if (head[0] !== 0xff) {
        const header = head[0] === 0x7f ? identify(head.slice(0, headLength)) : undefined;
        if (header?.codec === 'flac') adopt(stream, header);
        return;
      }
      return joined(chunks, length);
    }
    default:
      return;
  }
}

/** Applies an identification header to its stream: each one seen widens the bound. */
function adopt(stream: Stream, header: Header): void {
  if (header.codec === 'opus') stream.preSkip = header.preSkip;
  else if (header.codec === 'vorbis') {
    stream.minSeconds = Math.min(stream.minSeconds, header.minSeconds);
    stream.maxSeconds = Math.max(stream.maxSeconds, header.maxSeconds);
  } else if (header.codec === 'flac') stream.clock.streamInfo(header.rate);
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

function identify(bytes: Uint8Array): Header {
  const magic = ascii(bytes, 0, 8);
  if (magic === 'OpusHead') return { codec: 'opus', preSkip: (bytes[10] ?? 0) | ((bytes[11] ?? 0) << 8) };
  if (magic.startsWith('\x01vorbis') && bytes.length >= 30) {
    const rate = u32le(bytes, 12);
    if (rate === 0) return { codec: 'other' };
    const small = Math.min(bytes[28]! & 0x0f, VORBIS_MAX_BLOCK_EXPONENT);
    const large = Math.min(bytes[28]! >> 4, VORBIS_MAX_BLOCK_EXPONENT);
    // A packet outputs a quarter of the previous block plus a quarter of its own: between blocksize_0/2 and blocksize_1/2.
    return { codec: 'vorbis', minSeconds: 2 ** small / 2 / rate, maxSeconds: 2 ** large / 2 / rate };
  }
  if (magic.startsWith('\x7fFLAC') && ascii(bytes, 9, 4) === 'fLaC') return { codec: 'flac', rate: flacStreamRate(bytes, 17) };
  if (magic === 'fishead\0') return { codec: 'skeleton' }; // Ogg Skeleton: an index, no media
  return { codec: 'other' };
}
