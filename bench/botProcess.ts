import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TEST_DISCORD_TOKEN, TEST_OPENAI_KEY } from '../test/support/botHarness.ts';
import { DEFAULT_GUILD_ID } from '../test/support/fakeDiscord.ts';
import { processTree } from './proc.ts';

export const ROOT = resolve(import.meta.dirname, '..');
const READY_TIMEOUT_MS = 60_000;

/** The README's start command (`npm start`), or the command its start script runs, without npm in front. */
export type StartedBy = 'npm start' | 'start script';

export interface BotProcess {
  child: ChildProcess;
  /** The Node process running the bot (under `npm start`, npm's grandchild). */
  botPid: number;
  /** Spawn → the bot's ready log line, on this process's clock (npm's own start included). */
  wallMs: number;
  /** The bot's own figure: its process start → ready (registration check included). */
  startupMs: number;
  /** CPU time the bot process used until ready (little moved by other load on the machine). */
  cpuMsToReady: number;
  /** Resolves when the bot says its after-start warm-up is over (done or failed). */
  warmedUp: Promise<void>;
  stop(): Promise<void>;
}

export interface BotEnv {
  discordUrl: string;
  openaiUrl: string;
  databasePath: string;
  extra?: Record<string, string>;
}

/**
 * Node flags added in front of the start script's own, e.g. to profile the bot:
 * BENCH_NODE_FLAGS='--cpu-prof --cpu-prof-dir=/tmp/prof' npm run bench load (the profile is written when the bot stops).
 * NODE_OPTIONS refuses such flags, and npm's script can't take them: with BENCH_NODE_FLAGS the bot runs without npm in front.
 */
const extraNodeFlags = (process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
/** False under BENCH_NODE_FLAGS: every bot is then started by its start script, whatever was asked. */
export const npmStartMeasurable = extraNodeFlags.length === 0;

function startScriptArgs(): string[] {
  const script = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const [node, ...args] = script.split(' ');
  if (node !== 'node') throw new Error(`the start script no longer starts with node: ${script}`);
  return [...extraNodeFlags, ...args];
}

const botPidUnder = (npm: number) => processTree(npm).find((p) => p.command.includes('scripts/start.mjs') && !p.command.startsWith('sh '))!.pid;

/** Starts the compiled bot as its own process against the fakes and waits for its ready line. */
export async function startBotProcess(asked: StartedBy, env: BotEnv): Promise<BotProcess> {
  const by: StartedBy = npmStartMeasurable ? asked : 'start script';
  const started = performance.now();
  const child = spawn(by === 'npm start' ? 'npm' : process.execPath, by === 'npm start' ? ['start'] : startScriptArgs(), {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '',
      DISCORD_TOKEN: TEST_DISCORD_TOKEN, OPENAI_API_KEY: TEST_OPENAI_KEY, DISCORD_API_URL: env.discordUrl, OPENAI_BASE_URL: env.openaiUrl,
      DATABASE_PATH: env.databasePath, DEV_GUILD_ID: DEFAULT_GUILD_ID, DEFAULT_MODEL: 'gpt-4o-mini', DEFAULT_BUDGET_USD: 'unlimited',
      LOG_LEVEL: 'info', LOG_FORMAT: 'json', ...env.extra,
      // To compare Node options: BENCH_NODE_OPTIONS='--max-old-space-size=200' npm run bench load (Node refuses most V8
      // flags in NODE_OPTIONS, --optimize-for-size or --heap-growing-percent among them: compare those in package.json's start).
      ...(process.env.BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS } : {}),
      // To compare the C library's settings: BENCH_ENV='MALLOC_ARENA_MAX=2' npm run bench load
      ...Object.fromEntries((process.env.BENCH_ENV ?? '').split(/\s+/).filter(Boolean).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)])),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  let warmUpOver = () => {};
  const warmedUp = new Promise<void>((done) => { warmUpOver = done; });
  const ready = new Promise<{ wallMs: number; startupMs: number; cpuMsToReady: number }>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`the bot did not get ready within ${READY_TIMEOUT_MS} ms: ${stderr}`)), READY_TIMEOUT_MS);
    let buffered = '';
    child.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        if (line.includes('"msg":"warm-up after start')) warmUpOver();
        if (!line.includes('"msg":"ready')) continue;
        clearTimeout(timer);
        const { startupMs, cpuMs } = JSON.parse(line) as { startupMs: number; cpuMs: number };
        done({ wallMs: performance.now() - started, startupMs, cpuMsToReady: cpuMs });
      }
    });
    void exited.then(() => fail(new Error(`the bot exited before it was ready: ${stderr}`)));
  });
  const figures = await ready;
  const botPid = by === 'npm start' ? botPidUnder(child.pid!) : child.pid!;
  return {
    child, botPid, ...figures, warmedUp,
    async stop() {
      process.kill(botPid, 'SIGTERM');
      await exited;
    },
  };
}
