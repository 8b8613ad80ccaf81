import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger, requestLogger } from '../src/logger.ts';
import { scrubDiscordTokens } from '../src/secretScrub.ts';
import { BotHarness } from './support/botHarness.ts';
import type { RecordedRequest } from './support/fakeDiscord.ts';

const TOKEN = 'aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDEyMzQ1Njc4OnNlY3JldA';

test.each([
  ['a callback URL', `{"url":"https://discord.com/api/v10/interactions/123456789012345678/${TOKEN}/callback"}`, '{"url":"https://discord.com/api/v10/interactions/123456789012345678/[REDACTED]/callback"}'],
  ['an edit of the original reply', `PATCH /webhooks/300000000000000001/${TOKEN}/messages/@original`, 'PATCH /webhooks/300000000000000001/[REDACTED]/messages/@original'],
  ['a webhook URL with a query', 'see https://discord.com/api/webhooks/987654321/Ab-cd_EF123?wait=true', 'see https://discord.com/api/webhooks/987654321/[REDACTED]?wait=true'],
  ['a bare interaction token', `{"msg":"token ${TOKEN} used"}`, '{"msg":"token [REDACTED] used"}'],
  ['a webhook route without a token', '{"route":"/webhooks/123"}', '{"route":"/webhooks/123"}'],
  ['an ordinary line', '{"level":30,"msg":"command finished"}', '{"level":30,"msg":"command finished"}'],
])('scrubDiscordTokens: %s', (_case, line, expected) => {
  expect(scrubDiscordTokens(line)).toBe(expected);
});

