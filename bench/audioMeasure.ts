import { readFileSync } from 'node:fs';
import { measureAudio } from '../src/services/audio/measure/index.ts';
import { MAX_TRANSCRIPTION_BYTES, type AudioFormat } from '../src/services/audio/limits.ts';
import { aacSourceOf, craftOneByteSamplesM4a, craftPackedM4a } from '../test/support/craftedAac.ts';
import { craftDenseFlac, craftFalseOggPages, craftOggFlac } from '../test/support/craftedAudio.ts';
import { ms } from './stats.ts';

/**
 * CPU an audio file's measurement costs on the bot's main thread, and the longest it holds the event loop at once
 * (the walks yield between slices). Honest files: the stereo fixture's real AAC frames repeated into 1-minute,
 * 10-minute and 25 MB M4A files, one frame a sample as encoders write them, and a 25 MB file packing 20 frames a
 * sample. Crafted ones, 25 MB each: the most work a file can ask of each reader.
 */
export async function benchAudioMeasure(): Promise<void> {
  const source = aacSourceOf(new Uint8Array(readFileSync(new URL('../test/fixtures/audio/aac-stereo-44k.m4a', import.meta.url))));
  const frameBytes = source.frames.reduce((n, f) => n + f.length, 0) / source.frames.length;
  const framesFor = (seconds: number) => Math.ceil((seconds * source.rate) / 1024);
  const cases: Array<[string, number, number]> = [
    ['1 minute', framesFor(60), 1],
    ['10 minutes', framesFor(600), 1],
    ['25 MB', Math.floor((MAX_TRANSCRIPTION_BYTES - 4096) / (frameBytes + 4)), 1],
    ['25 MB, 20 frames a sample', Math.floor((MAX_TRANSCRIPTION_BYTES - 4096) / (20 * frameBytes + 4)), 20],
  ];
  console.log(`\nAAC in MP4: measuring (stereo 44.1 kHz frames of ${frameBytes.toFixed(0)} bytes on average)`);
  for (const [name, samples, perSample] of cases) {
    const file = craftPackedM4a(source, samples, perSample);
    await measureOnce(`${name}, ${samples} samples`, file.bytes, 'mp4', file.trueSeconds);
  }
  const size = 25_000_000;
  console.log('\nCrafted 25 MB files (the most work each reader can be asked for)');
  await measureOnce('M4A: 2^32-1 samples of 1 byte', craftOneByteSamplesM4a(source, size), 'mp4');
  await measureOnce('M4A: 6 M sizes, two entries', craftPackedM4a(source, 6_000_000, 0, { entries: 2 }).bytes, 'mp4');
  const flac = craftDenseFlac(size);
  await measureOnce('FLAC: 11-byte frames', flac.bytes, 'flac', flac.trueSeconds);
  const ogg = craftOggFlac(((size / 50) * 4_096) / 8_000, 1); // ~50 bytes a page of one 11-byte frame
  await measureOnce('Ogg/FLAC: a frame a page', ogg.bytes, 'ogg', ogg.trueSeconds);
  await measureOnce('Ogg: false pages every 282 B', craftFalseOggPages(size), 'ogg');
}

/** One measurement: its wall time, CPU, and the longest gap between two turns of the event loop. */
async function measureOnce(name: string, bytes: Uint8Array, format: AudioFormat, trueSeconds?: number): Promise<void> {
  // The gap between two turns of the event loop, in wall time (which counts the machine's other work too: it is
  // shared) and in this process's CPU time (which counts its GC threads too).
  let longest = 0;
  let longestCpu = 0;
  let last = performance.now();
  let lastCpu = process.cpuUsage();
  let ticking = true;
  const tick = (): void => {
    const now = performance.now();
    const cpu = process.cpuUsage(lastCpu);
    longest = Math.max(longest, now - last);
    longestCpu = Math.max(longestCpu, (cpu.user + cpu.system) / 1000);
    last = now;
    lastCpu = process.cpuUsage();
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  const cpu = process.cpuUsage();
  const started = performance.now();
  last = started;
  lastCpu = process.cpuUsage();
  const measured = await measureAudio(bytes, format);
  const wall = performance.now() - started;
  const used = process.cpuUsage(cpu);
  ticking = false;
  longest = Math.max(longest, performance.now() - last);
  const seconds = measured.ok ? `${measured.upperSeconds.toExponential(3)} s` : measured.reason;
  const truth = trueSeconds === undefined ? '' : ` (true ${trueSeconds.toFixed(1)} s)`;
  console.log(`  ${name.padEnd(34)} ${(bytes.length / 1e6).toFixed(1).padStart(5)} MB  measured ${seconds}${truth}  wall ${ms(wall)}  CPU ${ms((used.user + used.system) / 1000)}  longest slice ${ms(longest)} wall, ${ms(longestCpu)} CPU`);
}
