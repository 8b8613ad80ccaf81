/**
 * `/finetune start` when OpenAI's answer to the job create is lost: a create that reached OpenAI starts hours of
 * paid training, so it is never sent twice; the job it made is found in OpenAI's list and followed, or kept
 * reserved as unconfirmed until the list says. Real SDK against the fake, real discord.js for the command.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { formatUsd } from '../../src/services/pricing/index.ts';
import { TRAINING_UPLOAD_TIMEOUT_MS, UNCONFIRMED_RELEASE_AFTER_MS } from '../../src/services/finetune/limits.ts';
import { BotHarness, TEST_CHANNEL_IDS } from '../support/botHarness.ts';
import type { FakeInteractionSpec } from '../support/fakeDiscord.ts';

const MANAGE_GUILD = String(1n << 5n);
const MODEL = 'gpt-4o-mini-2024-07-18';
/** Short, so a create the fake holds without answering times out within the test. */
const TIMEOUT_MS = 1_500;
const JOBS = '/v1/fine_tuning/jobs';

const EXAMPLES = Array.from({ length: 10 }, (_, n) => `{"messages": [{"role": "user", "content": "q${n}"}, {"role": "assistant", "content": "a${n}"}]}`);
const JSONL = Buffer.from(`${EXAMPLES.join('\n')}\n`);

let h: BotHarness;
beforeAll(async () => { h = await BotHarness.start({ env: { OPENAI_TIMEOUT_MS: String(TIMEOUT_MS) } }); });
afterAll(async () => { await h?.close(); });

let userSeq = 0;
const freshAdmin = () => ({ id: `53000000000000${String(++userSeq).padStart(4, '0')}`, username: `admin${userSeq}` });

async function finetune(subcommand: string, options: FakeInteractionSpec['options'], spec: Partial<FakeInteractionSpec> = {}): Promise<string> {
  const i = h.command('finetune', options, { subcommand, permissions: MANAGE_GUILD, ...spec });
  await h.settled(i, 20_000);
  return i.transcript().join('\n');
}

async function upload(): Promise<string> {
  const reply = await finetune('upload', { file: { filename: 'data.jsonl', contentType: 'application/jsonl', data: JSONL } });
  return /`(file-[\w-]+)`/.exec(reply)![1]!;
}

/** Uploads a file, scripts the next creates (and lists), runs `/finetune start` and counts what reached the fake. */
async function start(script: { create?: Parameters<typeof h.openai.fineTuning.enqueueCreate>; list?: Parameters<typeof h.openai.fineTuning.enqueueList> }, spec: Partial<FakeInteractionSpec> = {}) {
  const fileId = await upload();
  const jobsBefore = new Set(h.openai.fineTuning.jobs.keys());
  const createsBefore = h.openai.requests.filter((r) => r.method === 'POST' && r.path === JOBS).length;
  h.openai.fineTuning.enqueueCreate(...(script.create ?? []));
  h.openai.fineTuning.enqueueList(...(script.list ?? []));
  const reply = await finetune('start', { file: fileId, model: MODEL, epochs: 2 }, spec);
  const made = [...h.openai.fineTuning.jobs.keys()].filter((id) => !jobsBefore.has(id));
  const creates = h.openai.requests.filter((r) => r.method === 'POST' && r.path === JOBS).slice(createsBefore);
  return { fileId, reply, made, creates };
}

type LedgerRow = { state: string; reserved: number; charged: number };
const ledgerRows = (userId: string) => h.bot.ctx.db.prepare(`SELECT state, reserved_micros AS reserved, charged_micros AS charged FROM ledger
  WHERE user_id = ? AND command = 'finetune' ORDER BY id`).all(userId) as LedgerRow[];
const jobRows = (userId: string) => h.bot.ctx.db.prepare(`SELECT job_id AS jobId, status, closed_at AS closedAt, charged_micros AS charged
  FROM fine_tune_jobs WHERE user_id = ? ORDER BY rowid`).all(userId) as { jobId: string; status: string; closedAt: number | null; charged: number | null }[];
