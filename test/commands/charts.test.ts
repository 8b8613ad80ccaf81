import { InteractionResponseType, MessageFlags, PermissionFlagsBits } from 'discord.js';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import type { PlannedChart } from '../../src/services/charts/spendCharts.ts';
import { CHART_HEIGHT, CHART_WIDTH } from '../../src/services/charts/render.ts';
import { BotHarness } from '../support/botHarness.ts';
import { DEFAULT_GUILD_ID, DEFAULT_OWNER_ID, type FakeInteraction, type FakeInteractionSpec } from '../support/fakeDiscord.ts';

const clock = Date.parse('2027-03-10T10:00:00Z');
let h: BotHarness;
beforeAll(async () => { h = await BotHarness.start({ env: { DEFAULT_BUDGET_USD: '1', BOT_LIMIT_USD: '50' }, now: () => clock }); });
afterAll(async () => { await h?.close(); });
afterEach(() => { vi.restoreAllMocks(); });

let userSeq = 0;
function newMember(name: string) {
  const user = { id: `5700000000000${String(++userSeq).padStart(5, '0')}`, username: `${name}${userSeq}` };
  h.discord.state.upsertUser(user);
  return user;
}
async function run(spec: FakeInteractionSpec): Promise<FakeInteraction> {
  const i = h.discord.sendInteraction({ guildId: DEFAULT_GUILD_ID, ...spec });
  await h.settled(i);
  return i;
}
async function spend(user: { id: string; username: string }, calls = 1): Promise<void> {
  h.openai.chat.setDefault({ text: 'ok', usage: { prompt_tokens: 1000, completion_tokens: 1000 } });
  for (let n = 0; n < calls; n += 1) await run({ commandName: 'ask', options: { prompt: 'Hi?', private: true }, user });
}
const usage = (user: { id: string; username: string }, locale = 'en-US') => run({ commandName: 'usage', user, locale });
const budgetShow = (locale = 'en-US') => run({ commandName: 'budget', subcommand: 'show', user: newMember('admin'), permissions: String(PermissionFlagsBits.ManageGuild), locale });
const operatorStatus = () => run({ commandName: 'operator', subcommand: 'status', user: { id: DEFAULT_OWNER_ID, username: 'owner' } });

/** The width and height a PNG declares in its IHDR chunk, after checking the PNG signature. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
  expect(png.toString('latin1', 12, 16)).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** Deferred (privately) at once, then one edit carrying the text and the chart as a multipart upload. */
function expectChartReply(i: FakeInteraction, fileName: string): { description: string; content: string } {
  expect(i.callbacks[0]).toMatchObject({ type: InteractionResponseType.DeferredChannelMessageWithSource, data: { flags: MessageFlags.Ephemeral } });
  const edit = i.originalEdits.at(-1)!;
  expect(edit.files).toHaveLength(1);
  expect(edit.files[0]).toMatchObject({ field: 'files[0]', filename: fileName, contentType: 'image/png' });
  expect(pngSize(edit.files[0]!.data)).toEqual({ width: CHART_WIDTH, height: CHART_HEIGHT });
  const [attachment] = edit.body.attachments as { id: string; description: string }[];
  expect(attachment!.id).toBe('0');
  expect(attachment!.description.length).toBeGreaterThan(20);
  const message = i.original()!;
  expect(message.flags! & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
  expect(message.attachments).toEqual([expect.objectContaining({ filename: fileName, width: CHART_WIDTH, height: CHART_HEIGHT, description: attachment!.description })]);
  expect(edit.body.allowed_mentions).toEqual({ parse: [] });
  return { description: attachment!.description, content: message.content };
}

describe('charts in the replies', () => {
  test('/usage attaches the member\'s chart, fed exactly what the ledger holds for them', async () => {
    const amy = newMember('amy');
    await spend(amy, 2);
    const draw = vi.spyOn(h.bot.ctx.services.charts, 'draw');
    const i = await usage(amy);
    const { content, description } = expectChartReply(i, 'member-spending.png');
    expect(content).toMatch(/^\*\*Your spending in this server\*\*/);
    expect(description).toMatch(/^Bar chart of your spending per day from /);
    const planned = draw.mock.calls[0]![0] as PlannedChart;
    const ledgerTotal = h.bot.ctx.db.prepare("SELECT SUM(charged_micros) FROM ledger WHERE user_id = ? AND state != 'released'").pluck().get(amy.id);
    expect(planned.series.totalMicros).toBe(ledgerTotal);
    expect(planned.series.stacks.map((s) => s.key)).toEqual(['ask']);
  });

  test('/budget show attaches the server\'s chart by member, in the reader\'s language (zh-TW)', async () => {
    await spend(newMember('bo'));
    const i = await budgetShow('zh-TW');
    const { content, description } = expectChartReply(i, 'server-spending.png');
    expect(content).toMatch(/^\*\*本伺服器的花費額度\*\*/);
    expect(description).toMatch(/^長條圖：本伺服器從 /);
  });

  test('/operator status attaches the bot\'s chart by server, in Japanese for a Japanese reader', async () => {
    await spend(newMember('cy'));
    const draw = vi.spyOn(h.bot.ctx.services.charts, 'draw');
    const i = await run({ commandName: 'operator', subcommand: 'status', user: { id: DEFAULT_OWNER_ID, username: 'owner' }, locale: 'ja' });
    const { description } = expectChartReply(i, 'bot-spending.png');
    expect(description).toMatch(/^棒グラフ：/);
    const planned = draw.mock.calls[0]![0] as PlannedChart;
    expect(planned.spec.title).toMatch(/^ボット全体の1日ごとの利用額/);
    expect(planned.spec.limit!.label).toContain('$50.00');
    const today = h.bot.ctx.db.prepare("SELECT SUM(charged_micros) FROM ledger WHERE state != 'released' AND created_at >= ?").pluck().get(Date.parse('2027-03-10T00:00:00Z'));
    expect(planned.series.dayTotals.at(-1)).toBe(today);
    expect((await operatorStatus()).originalEdits.at(-1)!.files).toHaveLength(1);
  });

  test('a member who spent nothing gets the text alone, and no chart is drawn', async () => {
    const i = await usage(newMember('idle'));
    expect(i.originalEdits.at(-1)!.files).toHaveLength(0);
    expect(i.original()!.attachments).toEqual([]);
    expect(i.original()!.content).toContain('No paid commands used');
  });

  test('a chart that fails to draw still delivers the text reply, and the failure is logged once', async () => {
    const dee = newMember('dee');
    await spend(dee);
    vi.spyOn(h.bot.ctx.services.charts, 'draw').mockRejectedValueOnce(new Error('the canvas exploded'));
    const linesBefore = h.logLines.length;
    const i = await usage(dee);
    expect(i.original()!.content).toMatch(/^\*\*Your spending in this server\*\*/);
    expect(i.original()!.attachments).toEqual([]);
    const failures = h.logs().slice(linesBefore).filter((line) => JSON.stringify(line).includes('the canvas exploded'));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ level: 40, command: 'usage' });
    // The next one draws again.
    expect((await usage(dee)).originalEdits.at(-1)!.files).toHaveLength(1);
  });
});
