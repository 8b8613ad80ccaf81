import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { TEST_DISCORD_TOKEN, TEST_OPENAI_KEY } from './botHarness.ts';
import { DEFAULT_GUILD_ID } from './fakeDiscord.ts';
import { tempDatabasePath } from './tempDb.ts';

export const ROOT = resolve(import.meta.dirname, '..', '..');
/** `node --import tsx`, with tsx located from the repository since the child runs in another folder. */
export const TSX_LOADER = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

export interface BotChild {
  child: ChildProcessByStdio<null, Readable, Readable>;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  output(): { stdout: string; stderr: string };
  /** Resolves once a stdout line contains `text`. */
  waitForOutput(text: string, timeoutMs?: number): Promise<void>;
}

/** Runs a TypeScript entry (the real src/index.ts, or a test entry) as its own process, in a folder with no .env. */
export function spawnBot(entry: string, env: Record<string, string>): BotChild {
  const child = spawn(process.execPath, ['--import', TSX_LOADER, join(ROOT, entry)], {
    cwd: mkdtempSync(join(tmpdir(), 'bot-cwd-')),
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const watchers = new Set<() => void>();
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); for (const w of watchers) w(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  const waitForOutput = (text: string, timeoutMs = 30_000) => new Promise<void>((resolvePromise, reject) => {
    const check = () => {
      if (!stdout.includes(text)) return;
      watchers.delete(check);
      clearTimeout(timer);
      resolvePromise();
    };
    const timer = setTimeout(() => { watchers.delete(check); reject(new Error(`no "${text}" in the bot's output within ${timeoutMs} ms:\n${stderr.slice(-2000)}`)); }, timeoutMs);
    watchers.add(check);
    check();
  });
  return { child, exited, output: () => ({ stdout, stderr }), waitForOutput };
}

/** The settings a bot in its own process needs to run against the fakes: their URLs, the test secrets, a fresh database. */
export function childBotEnv(fakes: { discord: { restUrl: string }; openai: { baseUrl: string } }, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DISCORD_TOKEN: TEST_DISCORD_TOKEN, OPENAI_API_KEY: TEST_OPENAI_KEY, DISCORD_API_URL: fakes.discord.restUrl, OPENAI_BASE_URL: fakes.openai.baseUrl,
    DATABASE_PATH: tempDatabasePath(), DEV_GUILD_ID: DEFAULT_GUILD_ID, LOG_FORMAT: 'json', DEFAULT_MODEL: 'gpt-4o-mini', ...extra,
  };
}