const poll = () => h.bot.ctx.services.fineTunes.tracker.checkAll();
const notices = (channelId: string) => h.discord.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${channelId}/messages`)
  .map((r) => (r.body as { content: string }).content);

/** The job the fake made is followed under its real id, finishes, and is charged what it trained: the money comes back in. */
async function expectFollowedAndSettled(userId: string, jobId: string): Promise<void> {
  expect(jobRows(userId)).toMatchObject([{ jobId, closedAt: null }]);
  expect(ledgerRows(userId)).toMatchObject([{ state: 'reserved' }]);
  const job = h.openai.fineTuning.advance(jobId, 'succeeded');
  await poll();
  expect(ledgerRows(userId)).toMatchObject([{ state: 'settled', charged: job.trained_tokens! * 3 }]);
  expect(job.trained_tokens).toBeGreaterThan(0);
}

describe('/finetune start: a create whose answer is lost is never sent twice', () => {
  test.each([
    ['the connection drops after OpenAI created the job', { afterCreate: 'drop' as const }],
    ['OpenAI created the job but its answer never comes (timeout)', { afterCreate: 'stall' as const }],
    ['OpenAI created the job but its answer arrives unreadable', { afterCreate: 'garbled' as const }],
  ])('%s: exactly one job at OpenAI, found in its list, followed and settled', async (_name, fault) => {
    const user = freshAdmin();
    const { reply, made, creates } = await start({ create: [fault] }, { user });
    expect(creates).toHaveLength(1);
    expect(made).toHaveLength(1);
    const jobId = made[0]!;
    expect(reply).toContain(`Started fine-tuning job \`${jobId}\``);
    // The request carried a one-time tag, which is how its job was told apart in the list.
    const tag = (creates[0]!.body as { metadata: Record<string, string> }).metadata.discord_bot_start;
    expect(h.openai.fineTuning.jobs.get(jobId)!.job.metadata).toEqual({ discord_bot_start: tag });
    expect(h.openai.requests.some((r) => r.method === 'GET' && r.path === JOBS)).toBe(true);
    await expectFollowedAndSettled(user.id, jobId);
  });

  test('the job is on record before the create is sent: a poll while it is out finds it, and the start follows that one job', async () => {
    const user = freshAdmin();
    const fileId = await upload();
    const jobsBefore = h.openai.fineTuning.jobs.size;
    h.openai.fineTuning.enqueueCreate({ afterCreate: 'stall' });
    const i = h.command('finetune', { file: fileId, model: MODEL, epochs: 2 }, { subcommand: 'start', permissions: MANAGE_GUILD, user });
    await expect.poll(() => h.openai.fineTuning.jobs.size, { timeout: 5_000 }).toBe(jobsBefore + 1);
    const jobId = [...h.openai.fineTuning.jobs.keys()].at(-1)!;
    // Were the bot to stop now, this row (and its reservation) would survive for the tracker to resolve.
    expect(jobRows(user.id)).toMatchObject([{ status: 'unconfirmed', closedAt: null }]);
    await poll();
    expect(jobRows(user.id)).toMatchObject([{ jobId, status: 'validating_files' }]);
    await h.settled(i, 20_000);
    expect(i.transcript().join('\n')).toContain(`Started fine-tuning job \`${jobId}\``);
    expect(h.openai.fineTuning.jobs.size).toBe(jobsBefore + 1);
    await expectFollowedAndSettled(user.id, jobId);
  });

  test.each([
    ['a 429', { error: 'rate_limit' as const, retryAfterMs: 50 }],
    ['a quick 503', { error: 'server_error' as const, status: 503 as const }],
  ])('%s is repeated (nothing was created) and makes one job', async (_name, fault) => {
    const user = freshAdmin();
    const { reply, made, creates } = await start({ create: [fault] }, { user });
    expect(creates).toHaveLength(2);
    expect(made).toHaveLength(1);
    expect(reply).toContain(`Started fine-tuning job \`${made[0]!}\``);
    await expectFollowedAndSettled(user.id, made[0]!);
  });

  test('a quick 502 from a gateway after OpenAI created the job: that job is found and followed, never a second one made', async () => {
    const user = freshAdmin();
    const { reply, made, creates } = await start({ create: [{ afterCreate: 'bad_gateway' }] }, { user });
    expect(made).toHaveLength(1);
    expect(creates).toHaveLength(1);
    expect(reply).toContain(`Started fine-tuning job \`${made[0]!}\``);
    await expectFollowedAndSettled(user.id, made[0]!);
  });

  test('a quick 502 after OpenAI created the job, with no repeats allowed: the job is followed, not released while it trains', async () => {
    const user = freshAdmin();
    const { openai } = h.bot.ctx.services;
    const retries = openai.maxRetries;
    openai.maxRetries = 0;
    try {
      const { made, creates } = await start({ create: [{ afterCreate: 'bad_gateway' }] }, { user });
      expect(creates).toHaveLength(1);
      expect(made).toHaveLength(1);
      await expectFollowedAndSettled(user.id, made[0]!);
    } finally {
      openai.maxRetries = retries;
    }
  });

  test('a create refused with 400: not repeated, no job, the reservation released', async () => {
    const user = freshAdmin();
    const { reply, made, creates } = await start({ create: [{ error: 'bad_request', message: 'Training file has too few examples.', param: 'training_file' }] }, { user });
    expect(creates).toHaveLength(1);
    expect(made).toHaveLength(0);
    expect(reply).toMatch(/^OpenAI refused this training file: it can't train on it as it is/);
    expect(ledgerRows(user.id)).toMatchObject([{ state: 'released', charged: 0 }]);
    expect(jobRows(user.id)).toEqual([]);
  });
});

