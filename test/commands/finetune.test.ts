import { countTokens as countO200k } from 'gpt-tokenizer';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import OpenAI from 'openai';
import { BudgetStore } from '../../src/db/budgetLimits.ts';
import { FineTuneStore } from '../../src/db/fineTunes.ts';
import { text } from '../../src/services/finetune/messages.ts';
import type { CatalogueLanguage } from '../../src/services/i18n.ts';
import { formatUsd } from '../../src/services/pricing/index.ts';
import { BotHarness, TEST_CHANNEL_IDS, TEST_OPENAI_KEY } from '../support/botHarness.ts';
import { invalidRequest } from '../support/fakeOpenAIErrors.ts';
import { DEFAULT_GUILD_ID, type FakeInteraction, type FakeInteractionSpec } from '../support/fakeDiscord.ts';

const MANAGE_GUILD = String(1n << 5n);
const SEND_MESSAGES = String(1n << 11n);
const EPHEMERAL = 64;
/** gpt-4o-mini training: $3.00 per 1M tokens = 3 micro-dollars a token. */
const GPT_4O_MINI_TRAINING_MICROS_PER_TOKEN = 3;
const MODEL = 'gpt-4o-mini-2024-07-18';

/** The tutorial's ten examples, exactly as it writes them. */
const TUTORIAL_EXAMPLES = [
  ['誰最棒', 'Aaron1'], ['誰最帥', 'Aaron2'], ['誰最美', 'Aaron3'], ['誰最高', 'Aaron4'], ['誰最矮', 'Aaron5'],
  ['誰最酷', 'Aaron6'], ['誰最壞', 'Aaron7'], ['誰最貴', 'Aaron8'], ['誰最好', 'Aaron9'], ['誰最嚴', 'Aaron0'],
] as const;
const tutorialLine = ([question, answer]: readonly [string, string]) =>
  `{"messages": [{"role": "system", "content": "中央大學"}, {"role": "user", "content": "${question}"}, {"role": "assistant", "content": "${answer}"}]}`;
const TUTORIAL_JSONL = Buffer.from(`${TUTORIAL_EXAMPLES.map(tutorialLine).join('\n')}\n`);
/** Counted independently: every message's text plus 4 framing tokens, plus 3 priming the reply, per example (o200k). */
const TUTORIAL_TOKENS = TUTORIAL_EXAMPLES.reduce((sum, [q, a]) => sum + countO200k('中央大學') + countO200k(q) + countO200k(a) + 3 * 4 + 3, 0);

let h: BotHarness;
beforeAll(async () => { h = await BotHarness.start(); });
afterAll(async () => { await h?.close(); });

let userSeq = 0;
/** A fresh admin per test keeps ledgers apart. */
const freshAdmin = () => ({ id: `52000000000000${String(++userSeq).padStart(4, '0')}`, username: `admin${userSeq}` });

/** Runs `/finetune <subcommand>` as an admin (unless the spec says otherwise); returns everything only the invoker saw. */
async function finetune(subcommand: string, options: FakeInteractionSpec['options'] = {}, spec: Partial<FakeInteractionSpec> = {}): Promise<string> {
  const i: FakeInteraction = h.command('finetune', options, { subcommand, permissions: MANAGE_GUILD, ...spec });
  await h.settled(i);
  const first = i.callbacks[0]!;
  expect((first.data as { flags?: number }).flags! & EPHEMERAL).toBe(EPHEMERAL);
  return first.type === 4 ? (first.data as { content: string }).content : i.transcript().join('\n');
}

const upload = (data: Buffer, filename = 'mydata.jsonl', spec: Partial<FakeInteractionSpec> = {}) =>
  finetune('upload', { file: { filename, contentType: 'application/jsonl', data } }, spec);

async function uploadTutorial(): Promise<string> {
  const reply = await upload(TUTORIAL_JSONL);
  return /`(file-[\w-]+)`/.exec(reply)![1]!;
}

async function startJob(options: Record<string, string | number> = {}, spec: Partial<FakeInteractionSpec> = {}) {
  const fileId = await uploadTutorial();
  const reply = await finetune('start', { file: fileId, model: MODEL, epochs: 2, ...options }, spec);
  const jobId = /`(ftjob-[\w-]+)`/.exec(reply)?.[1];
  return { fileId, reply, jobId: jobId! };
}

type LedgerRow = { command: string; model: string; state: string; reserved: number; charged: number; inputTokens: number | null; longRunning: number };
const ledgerRows = (userId: string) => h.bot.ctx.db.prepare(`SELECT command, model, state, reserved_micros AS reserved, charged_micros AS charged,
  input_tokens AS inputTokens, long_running AS longRunning FROM ledger WHERE user_id = ? ORDER BY id`).all(userId) as LedgerRow[];
