import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { childBotEnv } from './support/spawnBot.ts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TEST_DISCORD_TOKEN, TEST_GUILD, TEST_OPENAI_KEY } from './support/botHarness.ts';
import { DEFAULT_GUILD_ID, FakeDiscord } from './support/fakeDiscord.ts';
import { FakeOpenAI } from './support/fakeOpenAI.ts';
import { shardEntry } from '../src/sharding/manager.ts';
import { openDatabase } from '../src/db/connection.ts';
import { migrate } from '../src/db/migrate.ts';
import { MIGRATIONS } from '../src/db/migrations/index.ts';
import { tempDatabasePath } from './support/tempDb.ts';
import { freshBuild } from './support/freshBuild.ts';

const ROOT = resolve(import.meta.dirname, '..');
const SCRIPTS = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
/** tsc on the whole bot takes 10-30 s on a busy machine. */
const BUILD_TIMEOUT_MS = 180_000;

/** `npm start`'s command (`node <flags> scripts/start.mjs`), the script's path made absolute: the child runs elsewhere. */
function startCommand(root = ROOT): string[] {
  const [node, ...args] = SCRIPTS.start!.split(' ');
  expect(node).toBe('node');
  return args.map((arg) => (arg.startsWith('scripts/') ? join(root, arg) : arg));
}