describe('interaction tokens never reach the log, even at trace level', () => {
  let h: BotHarness;
  beforeAll(async () => { h = await BotHarness.start({ env: { LOG_LEVEL: 'trace' } }); });
  afterAll(async () => { await h?.close(); });

  const failureLines = () => h.logs().filter((l) => l.msg === 'command failed');

  async function waitForFailures(count: number): Promise<void> {
    const deadline = performance.now() + 5000;
    while (failureLines().length < count) {
      if (performance.now() > deadline) throw new Error('the failure was never logged');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await h.settled();
  }

  test('a callback refused with 10062 (interaction expired before the defer)', async () => {
    const interaction = h.command('ask', { prompt: 'too late' });
    h.discord.expireInteraction(interaction.id);
    await waitForFailures(1);
    const all = h.logLines.join('\n');
    expect(interaction.callbacks.map((c) => c.status)).toEqual([404]); // refused once, no apology tried through it
    expect(all).toContain(`/interactions/${interaction.id}/[REDACTED]/callback`);
    expect(all).not.toContain(interaction.token);
    expect(h.openai.chat.requests).toHaveLength(0);
  });

  test('a webhook edit refused with 401 (the token expired after the defer)', async () => {
    h.openai.chat.enqueue({ text: 'Hello', delayMs: 300 });
    const interaction = h.command('translate', { text: 'Bonjour', to: 'en' });
    await interaction.callback();
    h.discord.expireInteraction(interaction.id);
    await waitForFailures(2);
    const all = h.logLines.join('\n');
    expect(all).toMatch(new RegExp(`/webhooks/${h.discord.applicationId}/\\[REDACTED\\]`));
    expect(all).not.toContain(interaction.token);
    expect(h.bot.ctx.logger.level).toBe('trace');
  });

  test('an upload Discord fails (5xx past discord.js\'s retries): the log names the file and its size, never its bytes', async () => {
    const uploadsImage = (r: RecordedRequest) => r.method === 'PATCH' && r.path.startsWith('/webhooks/') && typeof r.body === 'object' && r.body !== null && 'files' in r.body;
    h.discord.injectRestFault({ match: uploadsImage, status: 500, times: 4 });
    const before = failureLines().length;
    const interaction = h.command('imagine', { prompt: 'a lighthouse' });
    await waitForFailures(before + 1);
    const line = failureLines().at(-1)!;
    const { requestBody } = line.err as { requestBody: { files: unknown[]; json: unknown } };
    expect(requestBody.files).toEqual([{ name: 'imagine-1.png', bytes: expect.any(Number) as number }]);
    expect((requestBody.files[0] as { bytes: number }).bytes).toBeGreaterThan(60);
    expect(requestBody.json).toMatchObject({ attachments: [{ id: '0' }] });
    const all = h.logLines.join('\n');
    expect(all).not.toContain('"type":"Buffer"');
    expect(all).not.toContain(interaction.token);
  });
});

describe('the err serializer takes whatever was thrown or rejected', () => {
  const lines: string[] = [];
  const destination = new Writable({ write(chunk: Buffer, _encoding, done) { lines.push(chunk.toString()); done(); } });
  const logger = createLogger({ logLevel: 'info', logFormat: 'json', discordToken: 'discord-token-value', openaiApiKey: 'sk-openai-key-value' }, destination);
  const last = () => JSON.parse(lines.at(-1)!) as { err?: unknown; msg: string };

  // A promise rejected with null reaches index.ts's unhandledRejection handler as `{ err: null }`: a throw there is a crash.
  test.each([['null', null], ['a string', 'plain reason'], ['a number', 42]])('a rejection with %s is written as it is', (_case, reason) => {
    expect(() => logger.error({ err: reason }, 'unhandled promise rejection')).not.toThrow();
    expect(last()).toMatchObject({ err: reason, msg: 'unhandled promise rejection' });
  });

  test('an array of errors is written error by error, not as empty objects', () => {
    logger.error({ err: [new Error('first failed'), new TypeError('second failed')] }, 'both failed');
    const { err } = last() as { err: { type: string; message: string }[] };
    expect(err.map(({ type, message }) => [type, message])).toEqual([['Error', 'first failed'], ['TypeError', 'second failed']]);
  });

  test('an array holding itself is written, not followed round until the stack overflows', () => {
    const loop: unknown[] = [new Error('looped')];
    loop.push(loop);
    expect(() => logger.error({ err: loop }, 'loop failed')).not.toThrow();
    const { err } = last() as { err: [{ message: string }, unknown] };
    expect(err[0].message).toBe('looped');
    expect(JSON.stringify(err[1])).toContain('[Circular]');
  });

  test('thousands of errors in one array: the first 20 written, the rest counted', () => {
    logger.error({ err: Array.from({ length: 5_000 }, (_, n) => new Error(`failure ${n}`)) }, 'many failed');
    const { err } = last() as { err: unknown[] };
    expect(err).toHaveLength(21);
    expect((err[19] as { message: string }).message).toBe('failure 19');
    expect(err[20]).toBe('...and 4980 more');
  });

  test('an error whose own getter throws is still written, with its type, message and stack', () => {
    class Fragile extends Error {
      get detail(): string { throw new Error('not readable now'); }
    }
    Object.defineProperty(Fragile.prototype, 'detail', { enumerable: true });
    expect(() => logger.error({ err: new Fragile('the request failed') }, 'command failed')).not.toThrow();
    const { err } = last() as { err: { type: string; message: string; stack: string } };
    expect(err).toMatchObject({ type: 'Fragile', message: 'the request failed' });
    expect(err.stack).toMatch(/^Error: the request failed\n\s+at /);
  });
});

test('a secret with characters JSON escapes (a quote, a backslash) is scrubbed as written in the line', () => {
  const lines: string[] = [];
  const destination = new Writable({ write(chunk: Buffer, _encoding, done) { lines.push(chunk.toString()); done(); } });
  const secret = 'ledger"secret\\with-quotes-and-backslash-0123456789';
  const logger = createLogger({ logLevel: 'info', logFormat: 'json', discordToken: 'discord-token-value', openaiApiKey: 'sk-openai-key-value', ledger: { url: 'http://10.0.0.1:9470', port: undefined, host: '127.0.0.1', secret } }, destination);
  logger.warn({ detail: `sent ${secret}` }, `configured with ${secret}`);
  const line = lines.join('');
  expect(JSON.parse(line)).toMatchObject({ detail: 'sent [REDACTED]', msg: 'configured with [REDACTED]' });
  expect(line).not.toContain('with-quotes-and-backslash');
});

describe('pretty logs (a terminal, or LOG_FORMAT=pretty)', () => {
  test('are written in this thread at once, readable, and with every secret scrubbed', () => {
    const written: string[] = [];
    const destination = new Writable({ write(chunk: Buffer, _encoding, done) { written.push(chunk.toString()); done(); } });
    const secrets = { discordToken: 'discord-token-value-123', openaiApiKey: 'sk-openai-key-value-456' };
    const logger = createLogger({ logLevel: 'info', logFormat: 'pretty', ...secrets }, destination);
    logger.info({ url: `https://discord.com/api/v10/interactions/1/${TOKEN}/callback` }, `started with ${secrets.openaiApiKey} and ${secrets.discordToken}`);
    // No worker thread in between: the line is there before this call returns.
    const output = written.join('');
    expect(output).toContain('INFO');
    expect(output).toContain('started with [REDACTED] and [REDACTED]');
    expect(output).not.toMatch(/^\{/);
    for (const secret of [secrets.discordToken, secrets.openaiApiKey, TOKEN]) expect(output).not.toContain(secret);
  });
});

describe('requestLogger: a per-request child made on first use', () => {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({ write(chunk: Buffer, _encoding, done) { lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>); done(); } });
  const parent = createLogger({ logLevel: 'info', logFormat: 'json', discordToken: 'discord-token-value', openaiApiKey: 'sk-openai-key-value' }, destination);

  test('lines carry its bindings and are redacted like the parent\'s; a level the parent does not write makes no child', () => {
    const made = vi.spyOn(parent, 'child');
    const log = requestLogger(parent, { command: 'ask', interactionId: '42' });
    log.debug({ detail: 1 }, 'not written');
    log.trace('not written either');
    expect(made).not.toHaveBeenCalled();
    log.warn({ headers: { authorization: 'Bot secret' }, token: 'abc' }, 'written');
    log.info('again');
    expect(made).toHaveBeenCalledTimes(1);
    expect(lines.map(({ time: _time, ...rest }) => rest)).toEqual([
      { level: 40, command: 'ask', interactionId: '42', headers: { authorization: '[REDACTED]' }, token: '[REDACTED]', msg: 'written' },
      { level: 30, command: 'ask', interactionId: '42', msg: 'again' },
    ]);
    expect(log.child({ step: 'x' }).bindings()).toEqual({ command: 'ask', interactionId: '42', step: 'x' });
  });
});