/** The log lines where the bot recorded OpenAI's refusal for the operator. */
const refusalLogs = () => h.logs().filter((line) => typeof line.refusal === 'object' && line.refusal !== null)
  .map((line) => line.refusal as { reason: string; message: string });

describe('/finetune: OpenAI\'s 400s are told in plain catalogue words, and its own words go to the log', () => {
  test.each([
    { name: 'a base model the account may not fine-tune', reply: /^OpenAI won't fine-tune `gpt-4o-mini-2024-07-18` for this account/, locale: 'en-US',
      refusal: { error: 'bad_request' as const, message: `Model ${MODEL} is not available for fine-tuning or does not exist.`, param: 'model', code: 'model_not_available' } },
    { name: 'the organisation\'s fine-tuning limit (no code, only words)', reply: /^OpenAI refused this because the OpenAI account behind this bot has reached a fine-tuning quota/, locale: 'en-US',
      refusal: { error: 'bad_request' as const, message: 'Creating this fine-tuning job would exceed your hard limit, please check your plan and billing details. Cost of job ftjob-abc: USD 1.20. Quota remaining for org-fake: USD 0.50.' } },
    { name: 'a 400 of no known kind, to a zh-TW admin', reply: /^OpenAI 拒絕了這個微調請求。機器人的架設者可以在機器人的記錄檔中看到/, locale: 'zh-TW',
      refusal: { error: 'bad_request' as const, message: 'Invalid value for \'integrations\': webhook sk-fake-leaked-0000 is not allowed.', param: 'integrations', code: 'invalid_value' } },
  ])('a create refused for $name', async ({ refusal, reply: expected, locale }) => {
    const user = freshAdmin();
    const logsBefore = refusalLogs().length;
    const { reply, made, creates } = await start({ create: [refusal] }, { user, locale });
    expect(creates).toHaveLength(1);
    expect(made).toHaveLength(0);
    expect(reply).toMatch(expected);
    expect(reply).not.toContain(refusal.message.slice(0, 20));
    expect(ledgerRows(user.id)).toMatchObject([{ state: 'released', charged: 0 }]);
    // The operator can read why, with anything shaped like a key blanked.
    const logged = refusalLogs().slice(logsBefore);
    expect(logged).toHaveLength(1);
    expect(logged[0]!.message).toBe(refusal.message.replace(/sk-[\w-]+/, '[redacted]'));
  });

  test.each([
    { name: 'a file OpenAI can\'t read', reply: /^OpenAI couldn't read this training file's format\. It takes a `\.jsonl` file/, locale: 'en-US',
      refusal: { error: 'bad_request' as const, message: 'Invalid file format for Fine-Tuning API. Must be .jsonl', param: 'file', code: 'invalid_file_format' } },
    { name: 'the storage quota, to a ja admin', reply: /^このボットが使う OpenAI アカウントがファインチューニングの割り当てか支出上限に達している/, locale: 'ja',
      refusal: { error: 'bad_request' as const, message: 'You have exceeded your file storage quota for this organization.', param: null, code: null } },
    { name: 'a refusal of no known kind, to a zh-CN admin', reply: /^OpenAI 拒绝了这个微调请求。/, locale: 'zh-CN',
      refusal: { error: 'bad_request' as const, message: 'Unsupported purpose for this account.', param: 'purpose', code: 'invalid_value' } },
    // An upload names no model: these words would read as a model refusal on a create, and told the admin "won't fine-tune ``".
    { name: 'a file worded like a model refusal', reply: /^OpenAI refused this training file: it can't train on it as it is/, locale: 'en-US',
      refusal: { error: 'bad_request' as const, message: 'This file is not supported for fine-tuning.', param: 'file', code: null } },
  ])('an upload refused for $name', async ({ refusal, reply: expected, locale }) => {
    const before = h.openai.files.store.size;
    const logsBefore = refusalLogs().length;
    h.openai.files.enqueueCreate(refusal);
    const reply = await finetune('upload', { file: { filename: 'data.jsonl', contentType: 'application/jsonl', data: JSONL } }, { locale });
    expect(reply).toMatch(expected);
    expect(reply).not.toContain(refusal.message.slice(0, 20));
    expect(h.openai.files.store.size).toBe(before);
    expect(refusalLogs().slice(logsBefore)).toMatchObject([{ message: refusal.message }]);
  });
});

