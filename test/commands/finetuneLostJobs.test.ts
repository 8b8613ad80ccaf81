/**
 * Fine-tuning jobs OpenAI no longer knows (a 404: the API key, organisation or base URL changed since they started):
 * logged once, asked hourly, settled as lost after a week of nothing but 404s, and followed again if OpenAI knows them again.
 * The harness's clock passes the days; the fake OpenAI answers 404 for a job taken out of its table.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MISSING_JOB_LOST_AFTER_MS, MISSING_JOB_RECHECK_MS } from '../../src/services/finetune/limits.ts';
import type { CatalogueLanguage } from '../../src/services/i18n.ts';
import { formatUsd } from '../../src/services/pricing/index.ts';
import { BotHarness, channelPool } from '../support/botHarness.ts';
import type { FakeInteraction, FakeInteractionSpec } from '../support/fakeDiscord.ts';

const MANAGE_GUILD = String(1n << 5n);
const MODEL = 'gpt-4o-mini-2024-07-18';
const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
/** The tutorial's examples are enough: OpenAI needs ten. */
const TRAINING_JSONL = Buffer.from(`${Array.from({ length: 10 }, (_, n) => `{"messages": [{"role": "user", "content": "誰最帥 ${n}"}, {"role": "assistant", "content": "Aaron${n}"}]}`).join('\n')}\n`);

let clock = Date.parse('2026-11-02T09:00:00Z');
let h: BotHarness;
beforeAll(async () => { h = await BotHarness.start({ now: () => clock }); });
afterAll(async () => { await h?.close(); });

let seq = 0;
const freshChannel = channelPool(1);
/** A fresh admin and channel per test keep ledgers and notices apart. */
const fresh = () => {
  seq += 1;
  return { user: { id: `53000000000000${String(seq).padStart(4, '0')}`, username: `admin${seq}` }, channelId: freshChannel() };
};

async function finetune(subcommand: string, options: FakeInteractionSpec['options'], spec: Partial<FakeInteractionSpec>): Promise<string> {
  const i: FakeInteraction = h.command('finetune', options, { subcommand, permissions: MANAGE_GUILD, ...spec });
  await h.settled(i);
  const first = i.callbacks[0]!;
  return first.type === 4 ? (first.data as { content: string }).content : i.transcript().join('\n');
}

/** Uploads, starts a job and takes it out of the fake: OpenAI answers 404 for it from now on. */
async function startLostJob(spec: Partial<FakeInteractionSpec>) {
  const uploaded = await finetune('upload', { file: { filename: 'data.jsonl', contentType: 'application/jsonl', data: TRAINING_JSONL } }, spec);
  const fileId = /`(file-[\w-]+)`/.exec(uploaded)![1]!;
  const started = await finetune('start', { file: fileId, model: MODEL, epochs: 2 }, spec);
  const jobId = /`(ftjob-[\w-]+)`/.exec(started)![1]!;
  const entry = h.openai.fineTuning.jobs.get(jobId)!;
  h.openai.fineTuning.jobs.delete(jobId);
  return { jobId, comeBack: () => h.openai.fineTuning.jobs.set(jobId, entry) };
}

const poll = () => h.bot.ctx.services.fineTunes.tracker.checkAll();
/** Moves the clock on, then runs one poll (the bot's minute timer, run by hand). */
const pollAfter = async (ms: number) => {
  clock += ms;
  await poll();
};
const asked = (jobId: string) => h.openai.requests.filter((r) => r.method === 'GET' && r.path === `/v1/fine_tuning/jobs/${jobId}`).length;
const ledgerRows = (userId: string) => h.bot.ctx.db.prepare(`SELECT state, reserved_micros AS reserved, charged_micros AS charged FROM ledger
  WHERE user_id = ? AND command = 'finetune' ORDER BY id`).all(userId) as { state: string; reserved: number; charged: number | null }[];
