/**
 * `/finetune` in a process that does not follow the host's jobs (a ShardingManager's other shard processes): a
 * `status` or `cancel` handled there may be what finds a job finished and settles it, and its notice must still be
 * posted (the following process finds it closed and says nothing).
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { BotHarness, TEST_CHANNEL_IDS } from '../support/botHarness.ts';
import { DEFAULT_GUILD_ID, type FakeInteractionSpec } from '../support/fakeDiscord.ts';
import { loadCommands } from '../../src/commands/index.ts';
import { followsHostJobs, type ShardAssignment } from '../../src/sharding/shardRole.ts';

const MANAGE_GUILD = String(1n << 5n);
const MODEL = 'gpt-4o-mini-2024-07-18';
const SHARD_COUNT = 4;
/** The shard Discord routes the test server to ((id >> 22) % count), held by a process that is not the host's first. */
const SHARD: ShardAssignment = { ids: [Number((BigInt(DEFAULT_GUILD_ID) >> 22n) % BigInt(SHARD_COUNT))], count: SHARD_COUNT, hostFirst: 0 };
const JSONL = Buffer.from(`${Array.from({ length: 10 }, (_, n) => `{"messages": [{"role": "user", "content": "q${n}"}, {"role": "assistant", "content": "a${n}"}]}`).join('\n')}\n`);

let h: BotHarness;
beforeAll(async () => {
  h = await BotHarness.start({ shard: SHARD });
  // The host's first shard registers the commands (to DEV_GUILD_ID), not this process: Discord holds them as it left them.
  for (const command of loadCommands().values()) h.discord.keepCommand(command.data, DEFAULT_GUILD_ID);
});
afterAll(async () => { await h?.close(); });

async function finetune(subcommand: string, options: FakeInteractionSpec['options'], spec: Partial<FakeInteractionSpec> = {}): Promise<string> {
  const i = h.command('finetune', options, { subcommand, permissions: MANAGE_GUILD, ...spec });
  await h.settled(i);
  return i.transcript().join('\n');
}

test('a job found finished by `/finetune status` in a process that does not poll: settled, and the channel told', async () => {
  expect([SHARD.ids[0] !== 0, followsHostJobs(SHARD)]).toEqual([true, false]);
  const channelId = TEST_CHANNEL_IDS[5]!;
  const fileId = /`(file-[\w-]+)`/.exec(await finetune('upload', { file: { filename: 'data.jsonl', contentType: 'application/jsonl', data: JSONL } }))![1]!;
  const jobId = /`(ftjob-[\w-]+)`/.exec(await finetune('start', { file: fileId, model: MODEL, epochs: 2 }, { channelId }))![1]!;
  const job = h.openai.fineTuning.advance(jobId, 'succeeded');
  expect(await finetune('status', { job: jobId })).toContain(`Fine-tuned model: \`${job.fine_tuned_model}\``);
  const notices = h.discord.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${channelId}/messages`).map((r) => (r.body as { content: string }).content);
  expect(notices).toEqual([expect.stringContaining(`✅ Fine-tuning job \`${jobId}\` finished: \`${job.fine_tuned_model}\` is ready`)]);
});
