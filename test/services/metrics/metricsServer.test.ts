import { createServer, Server } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { startBot } from '../../../src/app.ts';
import { loadConfig } from '../../../src/config.ts';
import { createLogger } from '../../../src/logger.ts';
import { BotHarness, TEST_DISCORD_TOKEN, TEST_OPENAI_KEY } from '../../support/botHarness.ts';
import { freePort, health } from '../../support/metricsScrape.ts';
import { tempDatabasePath } from '../../support/tempDb.ts';

let h: BotHarness | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await h?.close();
  h = undefined;
});

/** This machine's first address outside loopback, if it has one. */
const external = Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
const reachable = (url: string) => fetch(url, { signal: AbortSignal.timeout(2_000) }).then(() => true, () => false);

describe('the metrics server', () => {
  test('is off by default: the bot listens on no port', async () => {
    h = await BotHarness.start();
    const listen = vi.spyOn(Server.prototype, 'listen');
    await h.restart();
    await h.bot.warmedUp;
    expect(h.bot.metricsUrl).toBeUndefined();
    // Apart from the warm-up's own server (an ephemeral loopback port, closed again at once: warmDiscordRest.ts).
    expect(listen.mock.calls.map((call) => call.slice(0, 2)).filter(([asked]) => asked !== 0)).toEqual([]);
  });

  test('with METRICS_PORT it listens on 127.0.0.1 only, and is closed on stop and opened again on start', async () => {
    const port = await freePort();
    h = await BotHarness.start({ env: { METRICS_PORT: String(port) } });
    expect(h.bot.metricsUrl).toBe(`http://127.0.0.1:${port}`);
    const listen = vi.spyOn(Server.prototype, 'listen');
    await h.bot.stop();
    expect(await reachable(`http://127.0.0.1:${port}/healthz`)).toBe(false);
    await h.startBot();
    await h.bot.warmedUp;
    expect(listen.mock.calls.map((call) => call.slice(0, 2)).filter(([asked]) => asked !== 0)).toEqual([[port, '127.0.0.1']]);
    expect((await health(h.bot.metricsUrl!)).status).toBe(200);
    if (external) expect(await reachable(`http://${external}:${port}/healthz`)).toBe(false);
  });

  test.runIf(external)('METRICS_HOST=0.0.0.0 opens it to other machines (the operator said so)', async () => {
    const port = await freePort();
    h = await BotHarness.start({ env: { METRICS_PORT: String(port), METRICS_HOST: '0.0.0.0' } });
    expect(await reachable(`http://${external}:${port}/healthz`)).toBe(true);
  });

  test('during a stop /healthz says 503 (stopping) while answers in progress finish', async () => {
    h = await BotHarness.start({ env: { METRICS_PORT: String(await freePort()) } });
    const url = h.bot.metricsUrl!;
    const chunks = ['Still ', 'answering.'];
    h.openai.chat.enqueue({ text: chunks.join(''), chunks, chunkDelayMs: 400 });
    const i = h.command('ask', { prompt: 'slowly' });
    await i.callback();
    const stopping = h.bot.stop();
    expect(await health(url)).toMatchObject({ status: 503, body: { status: 'unavailable', stopping: true, gateway: { status: 'ok' }, database: { status: 'ok' } } });
    await stopping;
    expect(i.transcript()).toEqual(['Still answering.']);
    expect(await reachable(`${url}/healthz`)).toBe(false);
  });

  test('a port already in use stops the start-up with a plain reason', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as { port: number };
    try {
      const config = loadConfig({ DISCORD_TOKEN: TEST_DISCORD_TOKEN, OPENAI_API_KEY: TEST_OPENAI_KEY, DATABASE_PATH: tempDatabasePath(), LOG_LEVEL: 'silent', METRICS_PORT: String(port) });
      const error = await startBot(config, createLogger(config)).then(() => undefined, (e: unknown) => e as Error);
      expect(error?.message).toBe(`Could not serve metrics on 127.0.0.1:${port} (METRICS_HOST/METRICS_PORT): the port is already in use`);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
