/** Opus packet durations from the TOC byte (RFC 6716 §3.1); every Opus stream decodes at 48 kHz. */

export const OPUS_RATE = 48_000;
/** RFC 6716 §3.2.5: a packet holds at most 120 ms of audio. */
export const OPUS_MAX_PACKET_SAMPLES = 5_760;

/** Samples (48 kHz) per frame for each of the 32 TOC configurations (RFC 6716 Table 2). */
const FRAME_SAMPLES = [
  ...[480, 960, 1920, 2880], ...[480, 960, 1920, 2880], ...[480, 960, 1920, 2880], // SILK NB, MB, WB: 10/20/40/60 ms
  ...[480, 960], ...[480, 960], // Hybrid SWB, FB: 10/20 ms
  ...[120, 240, 480, 960], ...[120, 240, 480, 960], ...[120, 240, 480, 960], ...[120, 240, 480, 960], // CELT: 2.5-20 ms
];

/**
 * Samples one packet decodes to, from its first two bytes and its length; undefined for a packet a decoder
 * rejects (empty, a code 3 packet without its count byte, no frames, or over 120 ms).
 */
export function opusPacketSamples(head: ArrayLike<number>, length: number): number | undefined {
  const toc = head[0];
  if (length < 1 || toc === undefined) return undefined;
  const frame = FRAME_SAMPLES[toc >> 3] as number;
  const code = toc & 3;
  let frames: number;
  if (code === 0) frames = 1;
  else if (code === 1 || code === 2) frames = 2;
  else {
    const count = head[1];
    if (length < 2 || count === undefined) return undefined;
    frames = count & 0x3f;
  }
  const samples = frame * frames;
  return frames === 0 || samples > OPUS_MAX_PACKET_SAMPLES ? undefined : samples;
}
