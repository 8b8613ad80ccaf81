/**
 * The real `npm start` entry (scripts/start.mjs running the compiled dist/index.js) in a child process, against the
 * loopback fakes: with SHARDS or SHARD_IDS it runs discord.js's ShardingManager, which starts one more process per
 * shard (dist/shard.js). Every process logs JSON lines to the same stdout, collected here. A file using it calls
 * freshBuild() first (test/support/freshBuild.ts): started from the bundle, each process loads in about a quarter of
 * the CPU time that compiling src/ through tsx took, and a run of the sharding tests starts over a dozen of them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { buildState } from '../../scripts/fingerprint.mjs';
import { TEST_SPAWN_DELAY_ENV } from '../../src/sharding/manager.ts';
import { TEST_DISCORD_TOKEN, TEST_OPENAI_KEY } from './botHarness.ts';
import type { FakeDiscord } from './fakeDiscord.ts';
import type { FakeOpenAI } from './fakeOpenAI.ts';

export type LogLine = Record<string, unknown>;

const ROOT = resolve(import.meta.dirname, '..', '..');

export class ShardedBot {
  readonly logs: LogLine[] = [];
  readonly stderr: string[] = [];
  private waiters: { test: (line: LogLine) => boolean; resolve: (line: LogLine) => void }[] = [];
  readonly exited: Promise<number | null>;

  private constructor(readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (text) => {
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        line = { msg: text };
      }
      this.logs.push(line);
      this.waiters = this.waiters.filter((w) => (w.test(line) ? (w.resolve(line), false) : true));
    });
    createInterface({ input: child.stderr! }).on('line', (text) => this.stderr.push(text));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** Starts `node scripts/start.mjs` in its own process group (so kill() reaches the shard processes too). */
  static start(discord: FakeDiscord, openai: FakeOpenAI, databasePath: string, env: Record<string, string>): ShardedBot {
    // start.mjs would build a stale dist/ itself, in every file at once: freshBuild() builds it once per run.
    if (buildState() !== 'fresh') throw new Error('dist/ is not built from the current sources: await freshBuild() before ShardedBot.start');
    const { SHARDS: _s, SHARD_IDS: _i, SHARD_COUNT: _c, ...inherited } = process.env;
    const child = spawn(process.execPath, [join(ROOT, 'scripts', 'start.mjs')], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...inherited,
        DISCORD_TOKEN: TEST_DISCORD_TOKEN,
        OPENAI_API_KEY: TEST_OPENAI_KEY,
        OPENAI_BASE_URL: openai.baseUrl,
        DISCORD_API_URL: discord.restUrl,
        DATABASE_PATH: databasePath,
        DEFAULT_MODEL: 'gpt-4o-mini',
        LOG_LEVEL: 'info',
        LOG_FORMAT: 'json',
        DEFAULT_BUDGET_USD: 'unlimited',
        BOT_LIMIT_USD: 'unlimited',
        MEMBER_LIMIT_USD: 'unlimited',
        SERVER_LIMIT_USD: 'unlimited',
        // The fake gateway takes logins as fast as they come: no 5.5 s between shard processes (a test may set its own).
        [TEST_SPAWN_DELAY_ENV]: '0',
        ...env,
      },
    });
    const bot = new ShardedBot(child);
    // Even if the test process itself goes down, the bot's processes must not outlive it.
    const killOnExit = () => bot.kill();
    process.once('exit', killOnExit);
    void bot.exited.then(() => process.off('exit', killOnExit));
    return bot;
  }

  /** Resolves with the first log line (already seen or still to come) that passes `test`. */
  waitForLog(test: (line: LogLine) => boolean, timeoutMs: number, what: string): Promise<LogLine> {
    const seen = this.logs.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no log line "${what}" within ${timeoutMs} ms; stderr: ${this.stderr.join('\n')}; last lines: ${JSON.stringify(this.logs.slice(-5))}`)), timeoutMs);
      this.waiters.push({ test, resolve: (line) => { clearTimeout(timer); resolve(line); } });
    });
  }

  lines(msg: string): LogLine[] {
    return this.logs.filter((line) => line.msg === msg);
  }

  /** SIGTERM to the manager: it stops every shard (each drains) and exits. */
  async stop(timeoutMs = 30_000): Promise<number | null> {
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.kill(), timeoutMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }

  /** SIGKILL to the whole process group: the manager and every shard process it started. */
  kill(): void {
    try {
      if (this.child.pid) process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
