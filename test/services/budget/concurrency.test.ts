import { PermissionFlagsBits } from 'discord.js';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { formatUsd } from '../../../src/services/pricing/index.ts';
import { BotHarness } from '../../support/botHarness.ts';
import type { FakeInteraction } from '../../support/fakeDiscord.ts';

const clock = Date.parse('2027-06-15T10:00:00Z');
let h: BotHarness;
// No retries, so a failing call fails at once; no bot-wide default, so only the limits set here apply.
beforeAll(async () => { h = await BotHarness.start({ env: { OPENAI_MAX_RETRIES: '0' }, now: () => clock }); });
afterAll(async () => { await h?.close(); });
beforeEach(() => { h.openai.reset(); });

type LedgerRow = { state: string; model: string; reserved_micros: number; charged_micros: number; input_tokens: number | null; cached_tokens: number | null; output_tokens: number | null };
const db = () => h.bot.ctx.db;
const rowsOf = (userId: string) => db().prepare('SELECT * FROM ledger WHERE user_id = ? ORDER BY id').all(userId) as LedgerRow[];
/** What counts against a limit right now: settled charges plus open reservations. */
const committed = (userId: string) => db().prepare("SELECT COALESCE(SUM(charged_micros), 0) FROM ledger WHERE user_id = ? AND state != 'released'").pluck().get(userId) as number;

let userSeq = 0;
const newMember = () => ({ id: `5400000000000${String(++userSeq).padStart(5, '0')}`, username: `member${userSeq}` });
const ask = (user: { id: string; username: string }) => h.command('ask', { prompt: 'What is a token?', private: true }, { user });
async function usageText(user: { id: string; username: string }): Promise<string> {
  const i = h.command('usage', {}, { user });
  await h.settled(i);
  return i.original()!.content;
}

