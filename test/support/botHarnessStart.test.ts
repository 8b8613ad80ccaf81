import { connect } from 'node:net';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { BotHarness } from './botHarness.ts';
import { FakeDiscord } from './fakeDiscord.ts';
import { FakeOpenAI } from './fakeOpenAI.ts';

/** Whether something still accepts connections at the URL's port. */
const listening = (url: string): Promise<boolean> => new Promise((resolve) => {
  const socket = connect(Number(new URL(url).port), '127.0.0.1');
  socket.once('connect', () => { socket.destroy(); resolve(true); });
  socket.once('error', () => resolve(false));
});

const servers = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'TCPServerWrap').length;

/** Starts a harness that must fail, and returns the URLs of the fakes it started. */
async function failingStart(options: Parameters<typeof BotHarness.start>[0]): Promise<{ error: unknown; urls: string[] }> {
  const urls: string[] = [];
  const startDiscord = FakeDiscord.start.bind(FakeDiscord);
  const startOpenAI = FakeOpenAI.start.bind(FakeOpenAI);
  vi.spyOn(FakeDiscord, 'start').mockImplementation(async (o) => { const fake = await startDiscord(o); urls.push(fake.restUrl); return fake; });
  vi.spyOn(FakeOpenAI, 'start').mockImplementation(async (o) => { const fake = await startOpenAI(o); urls.push(fake.baseUrl); return fake; });
  const error = await BotHarness.start(options).then(async (h) => { await h.close(); return undefined; }, (e: unknown) => e);
  return { error, urls };
}

afterEach(() => { vi.restoreAllMocks(); });

describe('BotHarness.start that throws closes the fakes it started', () => {
  test.each([
    ['the configuration is refused (DEFAULT_MODEL outside ALLOWED_MODELS)', { env: { ALLOWED_MODELS: 'gpt-4.1' } }, /ALLOWED_MODELS/],
    ['the bot cannot log in (Discord refuses its token)', { discord: { token: 'another-bot-token' } }, /token/i],
  ])('%s', async (_name, options, message) => {
    const before = servers();
    const { error, urls } = await failingStart(options);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(message);
    expect(urls).toHaveLength(2);
    for (const url of urls) expect(await listening(url)).toBe(false);
    expect(servers()).toBe(before);
  });
});
