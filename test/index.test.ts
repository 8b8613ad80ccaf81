import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TEST_DISCORD_TOKEN, TEST_GUILD, TEST_OPENAI_KEY } from './support/botHarness.ts';
import { DEFAULT_GUILD_ID, FakeDiscord } from './support/fakeDiscord.ts';
import { FakeOpenAI } from './support/fakeOpenAI.ts';
import { tempDatabasePath } from './support/tempDb.ts';

const ROOT = resolve(import.meta.dirname, '..');
/** `node --import tsx`, with tsx located from the repository since the child runs in another folder. */
const TSX_LOADER = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

/** Runs the real entry point exactly as `npm start` does, in a folder with no .env. */
function runBot(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', TSX_LOADER, join(ROOT, 'src', 'index.ts')], {
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
  test('missing and bad settings: exit 1 with one readable list, no stack trace', async () => {
    const run = runBot({ OPENAI_BASE_URL: 'not a url', LOG_LEVEL: 'chatty' });
    expect(await run.exited).toBe(1);
    const { stderr } = run.output();
    expect(stderr).toMatch(/The bot cannot start: 4 setting problem\(s\)/);
    for (const name of ['DISCORD_TOKEN', 'OPENAI_API_KEY', 'OPENAI_BASE_URL', 'LOG_LEVEL']) expect(stderr).toContain(`- ${name}`);
    expect(stderr).not.toMatch(/^\s+at /m);
  }, 30_000);

  describe('with fake Discord and OpenAI', () => {
    let discord: FakeDiscord;
    let openai: FakeOpenAI;
    beforeAll(async () => {
      discord = await FakeDiscord.start({ token: TEST_DISCORD_TOKEN, guilds: [TEST_GUILD] });
      openai = await FakeOpenAI.start({ apiKey: TEST_OPENAI_KEY });
    });
    afterAll(async () => { await discord.close(); await openai.close(); });

    test('SIGTERM lets the answer in progress finish, closes everything and exits 0', async () => {
      const run = runBot({
        DISCORD_TOKEN: TEST_DISCORD_TOKEN, OPENAI_API_KEY: TEST_OPENAI_KEY, DISCORD_API_URL: discord.restUrl, OPENAI_BASE_URL: openai.baseUrl,
        DATABASE_PATH: tempDatabasePath(), DEV_GUILD_ID: DEFAULT_GUILD_ID, LOG_FORMAT: 'json', DEFAULT_MODEL: 'gpt-4o-mini',
      });
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
  });
});
