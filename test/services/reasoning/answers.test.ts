import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { BotHarness, channelPool } from '../../support/botHarness.ts';
import { DEFAULT_MODELS } from '../../support/fakeOpenAI.ts';
import type { FakeInteraction } from '../../support/fakeDiscord.ts';
import { REASONING_KEEP_MS } from '../../../src/services/reasoning/store.ts';

const MANAGE_GUILD = String(1n << 5n);
const EPHEMERAL = 64;
let skewMs = 0;
let h: BotHarness;
beforeAll(async () => {
  h = await BotHarness.start({ openai: { models: [...DEFAULT_MODELS, 'o4-mini', 'gpt-5', 'deepseek-r1:8b'] }, now: () => Date.now() + skewMs });
});
afterAll(async () => { await h?.close(); });
beforeEach(() => { h.openai.reset(); });

const freshChannel = channelPool();
type Body = Record<string, unknown> & { messages: { role: string; content: string }[] };
const THINKING_EN = /^-# 💭 Thinking… \d+ s$/;
const THINKING_ZH = /^-# 💭 思考中…（\d+ 秒）$/;

async function useModel(channelId: string, name: string): Promise<void> {
  await h.settled(h.command('settings', { name }, { subcommand: 'model', channelId, permissions: MANAGE_GUILD }));
}
const turns = (channelId: string) => h.bot.ctx.db.prepare('SELECT role, content FROM turns WHERE channel_id = ? ORDER BY id').all(channelId) as { role: string; content: string }[];
const ledger = (channelId: string) => h.bot.ctx.db.prepare('SELECT model, input_tokens AS input, output_tokens AS output, charged_micros AS charged FROM ledger WHERE channel_id = ?').all(channelId) as { model: string; input: number; output: number; charged: number }[];
const buttonsOf = (message: { components?: unknown[] } | undefined) => ((message?.components ?? []) as { components: { custom_id: string; label: string }[] }[]).flatMap((row) => row.components);

describe('reasoning models', () => {
  test.each([
    ['en-US', THINKING_EN],
    ['zh-TW', THINKING_ZH],
  ])('o4-mini (%s): max_completion_tokens, no sampling fields, a thinking line until the first text, reasoning tokens charged once as output', async (locale, thinkingLine) => {
    const channelId = freshChannel();
    await useModel(channelId, 'o4-mini');
    h.openai.chat.enqueue({ text: 'The answer is 42, as computed carefully.', chunks: ['The answer ', 'is 42, ', 'as computed carefully.'], chunkDelayMs: 300, thinkMs: 2600, reasoningTokens: 700 });
    const ia = h.command('ask', { prompt: 'What is six times seven?' }, { channelId, locale });
    await h.settled(ia, 20_000);

    const body = h.openai.chat.lastRequest as unknown as Body;
    expect(body).toMatchObject({ model: 'o4-mini', max_completion_tokens: 8192 });
    for (const refused of ['max_tokens', 'temperature', 'top_p', 'reasoning_effort']) expect(body).not.toHaveProperty(refused);

    const edits = ia.originalEdits.map((e) => String(e.body.content));
    const firstText = edits.findIndex((content) => !thinkingLine.test(content));
    expect(firstText, edits.join(' | ')).toBeGreaterThanOrEqual(1);
    expect(edits.slice(0, firstText).every((content) => thinkingLine.test(content))).toBe(true);
    expect(edits.slice(firstText).some((content) => thinkingLine.test(content) || content.includes('💭'))).toBe(false);
    expect(ia.transcript()).toEqual(['The answer is 42, as computed carefully.']);

    const [row] = ledger(channelId);
    const visible = Math.ceil('The answer is 42, as computed carefully.'.length / 4);
    expect(row).toMatchObject({ model: 'o4-mini', output: visible + 700 });
    expect(row!.charged).toBe(h.bot.ctx.services.pricing.chatCost('o4-mini', { promptTokens: row!.input, cachedTokens: 0, completionTokens: visible + 700 }));
    expect(turns(channelId).map((t) => t.content).at(-1)).toBe('The answer is 42, as computed carefully.');
  });

  test('a fast answer gets no thinking line at all', async () => {
    const channelId = freshChannel();
    await useModel(channelId, 'gpt-5');
    h.openai.chat.enqueue({ text: 'Quick.', reasoningTokens: 10 });
    const ia = h.command('ask', { prompt: 'Quick one' }, { channelId });
    await h.settled(ia);
    expect(ia.originalEdits.map((e) => e.body.content)).toEqual(['Quick.']);
  });

  test('thinking that uses up the allowance says so plainly, and is charged', async () => {
    const channelId = freshChannel();
    await useModel(channelId, 'o4-mini');
    // The fake's rough prompt count (characters / 4) would exceed the real tokenizer's: give OpenAI's exact one.
    h.openai.chat.enqueue({ text: 'never written', reasoningTokens: 100_000, usage: { prompt_tokens: 40 } });
    const ia = h.command('ask', { prompt: 'Prove the Riemann hypothesis' }, { channelId });
    await h.settled(ia);
    expect(ia.transcript()).toEqual(['The model spent its whole output allowance (8192 tokens) thinking and wrote no answer. Try a narrower question, or an admin can lower `/settings reasoning-effort`.']);
    expect(ledger(channelId)[0]).toMatchObject({ output: 8192 });
    expect(turns(channelId)).toEqual([]);
  });
});