const notices = (channelId: string) => h.discord.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${channelId}/messages`)
  .map((r) => r.body as { content: string; allowed_mentions: unknown });
const fakeFileCount = () => h.openai.files.store.size;
const poll = () => h.bot.ctx.services.fineTunes.tracker.checkAll();

describe('/finetune upload', () => {
  test("the tutorial's ten examples are checked, counted and uploaded byte for byte with purpose fine-tune", async () => {
    const reply = await upload(TUTORIAL_JSONL);
    const fileId = /`(file-[\w-]+)`/.exec(reply)![1]!;
    const stored = h.openai.files.store.get(fileId)!;
    expect(Buffer.compare(stored.data, TUTORIAL_JSONL)).toBe(0);
    expect(stored.object).toMatchObject({ purpose: 'fine-tune', filename: expect.stringMatching(/^mydata\.[0-9a-f]{8}\.jsonl$/) });
    expect(reply).toContain('`: 10 examples.');
    // OpenAI's auto rule gives a 10-example file 10 epochs (the tutorial's job trained 10): what a start without epochs sends.
    expect(reply).toContain('Cost at 10 epochs (what a start without `epochs` trains');
    expect(reply).toContain(`• \`${MODEL}\`: about ${TUTORIAL_TOKENS} tokens per epoch → ${formatUsd(TUTORIAL_TOKENS * 10 * GPT_4O_MINI_TRAINING_MICROS_PER_TOKEN)}`);
    expect(reply).toMatch(/• `gpt-3\.5-turbo`: about \d+ tokens per epoch → \$0\.0\d+/);
    expect(reply).toContain('Started without `epochs`, a job trains 10 epochs, the number OpenAI\'s own rule picks for a file this size, sent as a fixed number so that its cost is known before it starts.');
  });

  test.each([
    ['a line that is not JSON', `${tutorialLine(TUTORIAL_EXAMPLES[0])}\n${tutorialLine(TUTORIAL_EXAMPLES[1])}\n{"messages": [oops\n${TUTORIAL_EXAMPLES.slice(2).map(tutorialLine).join('\n')}`,
      ['Line 3: not valid JSON.']],
    ['an example without an assistant message and a bad role', [
      ...TUTORIAL_EXAMPLES.slice(0, 9).map(tutorialLine),
      '{"messages": [{"role": "user", "content": "誰最嚴"}]}',
      '{"messages": [{"role": "bot", "content": "hi"}, {"role": "assistant", "content": "Aaron0"}]}',
    ].join('\n'), ['Line 10: needs at least one `assistant` message', 'Line 11, message 1: role `bot` is not']],
    ['too few examples', TUTORIAL_EXAMPLES.slice(0, 3).map(tutorialLine).join('\n'), ['The file has 3 examples; OpenAI needs at least 10.']],
    // OpenAI trains on (and bills) these tokens too, which the count behind the reservation leaves out.
    ['tool definitions OpenAI would bill', [
      `{"tools": [{"type": "function", "function": {"name": "f", "description": "${'padding '.repeat(2_000)}"}}], ${tutorialLine(TUTORIAL_EXAMPLES[0]).slice(1)}`,
      ...TUTORIAL_EXAMPLES.slice(1).map(tutorialLine),
    ].join('\n'), ['Line 1: `tools` is not supported; an example holds only `messages`']],
    ['a message name OpenAI would bill, and a weight it would refuse', [
      ...TUTORIAL_EXAMPLES.slice(0, 9).map(tutorialLine),
      '{"messages": [{"role": "user", "content": "誰最嚴", "name": "Aaron"}, {"role": "assistant", "content": "Aaron0"}]}',
      '{"messages": [{"role": "user", "content": "誰最嚴"}, {"role": "assistant", "content": "Aaron0", "weight": 2}]}',
    ].join('\n'), ['Line 10, message 1: `name` is not supported; a message holds only `role`, `content` and `weight`', 'Line 11, message 2: `weight` must be 0 or 1.']],
  ])('%s: problems with line numbers, nothing uploaded', async (_name, jsonl, expected) => {
    const before = fakeFileCount();
    const reply = await upload(Buffer.from(jsonl));
    expect(reply).toMatch(/^I did not upload `mydata\.jsonl`: OpenAI would refuse it/);
    for (const line of expected) expect(reply).toContain(line);
    expect(fakeFileCount()).toBe(before);
  });

  test('problems are explained in Traditional Chinese to a zh-TW admin', async () => {
    const reply = await upload(Buffer.from(['oops', ...TUTORIAL_EXAMPLES.slice(0, 2).map(tutorialLine)].join('\n')), 'mydata.jsonl', { locale: 'zh-TW' });
    expect(reply).toBe('沒有上傳 `mydata.jsonl`：OpenAI 會拒絕這個檔案。請修正以下問題後重新上傳：\n• 檔案只有 3 個範例；OpenAI 至少需要 10 個。\n• 第 1 行：不是有效的 JSON。');
  });

  test.each([
    { locale: 'zh-CN', says: '没有上传 `mydata.jsonl`：OpenAI 会拒绝这个文件。请修正以下问题后重新上传：\n• 文件只有 3 个示例；OpenAI 至少需要 10 个。\n• 第 1 行：不是有效的 JSON。' },
    { locale: 'ja', says: '`mydata.jsonl` はアップロードしませんでした：OpenAI に拒否されるためです。次の点を直してからもう一度アップロードしてください：\n• ファイルの例は 3 個しかありません。OpenAI には少なくとも 10 個必要です。\n• 1 行目：有効な JSON ではありません。' },
  ])('problems are explained to a $locale admin in their language', async ({ locale, says }) => {
    expect(await upload(Buffer.from(['oops', ...TUTORIAL_EXAMPLES.slice(0, 2).map(tutorialLine)].join('\n')), 'mydata.jsonl', { locale })).toBe(says);
  });

  test('only the first ten problems are listed', async () => {
    const reply = await upload(Buffer.from(Array.from({ length: 14 }, () => 'not json').join('\n')));
    expect(reply.split('\n').filter((line) => line.startsWith('• '))).toHaveLength(10);
    expect(reply).toContain('…and 4 more.');
  });

  test('a file that is not .jsonl, or over 50 MB, is refused before any download', async () => {
    h.discord.clearRequests();
    expect(await upload(TUTORIAL_JSONL, 'mydata.json')).toMatch(/`mydata\.json` is not one/);
    expect(await finetune('upload', { file: { filename: 'huge.jsonl', size: 60 * 1024 * 1024, data: TUTORIAL_JSONL } }))
      .toMatch(/60\.0 MB; I take training files up to 50\.0 MB, because I read it and count every token/);
    expect(h.discord.requests.filter((r) => r.path.startsWith('/attachments/'))).toHaveLength(0);
  });

  test('a member without Manage Server is refused at run time, and nothing is uploaded', async () => {
    const before = fakeFileCount();
    expect(await upload(TUTORIAL_JSONL, 'mydata.jsonl', { permissions: SEND_MESSAGES })).toMatch(/Manage Server/);
    expect(fakeFileCount()).toBe(before);
  });

  test.each([
    [403, 'en-US', "I couldn't download the file from Discord (Discord answered with an error instead of the file). Please try uploading it again."],
    [404, 'zh-TW', '無法從 Discord 下載檔案（Discord 沒有給出檔案，而是回應了錯誤），請重新上傳檔案再試一次。'],
    [500, 'ja', 'Discord からファイルをダウンロードできませんでした（Discord がファイルの代わりにエラーを返しました）。もう一度ファイルをアップロードしてお試しください。'],
    [503, 'zh-CN', '无法从 Discord 下载文件（Discord 没有返回文件，而是返回了错误），请重新上传文件再试一次。'],
  ] as const)('the CDN answers %i for the file: a plain %s sentence, the status only in the log, asked once, nothing uploaded', async (status, locale, says) => {
    const filename = `cdn-${status}.jsonl`;
    h.discord.failAttachmentDownloads({ status, match: (path) => path.endsWith(`/${filename}`) });
    h.discord.clearRequests();
    const before = fakeFileCount();
    const reply = await upload(TUTORIAL_JSONL, filename, { locale });
    expect(reply).toBe(says);
    expect(reply).not.toMatch(/HTTP|\d{3}|Forbidden|Not Found|Internal|Unavailable/);
    // A failed download is not repeated (403/404 count towards Discord's ban on failing requests), and nothing went to OpenAI.
    expect(h.discord.requests.filter((r) => r.method === 'GET' && r.path.endsWith(`/${filename}`)).map((r) => r.status)).toEqual([status]);
    expect(fakeFileCount()).toBe(before);
    const logged = h.logs().filter((line) => line.msg === 'training file download failed').at(-1);
    expect(logged).toMatchObject({ reason: 'http-error', detail: expect.stringMatching(new RegExp(`^HTTP ${status} `)) });
  });
});

