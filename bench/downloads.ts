import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { downloadAttachment } from '../src/services/discord/attachmentDownload.ts';
import { DownloadGate } from '../src/services/discord/downloadGate.ts';

/** A raid's worth of members sending large files at once. */
const FILES = 30;
const FILE_BYTES = 20 * 1024 * 1024;
/** Each file's bytes stay while its upload to OpenAI runs (a transcription of 20 MB takes seconds; shortened here). */
const UPLOAD_MS = 400;
const BUDGET_BYTES = 60 * 1024 * 1024;
const SAMPLE_MS = 10;

const mb = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(0)} MB`;

/**
 * `npm run bench downloads`: FILES files of FILE_BYTES downloaded at once from a loopback server and held for
 * UPLOAD_MS each, without a gate and with one of BUDGET_BYTES; prints the peak of memory outside the JS heap
 * (where the downloaded bytes live) and how long the batch took. Figures only; nothing is asserted.
 */
export async function benchDownloads(): Promise<void> {
  const body = Buffer.alloc(FILE_BYTES, 1);
  const server = createServer((_req, res) => {
    res.setHeader('content-length', String(FILE_BYTES));
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/file.ogg`;
  try {
    for (const gate of [undefined, new DownloadGate(BUDGET_BYTES, 600_000)]) {
      globalThis.gc?.();
      await sleep(200);
      const base = process.memoryUsage().arrayBuffers;
      let peak = base;
      const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().arrayBuffers); }, SAMPLE_MS);
      const started = performance.now();
      const outcomes = await Promise.all(Array.from({ length: FILES }, async () => {
        const result = await downloadAttachment(url, { maxBytes: 25 * 1024 * 1024, timeoutMs: 120_000, declaredSize: FILE_BYTES, ...(gate ? { gate: { gate, waitMs: 600_000 } } : {}) });
        if (!result.ok) return result.reason;
        peak = Math.max(peak, process.memoryUsage().arrayBuffers);
        await sleep(UPLOAD_MS);
        result.release();
        return 'ok';
      }));
      clearInterval(sampler);
      const seconds = (performance.now() - started) / 1000;
      const ok = outcomes.filter((outcome) => outcome === 'ok').length;
      console.log(`downloads ${gate ? `gate ${mb(BUDGET_BYTES)}` : 'no gate   '}: ${FILES} × ${mb(FILE_BYTES)}, ${ok} ok, peak outside the heap +${mb(peak - base)}, ${seconds.toFixed(2)} s`);
    }
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}