/** Runs the real entry point exactly as `npm start` does, in a folder with no .env. */
function runBot(env: Record<string, string>) {
  const child = spawn(process.execPath, startCommand(), {
    cwd: mkdtempSync(join(tmpdir(), 'bot-cwd-')),
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

describe('the entry point', () => {
  beforeAll(async () => { await freshBuild(); }, BUILD_TIMEOUT_MS);

  test('missing and bad settings: exit 1 with one readable list, no stack trace', async () => {
    const run = runBot({ OPENAI_BASE_URL: 'not a url', LOG_LEVEL: 'chatty' });
    expect(await run.exited).toBe(1);
    const { stderr } = run.output();
    expect(stderr).toMatch(/The bot cannot start: 4 setting problem\(s\)/);
    for (const name of ['DISCORD_TOKEN', 'OPENAI_API_KEY', 'OPENAI_BASE_URL', 'LOG_LEVEL']) expect(stderr).toContain(`- ${name}`);
    expect(stderr).not.toMatch(/^\s+at /m);
  }, 30_000);

  test('DEFAULT_MODEL outside ALLOWED_MODELS: exit 1, the problem naming DEFAULT_MODEL, the token never shown', async () => {
    const run = runBot({ DISCORD_TOKEN: TEST_DISCORD_TOKEN, OPENAI_API_KEY: TEST_OPENAI_KEY, ALLOWED_MODELS: 'gpt-4o*', DEFAULT_MODEL: 'gpt-4.1' });
    expect(await run.exited).toBe(1);
    const { stdout, stderr } = run.output();
    expect(stderr).toContain('The bot cannot start: 1 setting problem(s)');
    expect(stderr).toContain('- DEFAULT_MODEL (gpt-4.1) is not in ALLOWED_MODELS: add it to the list, or choose a model the list allows');
    expect(stdout + stderr).not.toContain(TEST_DISCORD_TOKEN);
  }, 30_000);

  test('a database holding a migration this release does not know: exit 1 with a plain message, the file unchanged', async () => {
    const path = tempDatabasePath();
    const future = MIGRATIONS.at(-1)!.version + 1;
    const db = openDatabase(path);
    migrate(db, [...MIGRATIONS, { version: future, name: 'from-a-newer-release', up: 'CREATE TABLE newer (x)' }]);
    const tables = () => db.prepare('SELECT name FROM sqlite_master ORDER BY name').pluck().all();
    const before = tables();
    const run = runBot({ DISCORD_TOKEN: TEST_DISCORD_TOKEN, OPENAI_API_KEY: TEST_OPENAI_KEY, DATABASE_PATH: path });
    expect(await run.exited).toBe(1);
    const { stdout, stderr } = run.output();
    expect(stdout + stderr).toContain(`The database file has migration ${future} (from-a-newer-release), which this version of the bot does not know.`);
    expect(stdout + stderr).not.toMatch(/^\s+at /m);
    expect(tables()).toEqual(before);
    db.close();
  }, 60_000);

  describe('with fake Discord and OpenAI', () => {
    let discord: FakeDiscord;
    let openai: FakeOpenAI;
    beforeAll(async () => {
      discord = await FakeDiscord.start({ token: TEST_DISCORD_TOKEN, guilds: [TEST_GUILD] });
      openai = await FakeOpenAI.start({ apiKey: TEST_OPENAI_KEY });
    });
    afterAll(async () => { await discord.close(); await openai.close(); });

    test('SIGTERM lets the answer in progress finish, closes everything and exits 0', async () => {
      const run = runBot(childBotEnv({ discord, openai }));
      await discord.waitForRequest((r) => r.method === 'PUT' && r.path.includes('/commands'), 20_000);
      const chunks = ['Finishing ', 'before ', 'exit.'];
      openai.chat.enqueue({ text: chunks.join(''), chunks, chunkDelayMs: 300 });
      const i = discord.sendInteraction({ guildId: DEFAULT_GUILD_ID, commandName: 'ask', options: { prompt: 'hi' } });
      await i.callback();
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      expect(i.transcript()).toEqual(['Finishing before exit.']);
      const { stdout } = run.output();
      expect(stdout).toContain('"msg":"stopped"');
      expect(stdout).not.toContain(TEST_DISCORD_TOKEN);
      expect(stdout).not.toContain(TEST_OPENAI_KEY);
    }, 30_000);

    test('SIGTERM during start-up is honoured once started: it stops and exits 0, not ignored until killed', async () => {
      const slow = await FakeDiscord.start({ token: TEST_DISCORD_TOKEN, guilds: [TEST_GUILD], restLatencyMs: 400 });
      try {
        const run = runBot(childBotEnv({ discord: slow, openai }));
        await slow.waitForRequest((r) => r.path.includes('/gateway'), 20_000); // logging in: still starting
        run.child.kill('SIGTERM');
        expect(await run.exited).toBe(0);
        const { stdout } = run.output();
        expect(stdout).toContain('"signal":"SIGTERM"');
        expect(stdout).toContain('"msg":"stopped"');
      } finally {
        await slow.close();
      }
    }, 30_000);
  });
});

describe('the start command', () => {
  test('runs compiled JavaScript (built by npm install), not TypeScript compiled at start', () => {
    expect(SCRIPTS.start).toMatch(/^node .*scripts\/start\.mjs$/);
    expect(SCRIPTS.start).not.toContain('tsx');
    expect(SCRIPTS.prepare).toBe('node scripts/build.mjs');
  });

  /** A tiny project with the real build and start scripts: each start says which file ran and what the source said. */
  function tinyProject(): { root: string; start: () => { status: number | null; stdout: string; stderr: string } } {
    const root = mkdtempSync(join(tmpdir(), 'bot-build-'));
    mkdirSync(join(root, 'src'));
    for (const file of ['scripts/build.mjs', 'scripts/fingerprint.mjs', 'scripts/sourceMaps.mjs', 'scripts/start.mjs', 'tsconfig.json', 'tsconfig.build.json', 'package.json']) cpSync(join(ROOT, file), join(root, file));
    symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'));
    writeFileSync(join(root, 'src', 'index.ts'), "import { word } from './word.ts';\nprocess.stdout.write(`${word} from ${import.meta.url}\\n`);\n");
    writeFileSync(join(root, 'src', 'word.ts'), "export const word: string = 'first';\n");
    // What start.mjs maps (and scrubs) a crash's stack with.
    for (const file of ['stackTrace.ts', 'secretScrub.ts']) cpSync(join(ROOT, 'src', file), join(root, 'src', file));
    const start = () => {
      const run = spawnSync(process.execPath, startCommand(root), { cwd: root, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
      return { status: run.status, stdout: run.stdout, stderr: run.stderr };
    };
    return { root, start };
  }

  test('a missing or stale build is rebuilt before starting; one that cannot be built is refused', () => {
    const project = tinyProject();
    const first = project.start();
    expect(first.stderr).toMatch(/dist\/ is missing: building it first/);
    expect(first.stdout).toBe(`first from file://${join(project.root, 'dist', 'index.js')}\n`);
    expect(first.status).toBe(0);

    const again = project.start();
    expect(again).toEqual({ status: 0, stdout: first.stdout, stderr: '' });

    writeFileSync(join(project.root, 'src', 'word.ts'), "export const word: string = 'second';\n");
    const edited = project.start();
    expect(edited.stderr).toMatch(/older than src\/: building it first/);
    expect(edited.stdout).toBe(`second from file://${join(project.root, 'dist', 'index.js')}\n`);

    writeFileSync(join(project.root, 'src', 'word.ts'), "export const word: number = 'third';\n");
    const broken = project.start();
    expect(broken.status).toBe(1);
    expect(broken.stdout).toBe('');
    expect(broken.stderr).toMatch(/tsc failed[\s\S]*The bot did not start\./);
  }, BUILD_TIMEOUT_MS);

  test('the build is one bundle (libraries included) whose stack traces name the TypeScript lines of the bot\'s own code', () => {
    const project = tinyProject();
    // A library (zod, bundled) calls the bot's code, which throws: frames of both kinds in one stack.
    writeFileSync(join(project.root, 'src', 'index.ts'), [
      "import { z } from 'zod';",
      "import { word } from './word.ts';",
      'const schema = z.string().transform((text) => {',
      '  if (text === word) throw new Error(`${word} failed`);',
      '  return text;',
      '});',
      "schema.parse('first');",
    ].join('\n'));
    const run = project.start();
    expect(run.status).toBe(1);
    // The two entry points (start.mjs maps a crash with stackTrace.js) and what esbuild shares between them.
    const files = readdirSync(join(project.root, 'dist')).sort().filter((file) => !/^chunk-\w+\.js(\.map)?$/.test(file));
    expect(files).toEqual(['.fingerprint', 'index.js', 'index.js.map', 'stackTrace.js', 'stackTrace.js.map']);
    const frames = run.stderr.split('\n').filter((line) => line.trimStart().startsWith('at '));
    expect(frames[0]).toContain(`${join(project.root, 'src', 'index.ts')}:4:`);
    expect(frames.find((frame) => frame.includes(join(project.root, 'src', 'index.ts')) && frame.includes(':7:'))).toBeDefined();
    // zod's frames point into the bundle, never at a wrong TypeScript line.
    const libraryFrames = frames.filter((frame) => frame.includes(join(project.root, 'dist', 'index.js')));
    expect(libraryFrames.length).toBeGreaterThan(2);
    expect(frames.filter((frame) => frame.includes('/src/')).length).toBe(2);
  }, BUILD_TIMEOUT_MS);

  test('files importing discord.js share one copy of its exports (a copy per file was ~5 MB of getters), as Node itself would', () => {
    const project = tinyProject();
    writeFileSync(join(project.root, 'src', 'index.ts'), [
      "import * as one from 'discord.js';",
      "import { Client } from 'discord.js';",
      "import { other } from './word.ts';",
      'process.stdout.write(`${String(one === other)} ${String(one.Client === Client && typeof Client === "function")}\\n`);',
    ].join('\n'));
    writeFileSync(join(project.root, 'src', 'word.ts'), "import * as discord from 'discord.js';\nexport const other = discord;\n");
    const run = project.start();
    expect(run.stdout).toBe('true true\n');
    expect(run.status).toBe(0);
  }, BUILD_TIMEOUT_MS);

  test('every bundle file holding the bot\'s own code is one byte a character (one character past Latin-1 and V8 keeps the whole file at two)', async () => {
    await freshBuild();
    const dist = join(ROOT, 'dist');
    const ours = readdirSync(dist).filter((file) => file.endsWith('.js'))
      .filter((file) => (JSON.parse(readFileSync(join(dist, `${file}.map`), 'utf8')) as { sources: string[] }).sources.length > 0);
    expect(ours.length).toBeGreaterThan(2);
    expect(ours.filter((file) => /[\u0100-\uFFFF]/.test(readFileSync(join(dist, file), 'utf8')))).toEqual([]);
  }, BUILD_TIMEOUT_MS);

  test('the bundled bot starts a shard from the shard entry next to the code that starts it', async () => {
    await freshBuild();
    const dist = join(ROOT, 'dist');
    const manager = readdirSync(dist).filter((file) => file.endsWith('.js')).find((file) => readFileSync(join(dist, file), 'utf8').includes('starting the sharding manager'));
    expect(manager).toBeDefined();
    expect(existsSync(shardEntry(pathToFileURL(join(dist, manager!)).href).file)).toBe(true);
  }, BUILD_TIMEOUT_MS);
});
