/**
 * WebM: every block of the audio track, its laced frames split out, and each frame's duration from its own
 * bytes: an Opus frame's TOC byte, or for Vorbis the most a packet can hold, at the rate of the Vorbis header in
 * CodecPrivate (the decoder's; a faster Matroska SamplingFrequency would shrink the bound). The Segment's Duration element
 * and block timestamps (claims) are not read. Masters (Segment, Cluster, BlockGroup, Tracks) are walked into
 * rather than skipped, which also handles the unknown sizes live recorders (browsers' MediaRecorder) write.
 */
import { OPUS_MAX_PACKET_SAMPLES, OPUS_RATE, opusPacketSamples } from './opus.ts';
import { Slice } from './slice.ts';
import { Tally, unreadable, unsupported, type Measurement } from './types.ts';

const EBML = 0x1a45dfa3;
const CLUSTER = 0x1f43b675;
const DESCEND = new Set([0x18538067, CLUSTER, 0xa0, 0x1654ae6b, 0xae, 0xe1]); // Segment, Cluster, BlockGroup, Tracks, TrackEntry, Audio
const TRACK_ENTRY = 0xae;
const TRACK_NUMBER = 0xd7;
const CODEC_ID = 0x86;
const SAMPLING_FREQUENCY = 0xb5;
const CODEC_PRIVATE = 0x63a2;
/** The Vorbis identification header's start (packet type 1, "vorbis"); its sample rate follows 11 bytes on. */
const VORBIS_ID = [0x01, 0x76, 0x6f, 0x72, 0x62, 0x69, 0x73];
const BLOCKS = new Set([0xa3, 0xa1]); // SimpleBlock, Block
/** Vorbis I: a packet outputs at most half of the largest block (2^13 samples). */
const VORBIS_MAX_PACKET_SAMPLES = 4_096;
/** Matroska's default SamplingFrequency when a track states none. */
const DEFAULT_RATE = 8_000;

interface Track {
  number: number;
  codec: string;
  rate: number;
  /** The sample rate a codec header in CodecPrivate states (Vorbis); 0 when none was read. */
  codecRate: number;
}

/** An EBML variable-length integer at `p`: its byte length and value (marker bit removed unless `keepMarker`). */
function vint(b: Uint8Array, p: number, keepMarker = false): { length: number; value: number; unknown: boolean } | undefined {
  const first = b[p];
  if (first === undefined || first === 0) return undefined;
  const length = Math.clz32(first) - 23;
  if (p + length > b.length) return undefined;
  let value = keepMarker ? first : first & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let k = 1; k < length; k++) {
    value = value * 256 + b[p + k]!;
    if (b[p + k] !== 0xff) allOnes = false;
  }
  return { length, value, unknown: !keepMarker && allOnes };
}

export async function measureWebm(b: Uint8Array): Promise<Measurement> {
  // Yields to the event loop between slices: a 25 MB file of small blocks took ~0.45 s in one piece.
  const slice = new Slice();
  const tracks: Track[] = [];
  const tally = new Tally();
  // Blocks are counted once every track is known: Tracks may legally come after the first Cluster.
  const blocks: Array<[number, number]> = [];
  let pos = 0;
  while (pos < b.length) {
    const pause = slice.pause();
    if (pause) await pause;
    const id = vint(b, pos, true);
    const size = id && vint(b, pos + id.length);
    if (!id || !size || id.length > 4) {
      pos = resync(b, pos + 1); // as a demuxer does after damage: on to the next Cluster
      continue;
    }
    const start = pos + id.length + size.length;
    if (DESCEND.has(id.value)) {
      if (id.value === TRACK_ENTRY) tracks.push({ number: 0, codec: '', rate: DEFAULT_RATE, codecRate: 0 });
      pos = start;
      continue;
    }
    if (size.unknown) {
      pos = resync(b, pos + 1);
      continue;
    }
    const end = Math.min(b.length, start + size.value);
    const track = tracks.at(-1);
    if (id.value === TRACK_NUMBER && track) track.number = readUint(b, start, end);
    else if (id.value === CODEC_ID && track) track.codec = String.fromCharCode(...b.subarray(start, end));
    else if (id.value === SAMPLING_FREQUENCY && track) track.rate = readFloat(b, start, end) || DEFAULT_RATE;
    else if (id.value === CODEC_PRIVATE && track) track.codecRate = vorbisRate(b.subarray(start, end));
    else if (BLOCKS.has(id.value)) blocks.push([start, end]);
    pos = id.value === EBML || end > pos ? end : pos + 1;
  }
  for (const [start, end] of blocks) {
    countBlock(b, start, end, tracks, tally);
    const pause = slice.pause();
    if (pause) await pause;
  }
  const audio = tracks.filter((t) => t.codec === 'A_OPUS' || t.codec === 'A_VORBIS');
  if (tracks.some((t) => t.codec.startsWith('A_') && !audio.includes(t))) return unsupported('webmOther');
  if (tracks.length === 0 && blocks.length === 0) return unreadable('The webm file has no tracks or blocks; it is truncated or damaged.');
  if (audio.length === 0) return unsupported('webmNone');
  if (tally.upper === 0) return unreadable('The webm file holds no audio blocks; it is truncated or damaged.');
  return tally.result(`webm/${audio.map((t) => t.codec).join('+')}`);
}