describe('/finetune start, status, cancel', () => {
  test('creates the job with the given settings and reserves tokens × epochs × the training price for the admin', async () => {
    const user = freshAdmin();
    const { fileId, reply, jobId } = await startJob({ suffix: 'aaron' }, { user });
    const { job } = h.openai.fineTuning.jobs.get(jobId)!;
    expect(job).toMatchObject({ model: MODEL, training_file: fileId, hyperparameters: { n_epochs: 2 }, user_provided_suffix: 'aaron' });
    const reserved = TUTORIAL_TOKENS * 2 * GPT_4O_MINI_TRAINING_MICROS_PER_TOKEN;
    expect(ledgerRows(user.id)).toEqual([{ command: 'finetune', model: MODEL, state: 'reserved', reserved, charged: reserved, inputTokens: null, longRunning: 1 }]);
    expect(reply).toContain(`Reserved ${formatUsd(reserved)} from your budget (${TUTORIAL_TOKENS} tokens × 2 epochs)`);
    h.openai.fineTuning.advance(jobId, 'succeeded');
    await poll();
  });

  test('without epochs, the number OpenAI\'s auto rule gives the file is sent (never `auto`, which may pick up to 50): reserved exactly, charged the same', async () => {
    const user = freshAdmin();
    const channelId = TEST_CHANNEL_IDS[35]!;
    const fileId = await uploadTutorial();
    // `auto` has no documented bound short of the API's 50 epochs: were it sent, this fake's auto would train 50.
    h.openai.fineTuning.autoPicks = 50;
    try {
      const reply = await finetune('start', { file: fileId, model: MODEL }, { user, channelId });
      const jobId = /`(ftjob-[\w-]+)`/.exec(reply)![1]!;
      expect(h.openai.fineTuning.jobs.get(jobId)!.job.hyperparameters.n_epochs).toBe(10);
      expect(reply).toContain("10 epochs (OpenAI's rule for a file this size)");
      const reserved = TUTORIAL_TOKENS * 10 * GPT_4O_MINI_TRAINING_MICROS_PER_TOKEN;
      expect(ledgerRows(user.id)).toMatchObject([{ state: 'reserved', reserved }]);
      expect(reply).toContain(`Reserved ${formatUsd(reserved)} from your budget (${TUTORIAL_TOKENS} tokens × 10 epochs)`);
      h.openai.fineTuning.advance(jobId, 'running');
      await poll();
      expect(ledgerRows(user.id)).toMatchObject([{ state: 'reserved', reserved }]);
      // OpenAI bills what it trained, which is what was reserved: the member's cost was known when the job started.
      const job = h.openai.fineTuning.advance(jobId, 'succeeded');
      expect(job.trained_tokens).toBe(TUTORIAL_TOKENS * 10);
      await poll();
      expect(ledgerRows(user.id)).toMatchObject([{ state: 'settled', charged: reserved, inputTokens: TUTORIAL_TOKENS * 10 }]);
      expect(h.logs().filter((line) => line.msg === 'fine-tuning job trained more than was reserved' && line.jobId === jobId)).toEqual([]);
    } finally {
      h.openai.fineTuning.autoPicks = undefined;
    }
  });

  test('a job an older version started with `auto` (25 epochs reserved): lowered to what OpenAI chose once it trains, charged what it trained', async () => {
    const user = freshAdmin();
    const fileId = await uploadTutorial();
    const payer = { guildId: DEFAULT_GUILD_ID, userId: user.id, roleIds: [], channelId: TEST_CHANNEL_IDS[35]! };
    const reserved = await h.bot.ctx.services.ledger.reserveShared(payer, { command: 'finetune', model: MODEL, worstCaseMicros: TUTORIAL_TOKENS * 25 * GPT_4O_MINI_TRAINING_MICROS_PER_TOKEN, longRunning: true });
    if (!reserved.ok) throw new Error('unreachable: no limit applies');
    const openai = new OpenAI({ apiKey: TEST_OPENAI_KEY, baseURL: h.openai.baseUrl, maxRetries: 0 });
    const remote = await openai.fineTuning.jobs.create({ training_file: fileId, model: MODEL, hyperparameters: { n_epochs: 'auto' } });
    new FineTuneStore(h.bot.ctx.db).addJob({
      jobId: remote.id, guildId: DEFAULT_GUILD_ID, channelId: payer.channelId, userId: user.id, language: 'en', fileId, baseModel: MODEL, epochs: null,
      reservedEpochs: 25, suffix: null, status: remote.status, reservationId: reserved.reservation.id, reservedMicros: reserved.reservation.reservedMicros, createdAt: Date.now(),
    });
    expect(await finetune('status', { job: remote.id }, { user })).toContain('epochs chosen by OpenAI (auto; 25 reserved; the charge follows what it trains)');
    h.openai.fineTuning.advance(remote.id, 'running');
    await poll();
    expect(ledgerRows(user.id)).toMatchObject([{ state: 'reserved', reserved: TUTORIAL_TOKENS * 10 * GPT_4O_MINI_TRAINING_MICROS_PER_TOKEN }]);
    h.openai.fineTuning.advance(remote.id, 'succeeded');
    await poll();
    expect(ledgerRows(user.id)).toMatchObject([{ state: 'settled', charged: TUTORIAL_TOKENS * 10 * GPT_4O_MINI_TRAINING_MICROS_PER_TOKEN }]);
  });

  test('over budget: refused with the usual explanation, no job created, nothing reserved', async () => {
    const user = freshAdmin();
    new BudgetStore(h.bot.ctx.db).setLimit(DEFAULT_GUILD_ID, { scope: 'user', targetId: user.id, period: 'day', amountMicros: 0, updatedBy: 'admin', updatedAt: Date.now() });
    const jobs = h.openai.fineTuning.jobs.size;
    const { reply } = await startJob({}, { user });
    expect(reply).toMatch(/You can't use paid commands right now/);
    expect(h.openai.fineTuning.jobs.size).toBe(jobs);
    expect(ledgerRows(user.id)).toEqual([]);
  });

  test('a job OpenAI refuses to create: the reservation is released and the refusal told in plain words, not OpenAI\'s', async () => {
    const user = freshAdmin();
    const fileId = await uploadTutorial();
    h.openai.files.store.delete(fileId); // e.g. deleted in OpenAI's dashboard since
    const reply = await finetune('start', { file: fileId, model: MODEL }, { user });
    expect(reply).toMatch(/^OpenAI refused this training file: it can't train on it as it is \(for example, it has too few examples, is still being processed, or was deleted\)/);
    expect(reply).not.toContain('invalid training_file');
    expect(ledgerRows(user.id)).toMatchObject([{ state: 'released', charged: 0 }]);
  });

  test('an unknown training file or a suffix with spaces is explained and costs nothing', async () => {
    const user = freshAdmin();
    expect(await finetune('start', { file: 'file-nope', model: MODEL }, { user })).toMatch(/This server has no training file `file-nope`/);
    expect(await finetune('start', { file: 'file-nope', model: MODEL, suffix: 'my model' }, { user })).toMatch(/only letters, digits, `-` and `_`/);
    expect(ledgerRows(user.id)).toEqual([]);
  });

  test.each([0, -3, 26, 50])('epochs %i (outside 1-25, as a stale command registration could send): refused before anything is reserved or sent', async (epochs) => {
    const user = freshAdmin();
    const fileId = await uploadTutorial();
    const creates = h.openai.requests.filter((r) => r.method === 'POST' && r.path === '/v1/fine_tuning/jobs').length;
    expect(await finetune('start', { file: fileId, model: MODEL, epochs }, { user })).toBe('Epochs must be a whole number from 1 to 25.');
    expect(ledgerRows(user.id)).toEqual([]);
    expect(h.openai.requests.filter((r) => r.method === 'POST' && r.path === '/v1/fine_tuning/jobs')).toHaveLength(creates);
  });

  test('status shows the status in plain words and the latest events; list shows the job', async () => {
    const { jobId } = await startJob();
    h.openai.fineTuning.advance(jobId, 'running');
    const status = await finetune('status', { job: jobId });
    expect(status).toContain(`Fine-tuning job \`${jobId}\`: **training**`);
    expect(status).toContain(`Base model \`${MODEL}\``);
    expect(status).toMatch(/Latest events:\n<t:\d+:T> Created fine-tuning job: ftjob-[\w-]+\n<t:\d+:T> Validating training file: file-[\w-]+\n<t:\d+:T> Fine-tuning job started/);
    expect(await finetune('list')).toMatch(new RegExp(`• \`${jobId}\` · training · \`${MODEL}\``));
    await finetune('cancel', { job: jobId });
  });

  test('cancel: cancelled at OpenAI, the reservation released, the channel told', async () => {
    const user = freshAdmin();
    const channelId = TEST_CHANNEL_IDS[30]!;
    const { jobId } = await startJob({}, { user, channelId });
    expect(await finetune('cancel', { job: jobId })).toMatch(new RegExp(`Cancelled \`${jobId}\`.*released: nothing is charged`));
    expect(h.openai.fineTuning.jobs.get(jobId)!.job.status).toBe('cancelled');
    expect(ledgerRows(user.id)).toMatchObject([{ state: 'released', charged: 0 }]);
    expect(notices(channelId).at(-1)!.content).toBe(`Fine-tuning job \`${jobId}\` was cancelled. Nothing was charged.`);
    expect(await finetune('cancel', { job: jobId })).toMatch(/already finished \(cancelled\)/);
  });

  test('a cancel OpenAI refuses (the job finished after the check) is told in plain words, and OpenAI\'s reason is logged for the operator', async () => {
    const { jobId } = await startJob();
    h.openai.fineTuning.advance(jobId, 'running');
    const fake = h.openai.fineTuning;
    const retrieve = fake.retrieve.bind(fake);
    // The check before the cancel sees it running; it finishes before the cancel reaches OpenAI.
    fake.retrieve = (ex, id) => {
      retrieve(ex, id);
      if (id === jobId && fake.jobs.get(jobId)!.job.status === 'running') fake.advance(jobId, 'succeeded');
    };
    try {
      expect(await finetune('cancel', { job: jobId })).toBe('OpenAI refused this fine-tuning request. The bot\'s host can find OpenAI\'s reason in the bot\'s log.');
    } finally {
      fake.retrieve = retrieve;
    }
    const logged = h.logs().filter((line) => line.msg === 'fine-tuning job could not be cancelled' && line.jobId === jobId);
    expect(logged).toMatchObject([{ refusal: { reason: 'other', message: expect.stringContaining('has already finished') } }]);
  });

  test.each<[CatalogueLanguage, string, string]>([
    ['en', "⚠️ OpenAI has no job `%s` for the API key the bot uses now", "I can't cancel `%s`: OpenAI has no such job for the API key the bot uses now"],
    ['zh-TW', '⚠️ 用機器人目前使用的 API 金鑰，OpenAI 找不到任務 `%s`', '無法取消 `%s`：用機器人目前使用的 API 金鑰，OpenAI 找不到這個任務'],
    ['zh-CN', '⚠️ 用机器人当前使用的 API 密钥，OpenAI 找不到任务 `%s`', '无法取消 `%s`：用机器人当前使用的 API 密钥，OpenAI 找不到这个任务'],
    ['ja', '⚠️ ボットが現在使っている API キーでは、OpenAI にジョブ `%s` が見つかりません', '`%s` を取り消せません：ボットが現在使っている API キーでは、OpenAI にこのジョブが見つかりません'],
  ])('(%s) a job OpenAI answers 404 for (not under this key any more): status and cancel say so, never "no fine-tuning here"; the reservation stays', async (locale, statusStart, cancelStart) => {
    const user = freshAdmin();
    const { jobId } = await startJob({}, { user });
    const fake = h.openai.fineTuning;
    const entry = fake.jobs.get(jobId)!;
    fake.jobs.delete(jobId);
    try {
      const status = await finetune('status', { job: jobId }, { user, locale });
      expect(status.startsWith(statusStart.replace('%s', jobId))).toBe(true);
      // The status last seen follows, and nothing says the AI service lacks fine-tuning (it made this job).
      expect(status).toContain(jobId);
      const notSupported = text('notSupported', locale);
      expect(status).not.toContain(notSupported);
      const cancel = await finetune('cancel', { job: jobId }, { user, locale });
      expect(cancel.startsWith(cancelStart.replace('%s', jobId))).toBe(true);
      expect(cancel).not.toContain(notSupported);
      // `use` says why there is no model, not "not ready: running" from the last status seen.
      expect(await finetune('use', { job: jobId }, { user, locale })).toBe(text('useGone', locale, { job: jobId }));
      expect(ledgerRows(user.id)).toMatchObject([{ state: 'reserved' }]);
    } finally {
      fake.jobs.set(jobId, entry);
    }
    await finetune('cancel', { job: jobId }, { user });
    expect(ledgerRows(user.id)).toMatchObject([{ state: 'released' }]);
  });

  test('a status check OpenAI refuses (a 4xx on retrieve) points to the log, and OpenAI\'s reason (no key) is logged there', async () => {
    const { jobId } = await startJob();
    const fake = h.openai.fineTuning;
    const retrieve = fake.retrieve.bind(fake);
    const reason = `Fine-tuning job ${jobId} can't be read with key sk-fake-leaked-0000 (${TEST_OPENAI_KEY}).`;
    fake.retrieve = (ex, id) => {
      if (id === jobId) throw invalidRequest(reason, 'fine_tuning_job_id', 'invalid_value');
      retrieve(ex, id);
    };
    try {
      const status = await finetune('status', { job: jobId });
      expect(status).toContain('OpenAI refused this fine-tuning request. The bot\'s host can find OpenAI\'s reason in the bot\'s log.');
      expect(status).not.toContain('can\'t be read');
    } finally {
      fake.retrieve = retrieve;
    }
    const logged = h.logs().filter((line) => line.jobId === jobId && typeof line.refusal === 'object');
    expect(logged).toMatchObject([{ refusal: { reason: 'other', code: 'invalid_value', param: 'fine_tuning_job_id', message: `Fine-tuning job ${jobId} can't be read with key [redacted] ([redacted]).` } }]);
    expect(JSON.stringify(logged)).not.toContain(TEST_OPENAI_KEY);
    await finetune('cancel', { job: jobId });
  });
});

describe('/finetune: a job that stops early is charged for the training it did', () => {
  test('cancelled after half its steps: charged about half (its step events × tokens per step), the rest released, the channel told', async () => {
    const user = freshAdmin();
    const channelId = TEST_CHANNEL_IDS[36]!;
    const { jobId } = await startJob({}, { user, channelId }); // 2 epochs of 10 examples: 20 steps
    h.openai.fineTuning.advance(jobId, 'running');
    expect(h.openai.fineTuning.trainSteps(jobId, 10)).toEqual({ done: 10, total: 20 });
    const reply = await finetune('cancel', { job: jobId });
    expect(h.openai.fineTuning.jobs.get(jobId)!.job).toMatchObject({ status: 'cancelled', trained_tokens: null });
    const reserved = TUTORIAL_TOKENS * 2 * GPT_4O_MINI_TRAINING_MICROS_PER_TOKEN;
    const trained = Math.ceil(TUTORIAL_TOKENS * 2 / 2);
    const charged = trained * GPT_4O_MINI_TRAINING_MICROS_PER_TOKEN;
    expect(ledgerRows(user.id)).toEqual([expect.objectContaining({ state: 'settled', reserved, charged, inputTokens: trained })]);
    expect(charged / reserved).toBeCloseTo(0.5, 2);
    expect(reply).toBe(`Cancelled \`${jobId}\`. It had trained about ${trained} tokens, which OpenAI bills: ${formatUsd(charged)} was charged and the rest of the ${formatUsd(reserved)} reservation released.`);
    expect(notices(channelId).at(-1)!.content).toBe(`Fine-tuning job \`${jobId}\` was cancelled. It had trained about ${trained} tokens before it stopped, which OpenAI bills: ${formatUsd(charged)} was charged.`);
    expect(await finetune('status', { job: jobId })).toContain(`Charged: ${formatUsd(charged)}.`);
  });

  test('failed while training: charged the trained tokens OpenAI reports', async () => {
    const user = freshAdmin();
    const { jobId } = await startJob({}, { user });
    h.openai.fineTuning.advance(jobId, 'running');
    h.openai.fineTuning.trainSteps(jobId, 5);
    const job = h.openai.fineTuning.advance(jobId, 'failed', 'The job failed due to an internal error.');
    expect(job.trained_tokens).toBe(Math.ceil(TUTORIAL_TOKENS * 2 / 4));
    await poll();
    expect(ledgerRows(user.id)).toMatchObject([{ state: 'settled', charged: job.trained_tokens! * GPT_4O_MINI_TRAINING_MICROS_PER_TOKEN, inputTokens: job.trained_tokens }]);
  });

  test('a job cancelled while running but before its first step costs nothing', async () => {
    const user = freshAdmin();
    const { jobId } = await startJob({}, { user });
    h.openai.fineTuning.advance(jobId, 'running');
    expect(await finetune('cancel', { job: jobId })).toMatch(/before it trained anything\. Its reservation of \$[\d.]+ was released: nothing is charged\./);
    expect(ledgerRows(user.id)).toMatchObject([{ state: 'released', charged: 0 }]);
  });
});

describe('/finetune: finishing, using the model, restarts', () => {
  test('succeeded: the poll settles at trained tokens × price and posts a notice in the channel, pinging nobody', async () => {
    const user = freshAdmin();
    const channelId = TEST_CHANNEL_IDS[31]!;
    const { jobId } = await startJob({}, { user, channelId });
    const job = h.openai.fineTuning.advance(jobId, 'succeeded');
    await poll();
    const charged = job.trained_tokens! * GPT_4O_MINI_TRAINING_MICROS_PER_TOKEN;
    expect(ledgerRows(user.id)).toMatchObject([{ state: 'settled', charged, inputTokens: job.trained_tokens }]);
    const notice = notices(channelId).at(-1)!;
    expect(notice.content).toContain(`✅ Fine-tuning job \`${jobId}\` finished: \`${job.fine_tuned_model}\` is ready`);
    expect(notice.allowed_mentions).toEqual({ parse: [] });
    await poll();
    expect(notices(channelId)).toHaveLength(1);
    const status = await finetune('status', { job: jobId });
    expect(status).toContain(`Fine-tuned model: \`${job.fine_tuned_model}\``);
    expect(status).toContain(`Charged: ${formatUsd(charged)}.`);
  });

  test('a job started by a ja admin is reported in Japanese, start to finish notice', async () => {
    const user = freshAdmin();
    const channelId = TEST_CHANNEL_IDS[37]!;
    const { jobId, reply } = await startJob({}, { user, channelId, locale: 'ja' });
    expect(reply).toMatch(new RegExp(`^ファインチューニングジョブ \`${jobId}\` を開始しました：\`file-[\\w-]+\`（例 10 個）で \`${MODEL}\` を学習、2 エポック。\n`));
    const job = h.openai.fineTuning.advance(jobId, 'succeeded');
    await poll();
    expect(notices(channelId).at(-1)!.content).toBe(
      `✅ ファインチューニングジョブ \`${jobId}\` が完了しました：\`${job.fine_tuned_model}\` が使えます（学習 ${job.trained_tokens!.toLocaleString('en-US')} トークン、${formatUsd(job.trained_tokens! * GPT_4O_MINI_TRAINING_MICROS_PER_TOKEN)}）。\`/finetune use job:${jobId}\` で使えます。`);
    expect(await finetune('status', { job: jobId }, { locale: 'zh-CN' })).toContain(`微调后的模型：\`${job.fine_tuned_model}\`。`);
  });

  test('a job that trained more than was reserved is charged what OpenAI billed, and a warning is logged', async () => {
    const user = freshAdmin();
    const { jobId } = await startJob({}, { user });
    const job = h.openai.fineTuning.advance(jobId, 'succeeded');
    job.trained_tokens = TUTORIAL_TOKENS * 2 + 1_000; // OpenAI counted more than the bot did
    await poll();
    const reserved = TUTORIAL_TOKENS * 2 * GPT_4O_MINI_TRAINING_MICROS_PER_TOKEN;
    expect(ledgerRows(user.id)).toMatchObject([{ state: 'settled', reserved, charged: reserved + 1_000 * GPT_4O_MINI_TRAINING_MICROS_PER_TOKEN }]);
    expect(h.logs().filter((line) => line.msg === 'fine-tuning job trained more than was reserved' && line.jobId === jobId)).toHaveLength(1);
    // The ledger recorded it where the operator counts such calls; this test made it happen on purpose.
    expect(h.acknowledgeOverruns()).toEqual([{ command: 'finetune', model: 'gpt-4o-mini-2024-07-18', reserved, charged: reserved + 1_000 * GPT_4O_MINI_TRAINING_MICROS_PER_TOKEN }]);
  });

  test.each([
    ['0 (a compatible server\'s zeros)', 0],
    ['-500', -500],
    ['2.5', 2.5],
  ])('a succeeded job reported with trained_tokens %s is charged its reservation, not nothing', async (_name, trained) => {
    const user = freshAdmin();
    const { jobId } = await startJob({}, { user });
    const job = h.openai.fineTuning.advance(jobId, 'succeeded');
    job.trained_tokens = trained; // a job that made a model trained on something
    await poll();
    const reserved = TUTORIAL_TOKENS * 2 * GPT_4O_MINI_TRAINING_MICROS_PER_TOKEN;
    expect(ledgerRows(user.id)).toMatchObject([{ state: 'settled', reserved, charged: reserved }]);
  });

  test('failed at validation (before any training): released, and the notice gives OpenAI\'s reason', async () => {
    const user = freshAdmin();
    const channelId = TEST_CHANNEL_IDS[32]!;
    const { jobId } = await startJob({}, { user, channelId });
    h.openai.fineTuning.advance(jobId, 'failed', 'The training file has too few valid examples.');
    await poll();
    expect(ledgerRows(user.id)).toMatchObject([{ state: 'released', charged: 0 }]);
    expect(notices(channelId).at(-1)!.content).toBe(`❌ Fine-tuning job \`${jobId}\` failed. OpenAI says: The training file has too few valid examples.\nNothing was charged.`);
  });

  test('use: the channel\'s model becomes the fine-tuned one, /ask there sends it, /settings model suggests it', async () => {
    const channelId = TEST_CHANNEL_IDS[33]!;
    const { jobId } = await startJob();
    expect(await finetune('use', { job: jobId, channel: channelId })).toMatch(/has no model to use yet: it is checking the training file/);
    const model = h.openai.fineTuning.advance(jobId, 'succeeded').fine_tuned_model!;
    expect(await finetune('use', { job: jobId, channel: channelId })).toBe(`<#${channelId}> now uses \`${model}\`: \`/ask\` there answers with the fine-tuned model. \`/settings model\` changes it back.`);
    await h.settled(h.command('ask', { prompt: '誰最帥' }, { channelId }));
    expect(h.openai.chat.lastRequest!.model).toBe(model);
    const i = h.discord.sendInteraction({ kind: 'autocomplete', commandName: 'settings', guildId: DEFAULT_GUILD_ID, subcommand: 'model', focused: 'name', options: { name: 'ft:' } });
    await i.callback();
    expect((i.callbacks[0]!.data as { choices: { value: string }[] }).choices.map((c) => c.value)).toContain(model);
  });

  test('file and job suggestions come from this server\'s uploads and jobs', async () => {
    const { fileId, jobId } = await startJob();
    const suggest = async (subcommand: string, focused: string) => {
      const i = h.discord.sendInteraction({ kind: 'autocomplete', commandName: 'finetune', guildId: DEFAULT_GUILD_ID, subcommand, focused, options: { [focused]: '' }, permissions: MANAGE_GUILD });
      await i.callback();
      return (i.callbacks[0]!.data as { choices: { value: string }[] }).choices.map((c) => c.value);
    };
    expect(await suggest('start', 'file')).toContain(fileId);
    expect(await suggest('cancel', 'job')).toContain(jobId);
    expect(await suggest('use', 'job')).not.toContain(jobId);
    const labels = async (subcommand: string, focused: string, locale: string) => {
      const i = h.discord.sendInteraction({ kind: 'autocomplete', commandName: 'finetune', guildId: DEFAULT_GUILD_ID, subcommand, focused, options: { [focused]: '' }, permissions: MANAGE_GUILD, locale });
      await i.callback();
      return (i.callbacks[0]!.data as { choices: { name: string; value: string }[] }).choices;
    };
    expect((await labels('start', 'file', 'ja')).find((c) => c.value === fileId)?.name).toBe(`mydata.jsonl · 例 10 個 · ${fileId}`);
    expect((await labels('cancel', 'job', 'zh-CN')).find((c) => c.value === jobId)?.name).toMatch(new RegExp(`^${jobId} · (正在检查训练文件|在 OpenAI 排队中|训练中) · `));
    await finetune('cancel', { job: jobId });
  });

  test('a restart keeps a running job\'s reservation; the start-up check settles a job that finished meanwhile', async () => {
    const user = freshAdmin();
    const channelId = TEST_CHANNEL_IDS[34]!;
    const { jobId } = await startJob({}, { user, channelId });
    await h.restart();
    expect(ledgerRows(user.id)).toMatchObject([{ state: 'reserved' }]);
    await h.bot.stop();
    const job = h.openai.fineTuning.advance(jobId, 'succeeded');
    await h.startBot();
    await expect.poll(() => ledgerRows(user.id)[0]!.state).toBe('settled');
    expect(ledgerRows(user.id)[0]!.charged).toBe(job.trained_tokens! * GPT_4O_MINI_TRAINING_MICROS_PER_TOKEN);
    await expect.poll(() => notices(channelId).length).toBe(1);
  });
});