test('a reasoning model\'s stream that breaks before any text may have thought at OpenAI\'s expense: charged its whole allowance', async () => {
  const channelId = freshChannel();
  await useModel(channelId, 'o4-mini');
  h.openai.chat.enqueue({ cutAfterChunks: 1, text: 'never sent' });
  const ia = h.command('ask', { prompt: 'Think hard' }, { channelId });
  await h.settled(ia);
  expect(ia.transcript()[0]).not.toBe('');
  expect(ledger(channelId)[0]).toMatchObject({ model: 'o4-mini', output: 8192 });
  expect(turns(channelId)).toEqual([]);
});

test('a reasoning model\'s stream that the server ends with an error event before any text costs nothing, like any server error before output', async () => {
  const channelId = freshChannel();
  await useModel(channelId, 'o4-mini');
  h.openai.chat.enqueue({ text: 'never sent', afterChunks: 0, streamError: { code: 500, message: 'The server had an error while processing your request.', type: 'server_error' } });
  const ia = h.command('ask', { prompt: 'Think hard' }, { channelId });
  await h.settled(ia);
  expect(ia.transcript()[0]).not.toBe('');
  expect(ia.transcript()[0]).not.toContain('processing your request');
  expect(ledger(channelId).reduce((sum, row) => sum + row.charged, 0)).toBe(0);
  expect(turns(channelId)).toEqual([]);
});