/** The sample rate in the Vorbis identification header inside a track's CodecPrivate (Xiph-laced headers), or 0. */
function vorbisRate(codecPrivate: Uint8Array): number {
  for (let i = 0; i + VORBIS_ID.length + 9 <= codecPrivate.length; i++) {
    if (VORBIS_ID.every((byte, k) => codecPrivate[i + k] === byte)) {
      const at = i + VORBIS_ID.length + 5; // after the version (4 bytes) and the channel count (1)
      return (codecPrivate[at]! | (codecPrivate[at + 1]! << 8) | (codecPrivate[at + 2]! << 16) | (codecPrivate[at + 3]! << 24)) >>> 0;
    }
  }
  return 0;
}

function resync(b: Uint8Array, from: number): number {
  for (let i = from; i + 4 <= b.length; i++) if (b[i] === 0x1f && b[i + 1] === 0x43 && b[i + 2] === 0xb6 && b[i + 3] === 0x75) return i;
  return b.length;
}

function readUint(b: Uint8Array, start: number, end: number): number {
  let value = 0;
  for (let p = start; p < end; p++) value = value * 256 + b[p]!;
  return value;
}

function readFloat(b: Uint8Array, start: number, end: number): number {
  const view = new DataView(b.buffer, b.byteOffset + start, end - start);
  return end - start === 4 ? view.getFloat32(0) : end - start === 8 ? view.getFloat64(0) : 0;
}

/** A (Simple)Block: track number, 16-bit timecode, flags, then one frame or several laced ones. */
function countBlock(b: Uint8Array, start: number, end: number, tracks: Track[], tally: Tally): void {
  const number = vint(b, start);
  if (!number) return;
  const track = tracks.find((t) => t.number === number.value);
  if (!track || (track.codec !== 'A_OPUS' && track.codec !== 'A_VORBIS')) return;
  let p = start + number.length + 2;
  const flags = b[p++] ?? 0;
  const lacing = (flags >> 1) & 3;
  const sizes: number[] = [];
  if (lacing !== 0) {
    const count = (b[p++] ?? 0) + 1;
    if (lacing === 1) {
      for (let i = 0; i < count - 1 && p < end; i++) {
        let size = 0;
        while (p < end && b[p] === 255) size += b[p++]!;
        size += b[p++] ?? 0;
        sizes.push(size);
      }
    } else if (lacing === 3) {
      const first = vint(b, p);
      if (!first) return;
      p += first.length;
      sizes.push(first.value);
      for (let i = 1; i < count - 1; i++) {
        const delta = vint(b, p);
        if (!delta) return;
        p += delta.length;
        const signed = delta.value - (2 ** (7 * delta.length - 1) - 1);
        sizes.push(sizes[i - 1]! + signed);
      }
    } else for (let i = 0; i < count - 1; i++) sizes.push(Math.floor((end - p) / count));
  }
  sizes.push(Math.max(0, end - p - sizes.reduce((a, s) => a + s, 0)));
  for (const size of sizes) {
    if (track.codec === 'A_OPUS') {
      const samples = opusPacketSamples(b.subarray(p, Math.min(end, p + 2)), size);
      tally.add((samples ?? 0) / OPUS_RATE, (samples ?? OPUS_MAX_PACKET_SAMPLES) / OPUS_RATE);
    } else tally.add(0, VORBIS_MAX_PACKET_SAMPLES / (track.codecRate > 0 ? Math.min(track.rate, track.codecRate) : track.rate));
    p += Math.max(0, size);
  }
}