describe('/finetune start: a create that cannot be confirmed either way', () => {
  test('the list fails too: kept reserved as unconfirmed, the admin told; the next poll finds the job and follows it', async () => {
    const user = freshAdmin();
    const listDown = { error: 'server_error' as const, status: 500 as const, times: 3 }; // the list's own retries (OPENAI_MAX_RETRIES 2) fail as well
    const { reply, made, creates } = await start({ create: [{ afterCreate: 'drop' }], list: [listDown] }, { user });
    expect(creates).toHaveLength(1);
    expect(made).toHaveLength(1);
    const [row] = jobRows(user.id);
    expect(row).toMatchObject({ status: 'unconfirmed', closedAt: null });
    const reserved = ledgerRows(user.id)[0]!.reserved;
    expect(ledgerRows(user.id)).toMatchObject([{ state: 'reserved' }]);
    expect(reply).toBe(`I asked OpenAI to start fine-tuning \`${MODEL}\` on \`${/`(file-[\w-]+)`/.exec(reply)![1]!}\`, but its answer never arrived (the connection was lost), `
      + "and OpenAI's job list doesn't show the job yet, so I can't tell whether it started. I did not send the request again, so at most one job runs.\n"
      + `${formatUsd(reserved)} stays reserved from your budget while I keep checking, for up to ${UNCONFIRMED_RELEASE_AFTER_MS / 60_000} minutes: if the job turns up, it is followed and charged like any other (I'll post here when it finishes); `
      + `if it doesn't, I'll post here that nothing was started and release the reservation. Until then it is listed as \`${row!.jobId}\`.`);
    h.openai.fineTuning.enqueueList(listDown);
    expect(await finetune('cancel', { job: row!.jobId })).toMatch(/^I can't cancel `unconfirmed-[\w-]+` yet: OpenAI hasn't confirmed/);
    expect(h.openai.fineTuning.jobs.get(made[0]!)!.job.status).toBe('validating_files');
    await poll();
    await expectFollowedAndSettled(user.id, made[0]!);
  });

  test('a 502 after OpenAI created the job, and the list down: the admin is told the service answered with an error, not that the connection was lost', async () => {
    const user = freshAdmin();
    const listDown = { error: 'server_error' as const, status: 500 as const, times: 3 };
    const { reply, made, creates } = await start({ create: [{ afterCreate: 'bad_gateway' }], list: [listDown] }, { user });
    expect(creates).toHaveLength(1);
    expect(made).toHaveLength(1);
    const [row] = jobRows(user.id);
    expect(row).toMatchObject({ status: 'unconfirmed', closedAt: null });
    expect(reply).toMatch(/^I asked OpenAI to start fine-tuning `[^`]+` on `file-[\w-]+`\. It answered with an error, but such an error can come after the job was already created, and OpenAI's job list doesn't show the job yet/);
    expect(reply).not.toContain('connection was lost');
    expect(reply).toContain(`for up to ${UNCONFIRMED_RELEASE_AFTER_MS / 60_000} minutes`);
    expect(ledgerRows(user.id)).toMatchObject([{ state: 'reserved' }]);
    await poll();
    await expectFollowedAndSettled(user.id, made[0]!);
  });

  test.each([
    ['en-US', /It answered with an error, but such an error can come after the job was already created/],
    ['zh-TW', /，它回覆了錯誤，但這種錯誤也可能在任務建立之後才出現，而 OpenAI 的任務清單/],
    ['zh-CN', /，它返回了错误，但这种错误也可能在任务创建之后才出现，而 OpenAI 的任务列表/],
    ['ja', /依頼しましたが、エラーが返されました。ただし、このエラーはジョブが作成された後に返されることもあります。OpenAI のジョブ一覧/],
  ])('the error wording in %s', async (locale, expected) => {
    const listDown = { error: 'server_error' as const, status: 500 as const, times: 3 };
    const { reply } = await start({ create: [{ afterCreate: 'bad_gateway' }], list: [listDown] }, { user: freshAdmin(), locale });
    expect(reply).toMatch(expected);
  });

  test('`/finetune status` with the unconfirmed id, once the job is confirmed, shows the confirmed job', async () => {
    const user = freshAdmin();
    const listDown = { error: 'server_error' as const, status: 500 as const, times: 3 };
    const { made } = await start({ create: [{ afterCreate: 'drop' }], list: [listDown] }, { user });
    const unconfirmedId = jobRows(user.id)[0]!.jobId;
    expect(unconfirmedId).toMatch(/^unconfirmed-/);
    await poll();
    expect(jobRows(user.id)).toMatchObject([{ jobId: made[0]! }]);
    const status = await finetune('status', { job: unconfirmedId }, { user });
    expect(status).toContain(`Fine-tuning job \`${made[0]!}\`: **`);
    expect(status).not.toContain('no fine-tuning job');
  });

  test('an unconfirmed id whose job was confirmed costs no list call: status, use and cancel find the job from what the start remembered', async () => {
    const user = freshAdmin();
    const listDown = { error: 'server_error' as const, status: 500 as const, times: 3 };
    const { made } = await start({ create: [{ afterCreate: 'drop' }], list: [listDown] }, { user });
    const unconfirmedId = jobRows(user.id)[0]!.jobId;
    await poll();
    expect(jobRows(user.id)).toMatchObject([{ jobId: made[0]! }]);
    const lists = () => h.openai.requests.filter((r) => r.method === 'GET' && r.path === JOBS).length;
    const before = lists();
    expect(await finetune('status', { job: unconfirmedId }, { user })).toContain(`Fine-tuning job \`${made[0]!}\`: **`);
    expect(await finetune('use', { job: unconfirmedId }, { user })).toMatch(/has no model to use yet: it is checking the training file/);
    expect(await finetune('cancel', { job: unconfirmedId }, { user })).toMatch(new RegExp(`^Cancelled \`${made[0]!}\``));
    expect(lists()).toBe(before);
  });

  test('a start confirmed before its unconfirmed id was remembered: the list is asked once, by its tag, and the answer remembered', async () => {
    const user = freshAdmin();
    const listDown = { error: 'server_error' as const, status: 500 as const, times: 3 };
    const { made } = await start({ create: [{ afterCreate: 'drop' }], list: [listDown] }, { user });
    const unconfirmedId = jobRows(user.id)[0]!.jobId;
    await poll();
    // As a start confirmed by an older version of the bot left it: the row has its real id, nothing remembers the other.
    h.bot.ctx.db.prepare('DELETE FROM fine_tune_starts WHERE unconfirmed_id = ?').run(unconfirmedId);
    const lists = () => h.openai.requests.filter((r) => r.method === 'GET' && r.path === JOBS).length;
    const before = lists();
    expect(await finetune('status', { job: unconfirmedId }, { user })).toContain(`Fine-tuning job \`${made[0]!}\`: **`);
    expect(lists()).toBe(before + 1);
    expect(await finetune('status', { job: unconfirmedId }, { user })).toContain(`Fine-tuning job \`${made[0]!}\`: **`);
    expect(lists()).toBe(before + 1);
    // An id of that shape whose tag is no start's costs no call at all.
    expect(await finetune('status', { job: 'unconfirmed-not-a-tag' }, { user })).toMatch(/no fine-tuning job `unconfirmed-not-a-tag`/);
    expect(lists()).toBe(before + 1);
    await finetune('cancel', { job: made[0]! }, { user });
  });

  test('cancelling an unconfirmed job once the list shows it cancels the real job at OpenAI', async () => {
    const user = freshAdmin();
    const listDown = { error: 'server_error' as const, status: 500 as const, times: 3 };
    const { made } = await start({ create: [{ afterCreate: 'drop' }], list: [listDown] }, { user });
    const [row] = jobRows(user.id);
    expect(row).toMatchObject({ status: 'unconfirmed' });
    expect(await finetune('cancel', { job: row!.jobId })).toMatch(new RegExp(`^Cancelled \`${made[0]!}\` before it trained anything`));
    expect(h.openai.fineTuning.jobs.get(made[0]!)!.job.status).toBe('cancelled');
    expect(jobRows(user.id)).toMatchObject([{ jobId: made[0]!, status: 'cancelled' }]);
    expect(ledgerRows(user.id)).toMatchObject([{ state: 'released', charged: 0 }]);
  });

  test('no job was made: kept reserved while one could still appear, then released and the channel told (in the admin\'s language)', async () => {
    const user = freshAdmin();
    const channelId = TEST_CHANNEL_IDS[3]!;
    const { reply, made } = await start({ create: [{ dropBeforeCreate: true }] }, { user, channelId, locale: 'ja' });
    expect(made).toHaveLength(0);
    expect(reply).toMatch(/応答が届きませんでした/);
    const [row] = jobRows(user.id);
    expect(row).toMatchObject({ status: 'unconfirmed', closedAt: null });
    expect(await finetune('status', { job: row!.jobId }, { locale: 'ja' })).toContain('**OpenAI の確認待ち**');
    await poll();
    expect(ledgerRows(user.id)).toMatchObject([{ state: 'reserved' }]);
    // Long enough since the send that a create still being worked on would be listed by now.
    h.bot.ctx.db.prepare('UPDATE fine_tune_jobs SET created_at = created_at - ? WHERE job_id = ?').run(UNCONFIRMED_RELEASE_AFTER_MS, row!.jobId);
    await poll();
    expect(ledgerRows(user.id)).toMatchObject([{ state: 'released', charged: 0 }]);
    expect(jobRows(user.id)).toMatchObject([{ status: 'not_created', charged: 0 }]);
    expect(notices(channelId).at(-1)).toBe(`ファインチューニングジョブ \`${row!.jobId}\` は開始されませんでした：OpenAI への依頼の応答が失われ、OpenAI のジョブ一覧にもそのジョブは現れませんでした。予約は解放され、請求はありません。\`/finetune start\` でもう一度開始してください。`);
    await poll();
    expect(notices(channelId)).toHaveLength(1);
  });

  test.each([
    ['en-US', 'Fine-tuning job `{job}` was never started: OpenAI answered my request with an error, and OpenAI\'s job list still shows no such job. Its reservation was released; nothing was charged. Start it again with `/finetune start`.'],
    ['zh-TW', '微調任務 `{job}` 並沒有開始：OpenAI 對我的請求回覆了錯誤，而 OpenAI 的任務清單中也一直沒有這個任務。預留額度已釋出，未收費。請用 `/finetune start` 重新開始。'],
  ])('an error answer and no job ever listed: the notice (%s) says OpenAI answered with an error, not that the answer was lost', async (locale, expected) => {
    const user = freshAdmin();
    const channelId = TEST_CHANNEL_IDS[4]!;
    const listDown = { error: 'server_error' as const, status: 500 as const, times: 3 };
    // A 502 that came before any job was made, and a list that could not say so: kept as unconfirmed.
    const { made, reply } = await start({ create: [{ error: 'server_error', status: 502 }], list: [listDown] }, { user, channelId, locale });
    expect(made).toHaveLength(0);
    const [row] = jobRows(user.id);
    expect(row).toMatchObject({ status: 'unconfirmed', closedAt: null });
    expect(reply).toContain(row!.jobId);
    h.bot.ctx.db.prepare('UPDATE fine_tune_jobs SET created_at = created_at - ? WHERE job_id = ?').run(UNCONFIRMED_RELEASE_AFTER_MS, row!.jobId);
    await poll();
    expect(ledgerRows(user.id)).toMatchObject([{ state: 'released', charged: 0 }]);
    expect(notices(channelId).at(-1)).toBe(expected.replace('{job}', row!.jobId));
  });

  test('a job made while the bot could not confirm it, with more than a page of newer jobs since: found by its tag, followed, never released as not started', async () => {
    const user = freshAdmin();
    const listDown = { error: 'server_error' as const, status: 500 as const, times: 3 };
    const { fileId, made } = await start({ create: [{ afterCreate: 'drop' }], list: [listDown] }, { user });
    const [row] = jobRows(user.id);
    expect(row).toMatchObject({ status: 'unconfirmed' });
    // The bot was down for a while (past the half hour), and the organisation started 100 other jobs meanwhile.
    const others = h.bot.ctx.services.openai.fineTuning.jobs;
    for (let batch = 0; batch < 5; batch++) await Promise.all(Array.from({ length: 20 }, () => others.create({ training_file: fileId, model: MODEL })));
    h.bot.ctx.db.prepare('UPDATE fine_tune_jobs SET created_at = created_at - ? WHERE job_id = ?').run(UNCONFIRMED_RELEASE_AFTER_MS, row!.jobId);
    await poll();
    const tagged = h.openai.requests.filter((r) => r.method === 'GET' && r.path === JOBS).at(-1)!;
    await expectFollowedAndSettled(user.id, made[0]!);
    // OpenAI's list filtered by the start's one-time tag.
    expect(tagged.query['metadata[discord_bot_start]']).toBe(row!.jobId.replace(/^unconfirmed-/, ''));
  });

  test('a server that refuses the list\'s metadata filter (a 400) is asked for its newest jobs: the job is still found and followed', async () => {
    const user = freshAdmin();
    const refused = { error: 'bad_request' as const, message: "Unrecognized request argument supplied: metadata[discord_bot_start]" };
    const { made, reply } = await start({ create: [{ afterCreate: 'drop' }], list: [refused] }, { user });
    expect(reply).toContain(`Started fine-tuning job \`${made[0]!}\``);
    await expectFollowedAndSettled(user.id, made[0]!);
  });

  test('a listed job that matches but is already followed by the bot is not adopted twice', async () => {
    const user = freshAdmin();
    const fileId = await upload();
    // A first job on the same file, started normally, then a second start whose create drops before OpenAI made anything.
    await finetune('start', { file: fileId, model: MODEL, epochs: 2 }, { user });
    h.openai.fineTuning.enqueueCreate({ dropBeforeCreate: true });
    const reply = await finetune('start', { file: fileId, model: MODEL, epochs: 2 }, { user });
    expect(reply).toMatch(/answer never arrived/);
    const rows = jobRows(user.id);
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatchObject({ status: 'unconfirmed' });
    expect(ledgerRows(user.id)).toMatchObject([{ state: 'reserved' }, { state: 'reserved' }]);
  });
});