describe('local models that think out loud', () => {
  const thought = 'Okay, the user asks about tides. The moon pulls the oceans; the sun too. Let me explain simply. '.repeat(2);

  test.each(['think', 'think-close'] as const)('%s: the thinking never reaches the final answer or the history; "Show reasoning" reveals it ephemerally', async (field) => {
    const channelId = freshChannel();
    await useModel(channelId, 'deepseek-r1:8b');
    h.openai.chat.enqueue({ text: 'Tides come from the moon.', reasoning: thought, reasoningField: field, chunkDelayMs: 40 });
    const ia = h.command('ask', { prompt: 'Why are there tides?' }, { channelId });
    await h.settled(ia, 20_000);
    expect(ia.transcript()).toEqual(['Tides come from the moon.']);
    for (const edit of ia.originalEdits) expect(String(edit.body.content)).not.toContain('think>');
    for (const edit of ia.originalEdits) expect(String(edit.body.content)).not.toContain('the user asks');
    expect(turns(channelId)).toEqual([{ role: 'user', content: expect.stringMatching(/Why are there tides\?$/) }, { role: 'assistant', content: 'Tides come from the moon.' }]);

    h.openai.chat.enqueue({ text: 'Twice a day.' });
    await h.settled(h.command('ask', { prompt: 'How often?' }, { channelId }));
    const history = (h.openai.chat.lastRequest as unknown as Body).messages;
    expect(history.find((m) => m.role === 'assistant')?.content).toBe('Tides come from the moon.');

    const [button] = buttonsOf(ia.original());
    expect(button).toMatchObject({ label: 'Show reasoning', custom_id: expect.stringMatching(/^ask:reasoning:/) });
    const bob = { id: '520000000000000002', username: 'bob' };
    const click = h.discord.sendInteraction({ kind: 'button', customId: button!.custom_id, messageId: ia.original()!.id, channelId, user: bob });
    await h.settled(click);
    const reply = click.callbacks[0]!.data as { content: string; flags: number };
    expect(click.callbacks[0]!.type).toBe(4);
    expect(reply.flags & EPHEMERAL).toBe(EPHEMERAL);
    expect(reply.content).toBe(`**The model's reasoning before its answer** (only you see this):\n${thought.trim()}`);
  });

  test('the thinking line shows while inside <think>, and is replaced by the answer', async () => {
    const channelId = freshChannel();
    await useModel(channelId, 'deepseek-r1:8b');
    h.openai.chat.enqueue({ text: 'Done thinking.', reasoning: 'hmm '.repeat(60), reasoningField: 'think', chunkDelayMs: 60 });
    const ia = h.command('ask', { prompt: 'Think a while' }, { channelId });
    await h.settled(ia, 20_000);
    const edits = ia.originalEdits.map((e) => String(e.body.content));
    expect(edits[0]).toMatch(THINKING_EN);
    expect(edits.at(-1)).toBe('Done thinking.');
  });

  test('reasoning_content deltas get the button too; a long reasoning comes in ephemeral 2,000-character messages', async () => {
    const channelId = freshChannel();
    await useModel(channelId, 'deepseek-r1:8b');
    const long = Array.from({ length: 250 }, (_, n) => `Step ${n}: consider the next case carefully.`).join('\n');
    h.openai.chat.enqueue({ text: 'Answer.', reasoning: long, reasoningField: 'reasoning_content' });
    const ia = h.command('ask', { prompt: 'A hard one' }, { channelId });
    await h.settled(ia);
    const [button] = buttonsOf(ia.original());
    const click = h.discord.sendInteraction({ kind: 'button', customId: button!.custom_id, messageId: ia.original()!.id, channelId });
    await h.settled(click);
    const parts = [(click.callbacks[0]!.data as { content: string }).content, ...click.followUps.map((m) => m.content)];
    expect(parts.length).toBeGreaterThanOrEqual(3);
    for (const part of parts) expect([...part].length).toBeLessThanOrEqual(2000);
    for (const followUp of click.followUps) expect((followUp.flags ?? 0) & EPHEMERAL).toBe(EPHEMERAL);
    expect(parts.join('\n')).toContain('Step 0: consider');
    expect(parts.at(-1)).toMatch(/-# … [\d,]+ more characters of reasoning were not kept\.$/);
    expect(parts.join('\n')).not.toContain('Step 249');
  });

  test.each([
    ['en-US', 'This reasoning is no longer kept: the bot keeps it for 60 minutes after the answer, and forgets it when it restarts.'],
    ['zh-TW', '這段思考過程已不再保留：機器人只在回答後保留 60 分鐘，重新啟動後也會忘記。'],
  ])('past its time the button gets a plain reply (%s)', async (locale, expired) => {
    const channelId = freshChannel();
    await useModel(channelId, 'deepseek-r1:8b');
    h.openai.chat.enqueue({ text: 'Yes.', reasoning: 'Short thought.', reasoningField: 'think' });
    const ia: FakeInteraction = h.command('ask', { prompt: 'Is it?' }, { channelId });
    await h.settled(ia);
    const [button] = buttonsOf(ia.original());
    skewMs += REASONING_KEEP_MS + 1000;
    const click = h.discord.sendInteraction({ kind: 'button', customId: button!.custom_id, messageId: ia.original()!.id, channelId, locale });
    await h.settled(click);
    expect(click.callbacks[0]!.data).toMatchObject({ content: expired, flags: EPHEMERAL });
  });

  test('a mention answered by a thinking model: clean reply, button on the channel message', async () => {
    const channelId = freshChannel();
    await useModel(channelId, 'deepseek-r1:8b');
    h.openai.chat.enqueue({ text: 'Hello from R1.', reasoning: 'They said hi.', reasoningField: 'think' });
    h.discord.sendMessage({ channelId, content: `<@${h.discord.botUser.id}> hi` });
    await h.repliedIn([channelId]);
    const reply = h.discord.channelMessages(channelId).find((m) => m.author.id === h.discord.botUser.id)!;
    expect(reply.content).toBe('Hello from R1.');
    expect(buttonsOf(reply)[0]).toMatchObject({ custom_id: expect.stringMatching(/^ask:reasoning:/) });
  });
});

test('a reasoning model\'s answer withheld by a content filter, from a server that sends no usage, was still thought through at OpenAI\'s expense: charged its whole allowance', async () => {
  const channelId = freshChannel();
  await useModel(channelId, 'o4-mini');
  h.openai.compat = { noUsage: true };
  h.openai.chat.enqueue({ text: '', finishReason: 'content_filter', reasoningTokens: 3000 });
  const ia = h.command('ask', { prompt: 'Something the filter stops' }, { channelId });
  await h.settled(ia);
  expect(ia.transcript()[0]).not.toBe('');
  expect(ledger(channelId)[0]).toMatchObject({ model: 'o4-mini', output: 8192 });
  expect(turns(channelId)).toEqual([]);
});
