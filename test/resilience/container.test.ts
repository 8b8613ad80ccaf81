import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RESTART_NOTICE_WAIT_MS } from '../../src/app.ts';
import { DEFAULT_SHUTDOWN_GRACE_MS } from '../../src/config.ts';
import { TEST_DISCORD_TOKEN, TEST_GUILD, TEST_OPENAI_KEY } from '../support/botHarness.ts';
import { DEFAULT_GUILD_ID, FakeDiscord } from '../support/fakeDiscord.ts';
import { FakeOpenAI } from '../support/fakeOpenAI.ts';
import { childBotEnv, ROOT } from '../support/spawnBot.ts';
import { freshBuild } from '../support/freshBuild.ts';

interface Instruction { keyword: string; args: string }

/** The Dockerfile's instructions per stage: continuation lines joined, comments dropped. */
function stages(text: string): Instruction[][] {
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  const out: Instruction[][] = [];
  for (const line of lines) {
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    if (keyword.toUpperCase() === 'FROM') out.push([]);
    out.at(-1)?.push({ keyword: keyword.toUpperCase(), args: args.trim() });
  }
  return out;
}

const dockerfile = stages(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const runtime = dockerfile.at(-1)!;
const get = (keyword: string) => runtime.filter((i) => i.keyword === keyword).map((i) => i.args);
/** An exec-form (JSON array) command, as Docker runs it: no shell. */
const execForm = (args: string) => JSON.parse(args) as string[];
const healthcheck = execForm(get('HEALTHCHECK')[0]!.replace(/^(--\S+\s+)*CMD\s+/, ''));
const start = execForm(get('CMD')[0]!);

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** Runs an image command as a plain process in the repository (the image's /app), `node` being this Node. */
function run(command: string[], env: Record<string, string>) {
  const [program, ...args] = command;
  expect(program).toBe('node');
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return { child, exited, stdout: () => stdout };
}

describe('the Dockerfile', () => {
  test('two stages on Node 20; the runtime runs as `node` with data/ a volume and the database on it', () => {
    expect(dockerfile).toHaveLength(2);
    for (const stage of dockerfile) expect(stage[0]!.args).toMatch(/^node:20-[\w.-]*slim\b/);
    expect(get('USER')).toEqual(['node']);
    expect(get('WORKDIR')).toEqual(['/app']);
    expect(get('VOLUME')).toEqual(['/app/data']);
    expect(get('ENV').join(' ')).toContain('DATABASE_PATH=/app/data/bot.sqlite');
    // glibc's malloc hands freed memory back instead of keeping up to 64 MB of it (idle RSS).
    expect(get('ENV').join(' ')).toContain('MALLOC_TRIM_THRESHOLD_=131072');
    // Nothing but what the bot needs at run time: no .env, no tests, no build tools.
    expect(get('COPY').every((c) => c.startsWith('--from=build '))).toBe(true);
    // The texts members read are read at run time from locales/, next to dist/.
    expect(get('COPY')).toEqual(expect.arrayContaining(['--from=build /app/dist ./dist', '--from=build /app/locales ./locales']));
    expect(get('RUN').join(' ')).not.toMatch(/apt-get|npm (ci|install)/);
  });

  test('.dockerignore keeps secrets and local state out of the build', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const entry of ['.env', 'data/', 'node_modules/']) expect(ignored).toContain(entry);
  });

  test('compose.yaml: .env, the volume, restart unless-stopped, and a stop timeout above the grace and the notices', () => {
    const compose = readFileSync(join(ROOT, 'compose.yaml'), 'utf8');
    expect(compose).toMatch(/^\s+env_file: \.env$/m);
    expect(compose).toMatch(/^\s+- bot-data:\/app\/data$/m);
    expect(compose).toMatch(/^\s+restart: unless-stopped$/m);
    const stopGrace = Number(/^\s+stop_grace_period: (\d+)s$/m.exec(compose)?.[1]) * 1000;
    expect(stopGrace).toBeGreaterThan(DEFAULT_SHUTDOWN_GRACE_MS + RESTART_NOTICE_WAIT_MS);
  });

  describe('its health check, run as a plain process', () => {
    let server: Server;
    let port = 0;
    let status = 200;
    beforeAll(async () => {
      server = createServer((req, res) => {
        res.writeHead(req.url === '/healthz' ? status : 404, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok\n' : 'gateway: closed\n');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    test.each([
      { name: 'no METRICS_PORT: no endpoint, healthy', answer: 200, env: () => ({}), exit: 0 },
      { name: '/healthz answers 200', answer: 200, env: () => ({ METRICS_PORT: String(port) }), exit: 0 },
      { name: '/healthz answers 503', answer: 503, env: () => ({ METRICS_PORT: String(port) }), exit: 1 },
      { name: 'METRICS_HOST=0.0.0.0 is checked on loopback', answer: 200, env: () => ({ METRICS_PORT: String(port), METRICS_HOST: '0.0.0.0' }), exit: 0 },
      { name: 'nothing listening', answer: 200, env: () => ({ METRICS_PORT: '1' }), exit: 1 },
    ])('$name', async ({ answer, env, exit }) => {
      status = answer;
      expect(await run(healthcheck, env()).exited).toBe(exit);
    });
  });

  describe('its start command, run as a plain process against the fakes', () => {
    let discord: FakeDiscord;
    let openai: FakeOpenAI;
    beforeAll(async () => {
      await freshBuild(); // the image runs dist/, which its build stage compiled from these sources
      discord = await FakeDiscord.start({ token: TEST_DISCORD_TOKEN, guilds: [TEST_GUILD] });
      openai = await FakeOpenAI.start({ apiKey: TEST_OPENAI_KEY });
    }, 180_000);
    afterAll(async () => { await discord.close(); await openai.close(); });

    test('logs in, answers, is healthy by its own health check, and exits 0 on SIGTERM', async () => {
      const metricsPort = await freePort();
      const bot = run(start, childBotEnv({ discord, openai }, { LOG_FORMAT: 'auto', NODE_ENV: 'production', METRICS_PORT: String(metricsPort) }));
      await discord.waitForRequest((r) => r.method === 'PUT' && r.path.includes('/commands'), 30_000);
      expect(await run(healthcheck, { METRICS_PORT: String(metricsPort) }).exited).toBe(0);
      openai.chat.enqueue({ text: 'Hello from the container command.' });
      const i = discord.sendInteraction({ guildId: DEFAULT_GUILD_ID, commandName: 'ask', options: { prompt: 'hi' } });
      await i.waitFor((x) => x.transcript()[0] === 'Hello from the container command.', 10_000, 'the answer');
      bot.child.kill('SIGTERM');
      expect(await bot.exited).toBe(0);
      expect(bot.stdout()).toContain('"msg":"stopped"');
      expect(await run(healthcheck, { METRICS_PORT: String(metricsPort) }).exited).toBe(1);
    }, 40_000);
  });
});
