/**
 * The bot's secrets against the failures that carry them: the fakes answer as the services fail (a 401 body echoing
 * the request's headers, a 5xx echoing the key, a 400 quoting the request, a dropped connection, Discord refusing an
 * edit past discord.js's retries), and no log line at trace level, and nothing the bot sent to Discord, holds one.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { BotHarness, TEST_DISCORD_TOKEN, TEST_OPENAI_KEY, channelPool } from './support/botHarness.ts';
import type { FakeInteraction, RecordedRequest } from './support/fakeDiscord.ts';
import type { ChatReply } from './support/fakeOpenAIChat.ts';

let h: BotHarness;
beforeAll(async () => { h = await BotHarness.start({ env: { LOG_LEVEL: 'trace', OPENAI_MAX_RETRIES: '1' } }); });
afterAll(async () => { await h?.close(); });
beforeEach(() => { h.openai.reset(); });

const freshChannel = channelPool();
/** Every interaction a test sent: its token must appear nowhere the bot wrote. */
const interactions: FakeInteraction[] = [];

/** What a proxy in front of the service echoes: the request's headers, the key among them. */
const echoedHeaders = JSON.stringify({ authorization: `Bearer ${TEST_OPENAI_KEY}`, 'content-type': 'application/json' });
const body = (message: string, type: string, code: string | null = null) => JSON.stringify({ error: { message, type, param: null, code } });

/** Everything the bot sent to Discord (replies, edits, follow-ups, uploads' JSON), as one text. */
const sentToDiscord = () => h.discord.requests.map((r: RecordedRequest) => JSON.stringify(r.body ?? null, (key, value: unknown) => (key === 'files' ? undefined : value))).join('\n');

function expectNoSecretAnywhere(): void {
  const written = [h.logLines.join('\n'), sentToDiscord()];
  for (const text of written) {
    for (const secret of [TEST_OPENAI_KEY, TEST_DISCORD_TOKEN, ...interactions.map((i) => i.token)]) expect(text).not.toContain(secret);
  }
}

describe('no secret reaches a log line or a reply, whatever failed', () => {
  test.each<[string, ChatReply, string]>([
    ['a 401 whose body echoes the request headers', { rawError: { status: 401, body: body(`Incorrect API key provided. Request headers: ${echoedHeaders}`, 'invalid_request_error', 'invalid_api_key') } },
      "The bot's OpenAI API key was rejected. The bot's host needs to check OPENAI_API_KEY."],
    ['a 500 whose body echoes the key, to every attempt', { rawError: { status: 500, body: body(`upstream failed for Bearer ${TEST_OPENAI_KEY}`, 'server_error') }, times: 5 },
      'The AI service had an internal error. Please try again in a moment.'],
    ['a 400 whose message quotes the request and the key', { rawError: { status: 400, body: body(`Invalid value in 'messages' (sent with ${TEST_OPENAI_KEY})`, 'invalid_request_error', 'invalid_value') } },
      "The AI service could not handle this request. The reason was logged for the bot's host."],
    ['the connection dropped after the question was sent', { drop: true },
      'The connection to the AI service dropped after the question was sent, before any answer arrived. Please try again.'],
  ])('/ask: %s', async (_case, reply, shown) => {
    h.openai.chat.enqueue(reply);
    const interaction = h.command('ask', { prompt: 'Hello?' }, { channelId: freshChannel() });
    interactions.push(interaction);
    await h.settled(interaction);
    expect(interaction.transcript()).toEqual([shown]);
    expectNoSecretAnywhere();
  });

  test('/translate: a 400 quoting the text and the key is told plainly, in the member\'s language', async () => {
    h.openai.chat.enqueue({ rawError: { status: 400, body: body(`'Bonjour' was refused for Bearer ${TEST_OPENAI_KEY}`, 'invalid_request_error') } });
    const interaction = h.command('translate', { text: 'Bonjour', to: 'en' }, { channelId: freshChannel(), locale: 'zh-TW' });
    interactions.push(interaction);
    await h.settled(interaction);
    const texts = [...interaction.callbacks.map((c) => (c.data as { content?: string } | undefined)?.content ?? ''), ...interaction.transcript()].join('\n');
    expect(texts).toContain('AI 服務無法處理這個請求。');
    expect(texts).not.toContain('Bonjour\' was refused');
    expectNoSecretAnywhere();
  });

  test('Discord refuses the answer\'s edits with 5xx past discord.js\'s retries: logged with the URL\'s token blanked', async () => {
    const editsOriginal = (r: RecordedRequest) => r.method === 'PATCH' && r.path.startsWith('/webhooks/') && /\/messages\/(@|%40)original$/.test(r.path);
    h.discord.injectRestFault({ match: editsOriginal, status: 502, times: 12 });
    h.openai.chat.enqueue({ text: 'An answer Discord will not take.' });
    const interaction = h.command('ask', { prompt: 'Hello?' }, { channelId: freshChannel() });
    interactions.push(interaction);
    await h.settled(interaction);
    expect(h.logLines.join('\n')).toMatch(new RegExp(`/webhooks/${h.discord.applicationId}/\\[REDACTED\\]/messages/`));
    expectNoSecretAnywhere();
  });
});
