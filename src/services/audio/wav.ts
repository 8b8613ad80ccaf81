/** Options for {@link makeWav}. `frequency: 0` gives silence. */
export interface WavOptions {
  seconds: number;
  sampleRate?: number;
  frequency?: number;
}

const HEADER_BYTES = 44;
/** Peak at ~30% of full scale: clearly audible, nowhere near clipping. */
const AMPLITUDE = 0.3 * 0x7fff;

/** A real PCM 16-bit mono WAV file (canonical 44-byte RIFF header), holding a sine tone or silence. */
export function makeWav({ seconds, sampleRate = 16000, frequency = 440 }: WavOptions): Uint8Array {
  const samples = Math.max(0, Math.round(seconds * sampleRate));
  const dataBytes = samples * 2;
  const bytes = new Uint8Array(HEADER_BYTES + dataBytes);
  const view = new DataView(bytes.buffer);
  const text = (offset: number, s: string): void => {
    for (let i = 0; i < s.length; i++) view.setUint8(offset + i, s.charCodeAt(i));
  };
  text(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true); // RIFF size: everything after this field
  text(8, 'WAVE');
  text(12, 'fmt ');
  view.setUint32(16, 16, true); // fmt chunk size for plain PCM
  view.setUint16(20, 1, true); // format tag 1 = PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true); // byte rate = rate * channels * 2 bytes
  view.setUint16(32, 2, true); // block align
  view.setUint16(34, 16, true); // bits per sample
  text(36, 'data');
  view.setUint32(40, dataBytes, true);
  for (let i = 0; i < samples; i++) {
    const sample = frequency === 0 ? 0 : Math.round(AMPLITUDE * Math.sin((2 * Math.PI * frequency * i) / sampleRate));
    view.setInt16(HEADER_BYTES + i * 2, sample, true);
  }
  return bytes;
}
