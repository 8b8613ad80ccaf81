import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { BotHarness, channelPool } from '../support/botHarness.ts';
import { DEFAULT_CHANNEL_ID, DEFAULT_GUILD_ID } from '../support/fakeDiscord.ts';
import { BudgetStore } from '../../src/db/budgetLimits.ts';

let h: BotHarness;
beforeAll(async () => { h = await BotHarness.start(); });
afterAll(async () => { await h?.close(); });
beforeEach(() => { h.openai.reset(); });

type ChatBody = { stream: boolean; stream_options: unknown; max_completion_tokens?: number; messages: { role: string; content: string }[] };
const lastChat = () => h.openai.chat.lastRequest as ChatBody;
/** A fresh channel per test keeps histories apart. */
const freshChannel = channelPool();

describe('/ask', () => {
  test('defers first, then streams the answer into the original reply', async () => {
    h.openai.chat.enqueue({ text: 'Hello there, this is a streamed answer.', chunks: ['Hello ', 'there, ', 'this is ', 'a streamed answer.'], chunkDelayMs: 30 });
    const i = h.command('ask', { prompt: 'Say hello' });
    const first = await i.callback();
    expect(first.type).toBe(5); // DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE, before any model output
    expect(first.ok).toBe(true);
    await h.settled(i);
    expect(i.transcript()).toEqual(['Hello there, this is a streamed answer.']);
    expect(lastChat().stream).toBe(true);
    expect(lastChat().stream_options).toEqual({ include_usage: true });
    expect(lastChat().messages.at(-1)?.content).toMatch(/: Say hello$/);
  });

  test('a slow stream is shown while it grows, with edits about a second apart', async () => {
    const chunks = Array.from({ length: 12 }, (_, n) => `part ${n} `);
    h.openai.chat.enqueue({ text: chunks.join(''), chunks, chunkDelayMs: 250 });
    const i = h.command('ask', { prompt: 'Count slowly' });
    await h.settled(i);
    const edits = i.originalEdits.map((e) => String(e.body.content));
    expect(edits.length).toBeGreaterThanOrEqual(3);
    expect(edits.length).toBeLessThanOrEqual(6); // ~3 s of streaming, about one edit a second plus the final
    expect(edits[0]!.startsWith('part 0')).toBe(true);
    expect(edits.at(-1)).toBe(chunks.join('').trim());
    for (const [n, edit] of edits.entries()) if (n > 0) expect(edit.length).toBeGreaterThanOrEqual(edits[n - 1]!.length);
    const gaps = i.originalEdits.slice(1, -1).map((e, n) => e.at - i.originalEdits[n]!.at);
    for (const gap of gaps) expect(gap).toBeGreaterThan(900);
  });

  test('a 5,000-character answer with a code block continues in follow-ups, fences closed and reopened', async () => {
    const prose = 'This paragraph explains the code below in some detail. '.repeat(20);
    const code = Array.from({ length: 80 }, (_, n) => `  const value${n} = compute(${n}); // line ${n}`).join('\n');
    const text = `${prose}\n\n\`\`\`ts\n${code}\n\`\`\`\n\n${prose}`;
    expect(text.length).toBeGreaterThan(5000);
    h.openai.chat.enqueue({ text, chunks: text.match(/[\s\S]{1,400}/g)! });
    const i = h.command('ask', { prompt: 'Write a long example' });
    await h.settled(i);
    const messages = i.transcript();
    expect(messages.length).toBeGreaterThanOrEqual(3);
    for (const m of messages) expect([...m].length).toBeLessThanOrEqual(2000);
    for (const m of messages) expect((m.match(/^```/gm) ?? []).length % 2, m).toBe(0);
    const codeParts = messages.filter((m) => m.includes('const value'));
    expect(codeParts.length).toBeGreaterThanOrEqual(2);
    for (const part of codeParts.slice(1)) expect(part.startsWith('```ts\n')).toBe(true);
    const rejoined = messages.join('\n').replace(/\n```\n```ts\n/g, '\n');
    for (let n = 0; n < 80; n += 1) expect(rejoined).toContain(`  const value${n} = compute(${n}); // line ${n}\n`);
    expect(i.followUps.length).toBe(messages.length - 1);
  });

  test('the second ask in a channel sends the first exchange as history, with speakers', async () => {
    const channelId = freshChannel();
    h.openai.chat.enqueue({ text: 'Paris.' }, { text: 'About 2.1 million people.' });
    const user = { id: '500000000000000001', username: 'alice', global_name: 'Alice' };
    await h.settled(h.command('ask', { prompt: 'Capital of France?' }, { channelId, user }));
    await h.settled(h.command('ask', { prompt: 'How many people live there?' }, { channelId, user: { id: '500000000000000002', username: 'bob', global_name: '小明' } }));
    expect(lastChat().messages.map((m) => [m.role, m.content])).toEqual([
      ['system', expect.any(String)],
      ['user', 'Alice: Capital of France?'],
      ['assistant', 'Paris.'],
      ['user', '小明: How many people live there?'],
    ]);
  });

  test('private:true is ephemeral and neither reads nor writes the channel history', async () => {
    const channelId = freshChannel();
    h.openai.chat.enqueue({ text: 'Shared answer.' }, { text: 'Private answer.' }, { text: 'Third.' });
    await h.settled(h.command('ask', { prompt: 'Public question' }, { channelId }));
    const i = h.command('ask', { prompt: 'Secret question', private: true }, { channelId });
    const callback = await i.callback();
    expect((callback.data as { flags?: number }).flags! & 64).toBe(64);
    await h.settled(i);
    expect(i.transcript()).toEqual(['Private answer.']);
    expect(lastChat().messages.map((m) => m.content).slice(1)).toEqual([expect.stringMatching(/: Secret question$/)]);
    await h.settled(h.command('ask', { prompt: 'Next public question' }, { channelId }));
    expect(lastChat().messages.map((m) => m.content).join('\n')).not.toContain('Secret');
  });

  test('model text can never ping anyone: every message carries allowed_mentions parse []', async () => {
    h.openai.chat.enqueue({ text: '@everyone @here <@&123456789012345678> <@400000000000000001> look!' });
    const i = h.command('ask', { prompt: 'Ping everyone' });
    await h.settled(i);
    expect(i.originalEdits.length).toBeGreaterThan(0);
    for (const edit of i.originalEdits) expect(edit.body.allowed_mentions).toEqual({ parse: [] });
  });

  test('a prompt too long for the model on its own is refused with its size, without calling the model', async () => {
    const channelId = freshChannel();
    // A local model the bot does not know: UNKNOWN_MODEL_CONTEXT_WINDOW (5,120 here) minus MAX_OUTPUT_TOKENS (4,096).
    h.bot.ctx.services.settings.updateChannel({ guildId: h.bot.ctx.config.devGuildId!, channelId, parentId: null }, { model: 'llama3.1:8b' }, 'admin');
    const i = h.command('ask', { prompt: 'lorem ipsum dolor sit amet '.repeat(200) }, { channelId });
    await h.settled(i);
    expect(i.transcript()[0]).toMatch(/^Your message is too long for the model `llama3\.1:8b`: it is about \d+ tokens and at most 1024 fit\. Please shorten it\.$/);
    expect(h.openai.chat.requests.length).toBe(0);
    expect(h.bot.ctx.db.prepare('SELECT COUNT(*) FROM ledger WHERE channel_id = ?').pluck().get(channelId)).toBe(0);
  });
});

test('the default channel is the fake server\'s text channel', () => {
  expect(DEFAULT_CHANNEL_ID).toMatch(/^\d+$/);
});

test('an answer cut short inside a code block gets its fence closed before the notice', async () => {
  h.openai.reset();
  h.openai.chat.enqueue({ text: 'Here:\n```py\nprint(1)\nprint(2)', finishReason: 'length' });
  const i = h.command('ask', { prompt: 'code please' });
  await h.settled(i);
  const [message] = i.transcript();
  expect(message).toMatch(/^Here:\n```py\nprint\(1\)\nprint\(2\)\n```\n\n⚠️ The answer reached its length limit/);
});

test('a prompt of only spaces gets a friendly ephemeral hint, no model call and no charge', async () => {
  h.openai.reset();
  const i = h.command('ask', { prompt: '   ' });
  await h.settled(i);
  expect(i.callbacks[0]).toMatchObject({ type: 4, data: { content: 'Please write a question after `prompt:`.', flags: 64 } });
  expect(h.openai.chat.requests).toHaveLength(0);
});

test('over the limit: a public ask becomes a private refusal; a private ask shows it in place', async () => {
  h.openai.reset();
  const user = { id: '540000000000000001', username: 'broke' };
  new BudgetStore(h.bot.ctx.db).setLimit(DEFAULT_GUILD_ID, { scope: 'user', targetId: user.id, period: 'day', amountMicros: 0, updatedBy: 'admin', updatedAt: Date.now() });
  const open = h.command('ask', { prompt: 'hello?' }, { user });
  await h.settled(open);
  expect(open.original()).toBeUndefined(); // the public "thinking…" message was deleted
  expect(open.followUps.at(-1)).toMatchObject({ flags: 64 });
  expect(open.followUps.at(-1)!.content).toMatch(/^You can't use paid commands right now: your own limit is set to \$0\./);
  const secret = h.command('ask', { prompt: 'hello?', private: true }, { user });
  await h.settled(secret);
  expect(secret.transcript()[0]).toMatch(/^You can't use paid commands right now/);
  expect(h.openai.chat.requests).toHaveLength(0);
});