describe('the ledger under the real pipeline', () => {
  test('50 simultaneous /ask from a member whose budget covers exactly three worst-case calls: 3 answered, 47 refused, limit never passed', async () => {
    const member = newMember();
    // A first call shows what this exact question reserves (its worst case), as /ask computes it.
    h.openai.chat.setDefault({ text: 'Probe.' });
    await h.settled(ask(member));
    const [probe] = rowsOf(member.id);
    const worst = probe!.reserved_micros;
    const spentBefore = probe!.charged_micros;
    const limit = spentBefore + 3 * worst;
    const set = h.command('budget', { user: member.id, amount: formatUsd(limit), period: 'day' }, { subcommand: 'set-user', permissions: String(PermissionFlagsBits.ManageGuild) });
    await h.settled(set);
    expect((set.callbacks[0]!.data as { content: string }).content).toContain(`none → ${formatUsd(limit)} a day`);

    // Usage that costs exactly the worst case, so each answered call settles at what it reserved.
    const { pricing } = h.bot.ctx.services;
    const maxOutput = h.bot.ctx.config.maxOutputTokens;
    const promptTokens = Array.from({ length: 50_000 }, (_, n) => n).find((n) => pricing.chatCost(probe!.model, { promptTokens: n, completionTokens: maxOutput, cachedTokens: 0 }) === worst);
    expect(promptTokens).toBeDefined();
    h.openai.reset();
    h.openai.chat.setDefault({ text: 'Answered.', delayMs: 200, usage: { prompt_tokens: promptTokens!, completion_tokens: maxOutput } });

    let highest = 0;
    const sampler = setInterval(() => { highest = Math.max(highest, committed(member.id)); }, 5);
    const burst: FakeInteraction[] = Array.from({ length: 50 }, () => ask(member));
    await Promise.all(burst.map((i) => h.settled(i, 15_000)));
    clearInterval(sampler);

    const answers = burst.map((i) => i.transcript()[0] ?? '');
    expect(answers.filter((a) => a === 'Answered.')).toHaveLength(3);
    const refusals = answers.filter((a) => a !== 'Answered.');
    expect(refusals).toHaveLength(47);
    for (const refusal of refusals) {
      expect(refusal).toMatch(/^You have used \$[\d.]+ of your own limit \(\$[\d.]+ a day\), and this request could cost up to \$[\d.]+\. It resets <t:\d+:R>\.$/);
      expect(refusal).toContain(`(${formatUsd(limit)} a day)`);
    }
    for (const i of burst) expect(((i.callbacks[0]!.data as { flags?: number }).flags ?? 0) & 64).toBe(64);
    expect(h.openai.chat.requests).toHaveLength(3);

    const rows = rowsOf(member.id);
    expect(rows.map((r) => r.state)).toEqual(['settled', 'settled', 'settled', 'settled']);
    const settled = rows.reduce((sum, r) => sum + r.charged_micros, 0);
    expect(settled).toBe(limit);
    expect(highest).toBeGreaterThan(spentBefore); // the sampler saw the burst
    expect(highest).toBeLessThanOrEqual(limit);
  }, 20_000);

  test('streamed usage settles the real cost: prompt, cached and output tokens at their prices', async () => {
    const member = newMember();
    h.openai.chat.enqueue({ text: 'A streamed answer.', chunks: ['A ', 'streamed ', 'answer.'], usage: { prompt_tokens: 1000, completion_tokens: 500, cached_tokens: 200 } });
    await h.settled(ask(member));
    expect((h.openai.chat.lastRequest as { stream?: boolean; stream_options?: unknown })).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    const [row] = rowsOf(member.id);
    // gpt-4o-mini per 1M tokens: $0.15 input, $0.075 cached, $0.60 output → 800×0.15 + 200×0.075 + 500×0.60 = 435 µ$.
    expect(row).toMatchObject({ state: 'settled', charged_micros: 435, input_tokens: 1000, cached_tokens: 200, output_tokens: 500 });
    expect(row!.reserved_micros).toBeGreaterThan(435);
    expect(await usageText(member)).toContain('`/ask` $0.000435 (1 call)');
  });

  test.each([
    ['a 500 from the server', { error: 'server_error', status: 500 } as const, /internal error/],
    ['insufficient_quota', { error: 'insufficient_quota' } as const, /out of credit/],
  ])('a failed call (%s) releases its reservation and costs nothing', async (_name, failure, shown) => {
    const member = newMember();
    h.openai.chat.enqueue(failure);
    const i = ask(member);
    await h.settled(i);
    expect(i.transcript()[0]).toMatch(shown);
    expect(rowsOf(member.id)).toMatchObject([{ state: 'released', charged_micros: 0 }]);
    expect(committed(member.id)).toBe(0);
    expect(await usageText(member)).toContain('Spent this month: **$0.00**');
  });

  test('a reservation left open by a crash is charged as reserved when the bot starts again, and /usage says so', async () => {
    const member = newMember();
    const reserved = h.bot.ctx.services.ledger.reserve(
      { guildId: h.bot.ctx.config.devGuildId ?? null, userId: member.id, roleIds: [], channelId: null },
      { command: 'ask', model: 'gpt-4o-mini', worstCaseMicros: 1_000_000 },
    );
    expect(reserved.ok).toBe(true);
    expect(await usageText(member)).toContain('Spent this month: **$1.00**'); // an open reservation counts until settled
    await h.restart();
    expect(rowsOf(member.id)).toMatchObject([{ state: 'settled', charged_micros: 1_000_000 }]);
    const line = h.logs().find((l) => l.msg === 'interrupted calls: a bot process stopped without settling them (killed, crashed, or past the shutdown wait); charged as reserved, since OpenAI most likely billed them');
    expect(line).toMatchObject({ level: 40, charged: 1, chargedMicros: 1_000_000, calls: [{ userId: member.id, command: 'ask', reservedMicros: 1_000_000 }] });
    const shown = await usageText(member);
    expect(shown).toContain('Spent this month: **$1.00**');
    expect(shown).toContain('`/ask` $1.00 (1 call, 1 interrupted: charged as reserved)');
    expect(shown).toMatch(/Interrupted: the bot stopped in the middle of the call .* charged as reserved/);
  });
});