const notices = (channelId: string) => h.discord.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${channelId}/messages`)
  .map((r) => r.body as { content: string; allowed_mentions: unknown });
const logged = (jobId: string, msg: RegExp) => h.logs().filter((line) => line.jobId === jobId && msg.test(String(line.msg)));
const discordTime = (ms: number) => `<t:${Math.floor(ms / 1000)}:f>`;

describe('a fine-tuning job OpenAI answers 404 for', () => {
  test('is logged once, asked hourly instead of every minute, then settled as lost after a week: charged its reservation, told once, never asked again', async () => {
    const { user, channelId } = fresh();
    const { jobId } = await startLostJob({ user, channelId });
    const [reservation] = ledgerRows(user.id);
    expect(reservation).toMatchObject({ state: 'reserved' });
    const firstAt = clock;
    const before = asked(jobId);

    await poll();
    expect(asked(jobId)).toBe(before + 1);
    // An hour of minute polls asks OpenAI nothing more about it.
    for (let minute = 1; minute < 60; minute++) await pollAfter(MINUTE_MS);
    expect(asked(jobId)).toBe(before + 1);
    await pollAfter(MINUTE_MS);
    expect(asked(jobId)).toBe(before + 2);
    // Once in the log, with when it will be settled; the per-check warning is gone.
    expect(logged(jobId, /^OpenAI answers 404 for a fine-tuning job/)).toMatchObject([{ level: 40, lostAt: new Date(firstAt + MISSING_JOB_LOST_AFTER_MS).toISOString() }]);
    expect(logged(jobId, /^could not check a fine-tuning job/)).toEqual([]);

    // Just short of a week: still held, and status says until when.
    clock = firstAt + MISSING_JOB_LOST_AFTER_MS - 30 * MINUTE_MS;
    await poll();
    expect(ledgerRows(user.id)).toMatchObject([{ state: 'reserved' }]);
    expect(notices(channelId)).toEqual([]);
    const waiting = await finetune('status', { job: jobId }, { user, channelId });
    expect(waiting).toContain(`It has answered so since ${discordTime(firstAt)}; I ask again every 60 minutes. Its reservation of ${formatUsd(reservation!.reserved)} stays held`);
    expect(waiting).toContain(`if it still has no such job on ${discordTime(firstAt + MISSING_JOB_LOST_AFTER_MS)}, the job is settled as lost`);

    // A week of nothing but 404s: charged as reserved (never released), one notice in its channel, one log line.
    await pollAfter(HOUR_MS);
    const lostAt = clock;
    expect(ledgerRows(user.id)).toEqual([{ state: 'settled', reserved: reservation!.reserved, charged: reservation!.reserved }]);
    const [notice, ...more] = notices(channelId);
    expect(more).toEqual([]);
    expect(notice).toEqual({
      content: `⚠️ Fine-tuning job \`${jobId}\` is lost: for 7 days (since ${discordTime(firstAt)}) OpenAI has answered that it has no such job for the API key the bot uses now (the key, organisation or AI service changed since it started). Its reservation of ${formatUsd(reservation!.reserved)} has been charged, because the job may still have trained, and been billed, under the key that started it. I no longer check it. The bot's host can look for it in the old key's organisation on OpenAI's site.`,
      allowed_mentions: { parse: [] },
    });
    expect(logged(jobId, /^fine-tuning job unknown to OpenAI for a week/)).toMatchObject([{ level: 40, chargedMicros: reservation!.reserved }]);

    // Never asked again: not by the poll, not by status, cancel or use, which say plainly what happened.
    const settledAsks = asked(jobId);
    await pollAfter(HOUR_MS);
    await pollAfter(2 * HOUR_MS);
    const status = await finetune('status', { job: jobId }, { user, channelId });
    expect(status.startsWith(`⚠️ Job \`${jobId}\` is lost: since ${discordTime(firstAt)} OpenAI has had no such job for the API key the bot uses now, so on ${discordTime(lostAt)}, after 7 days, I stopped checking it and charged its reservation of ${formatUsd(reservation!.reserved)}`)).toBe(true);
    expect(status).toContain(`Fine-tuning job \`${jobId}\`: **lost**`);
    expect(status).toContain(`Charged: ${formatUsd(reservation!.reserved)}.`);
    expect(await finetune('cancel', { job: jobId }, { user, channelId })).toMatch(new RegExp(`^I can't cancel \`${jobId}\`: it is lost\\. .*the bot's host can cancel it on OpenAI's site`));
    expect(await finetune('use', { job: jobId }, { user, channelId })).toMatch(new RegExp(`^\`${jobId}\` has no model I can use: it is lost\\.`));
    expect(await finetune('list', {}, { user, channelId })).toContain(`\`${jobId}\` · lost ·`);
    expect(asked(jobId)).toBe(settledAsks);
    expect(notices(channelId)).toHaveLength(1);
    expect(ledgerRows(user.id)).toEqual([{ state: 'settled', reserved: reservation!.reserved, charged: reservation!.reserved }]);
  });

  test('that OpenAI knows again (the key put back) is followed every minute again, and never settled as lost', async () => {
    const { user, channelId } = fresh();
    const { jobId, comeBack } = await startLostJob({ user, channelId });
    const firstAt = clock;
    await poll();
    await pollAfter(HOUR_MS);
    comeBack();
    const before = asked(jobId);
    // Still on the hourly pace until its next check finds it.
    await pollAfter(MINUTE_MS);
    expect(asked(jobId)).toBe(before);
    await pollAfter(HOUR_MS);
    expect(asked(jobId)).toBe(before + 1);
    expect(logged(jobId, /^OpenAI knows the fine-tuning job again/)).toHaveLength(1);
    await pollAfter(MINUTE_MS);
    expect(asked(jobId)).toBe(before + 2);

    // Past the week its 404s began, it is still followed, and settled by what it trained when it finishes.
    clock = firstAt + MISSING_JOB_LOST_AFTER_MS + HOUR_MS;
    await poll();
    expect(ledgerRows(user.id)).toMatchObject([{ state: 'reserved' }]);
    h.openai.fineTuning.advance(jobId, 'running');
    h.openai.fineTuning.advance(jobId, 'succeeded');
    await pollAfter(MINUTE_MS);
    expect(ledgerRows(user.id)).toMatchObject([{ state: 'settled' }]);
    expect(notices(channelId)).toMatchObject([{ content: expect.stringMatching(/^✅ Fine-tuning job `.+` finished/) }]);
    expect(logged(jobId, /^fine-tuning job unknown to OpenAI for a week/)).toEqual([]);
  });

  test('a 404 run survives a restart: not logged again, still asked hourly, the days already waited still count', async () => {
    const { user, channelId } = fresh();
    const { jobId } = await startLostJob({ user, channelId });
    const firstAt = clock;
    await poll();
    await h.restart();
    const before = asked(jobId);
    await pollAfter(MINUTE_MS);
    expect(asked(jobId)).toBe(before);
    clock = firstAt + MISSING_JOB_LOST_AFTER_MS;
    await poll();
    expect(logged(jobId, /^OpenAI answers 404 for a fine-tuning job/)).toHaveLength(1);
    expect(ledgerRows(user.id)).toMatchObject([{ state: 'settled' }]);
    expect(notices(channelId)).toHaveLength(1);
  });

  test.each([
    ['a 500', { error: 'server_error', headers: { 'retry-after-ms': '10' } }],
    ['a dropped connection', { drop: true }],
  ] as const)('an hourly check answered with %s neither resets nor delays its week, nor counts as a 404: it keeps the hourly pace', async (_, failure) => {
    const { user, channelId } = fresh();
    const { jobId } = await startLostJob({ user, channelId });
    const firstAt = clock;
    await poll();
    const missingSince = () => h.bot.ctx.db.prepare('SELECT missing_since FROM fine_tune_jobs WHERE job_id = ?').pluck().get(jobId);
    expect(missingSince()).toBe(firstAt);
    // Each check that gets no answer is tried OPENAI_MAX_RETRIES (2) times more by the SDK: three requests.
    const failOnce = () => h.openai.fineTuning.enqueueRetrieve({ ...failure, times: 3 });

    for (let hour = 1; hour <= 2; hour++) {
      failOnce();
      const before = asked(jobId);
      await pollAfter(HOUR_MS);
      expect(asked(jobId)).toBe(before + 3);
      // An hour of minute polls asks OpenAI nothing more about it (it used to be asked again every minute).
      for (let minute = 1; minute < 60; minute++) await pollAfter(MINUTE_MS);
      expect(asked(jobId)).toBe(before + 3);
      // The run of 404s still began at the first one.
      expect(missingSince()).toBe(firstAt);
      expect(ledgerRows(user.id)).toMatchObject([{ state: 'reserved' }]);
    }
    expect(logged(jobId, /^could not check a fine-tuning job/)).toHaveLength(2);
    expect(logged(jobId, /^OpenAI knows the fine-tuning job again/)).toEqual([]);

    // At the week's end a check with no answer does not settle it; the next hour's 404 does, counted from the first 404.
    clock = firstAt + MISSING_JOB_LOST_AFTER_MS;
    failOnce();
    await poll();
    expect(ledgerRows(user.id)).toMatchObject([{ state: 'reserved' }]);
    expect(notices(channelId)).toEqual([]);
    await pollAfter(MINUTE_MS);
    expect(ledgerRows(user.id)).toMatchObject([{ state: 'reserved' }]);
    await pollAfter(HOUR_MS);
    const [reservation] = ledgerRows(user.id);
    expect(reservation).toMatchObject({ state: 'settled', charged: reservation!.reserved });
    expect(notices(channelId)).toMatchObject([{ content: expect.stringContaining(`since ${discordTime(firstAt)}`) }]);
    expect(logged(jobId, /^OpenAI answers 404 for a fine-tuning job/)).toHaveLength(1);
  }, 60_000);

  test.each<[CatalogueLanguage, string, string, string, string]>([
    ['en', '⚠️ Fine-tuning job `%s` is lost: for 7 days', '⚠️ Job `%s` is lost:', "I can't cancel `%s`: it is lost.", '`%s` has no model I can use: it is lost.'],
    ['zh-TW', '⚠️ 微調任務 `%s` 已遺失：7 天來', '⚠️ 任務 `%s` 已遺失：', '無法取消 `%s`：這個任務已遺失。', '`%s` 沒有可用的模型：這個任務已遺失。'],
    ['zh-CN', '⚠️ 微调任务 `%s` 已丢失：7 天来', '⚠️ 任务 `%s` 已丢失：', '无法取消 `%s`：这个任务已丢失。', '`%s` 没有可用的模型：这个任务已丢失。'],
    ['ja', '⚠️ ファインチューニングジョブ `%s` は行方不明です：7 日間', '⚠️ ジョブ `%s` は行方不明です：', '`%s` を取り消せません：このジョブは行方不明です。', '`%s` には使えるモデルがありません：このジョブは行方不明です。'],
  ])('(%s) the notice, status, cancel and use of a lost job are in the admin\'s language and name the charge', async (locale, noticeStart, statusStart, cancelStart, useStart) => {
    const { user, channelId } = fresh();
    const spec = { user, channelId, locale };
    const { jobId } = await startLostJob(spec);
    const firstAt = clock;
    await poll();
    clock = firstAt + MISSING_JOB_LOST_AFTER_MS + MISSING_JOB_RECHECK_MS;
    await poll();
    const cost = formatUsd(ledgerRows(user.id)[0]!.charged!);
    const [notice] = notices(channelId);
    expect(notice!.content.startsWith(noticeStart.replace('%s', jobId))).toBe(true);
    expect(notice!.content).toContain(cost);
    for (const [subcommand, start] of [['status', statusStart], ['cancel', cancelStart], ['use', useStart]] as const) {
      const reply = await finetune(subcommand, { job: jobId }, spec);
      expect(reply.startsWith(start.replace('%s', jobId))).toBe(true);
      expect(reply).toContain(cost);
      expect(reply).toContain(discordTime(firstAt));
    }
  });
});
