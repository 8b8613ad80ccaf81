import { Worker } from 'node:worker_threads';

/** Servers, channels and members the fake gateway delivers besides the load channels. */
export interface FakesScale {
  guilds: number;
  channelsPerGuild: number;
  membersPerGuild: number;
}

export interface FakesOptions {
  channelIds: string[];
  chunks: string[];
  chunkDelayMs: number;
  scale?: FakesScale;
}

/** The fake Discord and OpenAI servers on a worker thread (see fakesWorker.ts), driven by commands. */
export class Fakes {
  private constructor(private readonly worker: Worker, readonly discordUrl: string, readonly openaiUrl: string) {}

  static async start(options: FakesOptions): Promise<Fakes> {
    const worker = new Worker(new URL('./fakesWorker.mjs', import.meta.url), { workerData: options });
    const urls = await new Promise<{ discordUrl: string; openaiUrl: string }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    return new Fakes(worker, urls.discordUrl, urls.openaiUrl);
  }

  call<T>(cmd: string, args: Record<string, unknown> = {}): Promise<T> {
    return new Promise((resolve, reject) => {
      this.worker.once('message', (reply: { ok: boolean; result: T; error?: string }) => (reply.ok ? resolve(reply.result) : reject(new Error(reply.error))));
      this.worker.postMessage({ cmd, ...args });
    });
  }

  async close(): Promise<void> {
    await this.call('close');
    await this.worker.terminate();
  }
}