describe('/finetune upload: a lost answer leaves no unreferenced copy', () => {
  test('the connection drops after OpenAI stored the file: the stored copy is found and used, not uploaded again', async () => {
    const before = new Set(h.openai.files.store.keys());
    const sent = h.openai.requests.length;
    h.openai.files.enqueueCreate({ afterStore: 'drop' });
    const reply = await finetune('upload', { file: { filename: 'data.jsonl', contentType: 'application/jsonl', data: JSONL } });
    const added = [...h.openai.files.store.keys()].filter((id) => !before.has(id));
    expect(added).toHaveLength(1);
    expect(reply).toContain(`Uploaded \`data.jsonl\` as \`${added[0]!}\``);
    const calls = h.openai.requests.slice(sent).filter((r) => r.path === '/v1/files').map((r) => `${r.method} ${r.query.purpose ?? ''}`);
    expect(calls).toEqual(['POST ', 'GET fine-tune']);
  });

  test('the answer\'s body stalls after its headers: the attempt ends at its timeout, the stored copy is used, the file\'s room is given back', async () => {
    const fineTunes = h.bot.ctx.services.fineTunes;
    const before = new Set(h.openai.files.store.keys());
    const sent = h.openai.requests.length;
    fineTunes.uploadTimeoutMs = TIMEOUT_MS;
    h.openai.files.enqueueCreate({ afterStore: 'stall_body' });
    try {
      const started = performance.now();
      const reply = await finetune('upload', { file: { filename: 'data.jsonl', contentType: 'application/jsonl', data: JSONL } });
      const added = [...h.openai.files.store.keys()].filter((id) => !before.has(id));
      expect(added).toHaveLength(1);
      expect(reply).toContain(`Uploaded \`data.jsonl\` as \`${added[0]!}\``);
      // Over within about one attempt's timeout, not the transport's own idle limit (minutes).
      expect(performance.now() - started).toBeLessThan(TIMEOUT_MS + 8_000);
      const calls = h.openai.requests.slice(sent).filter((r) => r.path === '/v1/files').map((r) => `${r.method} ${r.query.purpose ?? ''}`);
      expect(calls).toEqual(['POST ', 'GET fine-tune']);
      expect(h.bot.ctx.services.downloads.inFlight).toBe(0);
    } finally {
      fineTunes.uploadTimeoutMs = TRAINING_UPLOAD_TIMEOUT_MS;
    }
  });

  test('a quick 502 from a gateway after OpenAI stored the file: the stored copy is found and used, not uploaded again', async () => {
    const before = new Set(h.openai.files.store.keys());
    h.openai.files.enqueueCreate({ afterStore: 'bad_gateway' });
    const reply = await finetune('upload', { file: { filename: 'data.jsonl', contentType: 'application/jsonl', data: JSONL } });
    const added = [...h.openai.files.store.keys()].filter((id) => !before.has(id));
    expect(added).toHaveLength(1);
    expect(reply).toContain(`Uploaded \`data.jsonl\` as \`${added[0]!}\``);
  });

  test('another server\'s file of the same name and size, stored in the same seconds, is never taken for a lost upload', async () => {
    // Adopting it would train this server's model on that server's data.
    const foreign = h.openai.files.add('data.jsonl', 'fine-tune', JSONL);
    const before = new Set(h.openai.files.store.keys());
    h.openai.files.enqueueCreate({ error: 'server_error', status: 503 });
    const reply = await finetune('upload', { file: { filename: 'data.jsonl', contentType: 'application/jsonl', data: JSONL } });
    const added = [...h.openai.files.store.keys()].filter((id) => !before.has(id));
    expect(added).toHaveLength(1);
    expect(reply).toContain(`Uploaded \`data.jsonl\` as \`${added[0]!}\``);
    expect(reply).not.toContain(foreign.id);
    // Stored at OpenAI under the member's name plus a one-time tag, which is what a lost answer is matched by.
    expect(h.openai.files.get(added[0]!).filename).toMatch(/^data\.[0-9a-f]{8}\.jsonl$/);
  });

  test('a 429 asking for a wait past the interaction\'s 15 minutes is not waited: the admin is told at once, nothing stored', async () => {
    const before = new Set(h.openai.files.store.keys());
    const sent = h.openai.requests.length;
    h.openai.files.enqueueCreate({ error: 'rate_limit', retryAfterMs: 20 * 60_000 });
    const reply = await finetune('upload', { file: { filename: 'data.jsonl', contentType: 'application/jsonl', data: JSONL } });
    expect(reply).toMatch(/busy/);
    expect([...h.openai.files.store.keys()].filter((id) => !before.has(id))).toEqual([]);
    expect(h.openai.requests.slice(sent).filter((r) => r.path === '/v1/files' && r.method === 'POST')).toHaveLength(1);
  });

  test('a 503 before anything was stored is repeated and stores one file', async () => {
    const before = new Set(h.openai.files.store.keys());
    h.openai.files.enqueueCreate({ error: 'server_error', status: 503 });
    const reply = await finetune('upload', { file: { filename: 'data.jsonl', contentType: 'application/jsonl', data: JSONL } });
    const added = [...h.openai.files.store.keys()].filter((id) => !before.has(id));
    expect(added).toHaveLength(1);
    expect(reply).toContain(`as \`${added[0]!}\``);
  });
});
