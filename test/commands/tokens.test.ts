import { countTokens as countO200k } from 'gpt-tokenizer';
import { countTokens as countCl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { formatUsd } from '../../src/services/pricing/index.ts';
import { GLOBAL_COMMANDS, BotHarness, TEST_CHANNEL_IDS } from '../support/botHarness.ts';
import { DEFAULT_GUILD_ID, type FakeInteractionSpec } from '../support/fakeDiscord.ts';

const EPHEMERAL = 64;
const ENGLISH = 'Tokens are the basic unit that GPT models use to process text. One token is about four characters of English.';
const CHINESE = 'Token 是 GPT 處理內容的基本單位。通常 1 個 Token 大約等於 4 個英文字元，或者四分之三個中文字。';

let h: BotHarness;
beforeAll(async () => { h = await BotHarness.start({ env: GLOBAL_COMMANDS }); });
afterAll(async () => { await h?.close(); });
beforeEach(() => { h.openai.reset(); });

/** Runs `/tokens` and returns its reply, after checking it is private, pings nobody and made no AI request. */
async function tokens(options: FakeInteractionSpec['options'], spec: Partial<FakeInteractionSpec> = {}): Promise<string> {
  const i = h.command('tokens', options, spec);
  await h.settled(i);
  const data = i.callbacks[0]!.data as { content: string; flags: number; allowed_mentions: unknown };
  expect(data.flags & EPHEMERAL).toBe(EPHEMERAL);
  expect(data.allowed_mentions).toEqual({ parse: [] });
  expect(h.openai.requests).toEqual([]);
  return data.content;
}

/** The cost lines as the pricing table computes them for `count` tokens. */
function costs(model: string, count: number): { input: string; output: string } {
  const { pricing } = h.bot.ctx.services;
  return {
    input: formatUsd(pricing.chatCost(model, { promptTokens: count, completionTokens: 0 })),
    output: formatUsd(pricing.chatCost(model, { promptTokens: 0, completionTokens: count })),
  };
}

describe('/tokens', () => {
  test('is registered everywhere, text as long as /ask allows, model with suggestions', () => {
    const registered = h.discord.commands().find((c) => c.name === 'tokens')!;
    expect(registered.contexts).toEqual([0, 1, 2]);
    const [text, model] = registered.options as { name: string; required?: boolean; max_length?: number; autocomplete?: boolean }[];
    expect(text).toMatchObject({ name: 'text', required: true, max_length: 6000 });
    expect(model).toMatchObject({ name: 'model', autocomplete: true });
  });

  test('English text for gpt-4o-mini: the o200k count, characters, and both costs', async () => {
    const count = countO200k(ENGLISH);
    const { input, output } = costs('gpt-4o-mini', count);
    expect(await tokens({ text: ENGLISH, model: 'gpt-4o-mini' })).toBe([
      `**Tokens:** ${count} for \`gpt-4o-mini\` (tokenizer: o200k_base, used by GPT-4o and newer)`,
      `**Characters:** ${ENGLISH.length} (≈ ${(ENGLISH.length / count).toFixed(1)} characters per token)`,
      `**Cost as input** (sent to the model): ${input} ($0.15 per 1M tokens)`,
      `**Cost as output** (written by the model): ${output} ($0.60 per 1M tokens)`,
      'Rule of thumb: 1 token ≈ 4 English characters, or ≈ ¾ of a Chinese character (GPT-4o and newer fit more Chinese into each token).',
      'Counted by the bot: no AI request was made and nothing was charged.',
    ].join('\n'));
  });

  test('a search model: the text\'s costs are its tokens alone, and the per-request search fee has its own line', async () => {
    const count = countO200k(ENGLISH);
    const reply = await tokens({ text: ENGLISH, model: 'gpt-4o-search-preview' });
    // $2.50 and $10 per 1M tokens: a few hundredths of a cent, not the $0.035 a search costs.
    expect(reply).toContain(`**Cost as input** (sent to the model): ${formatUsd(Math.ceil(count * 2.5))} ($2.50 per 1M tokens)`);
    expect(reply).toContain(`**Cost as output** (written by the model): ${formatUsd(count * 10)} ($10.00 per 1M tokens)`);
    expect(reply).toContain('**Per question:** $0.035 more, whatever the length');
    expect(await tokens({ text: ENGLISH, model: 'gpt-4o-mini' })).not.toContain('Per question');
  });

  test('Chinese text: characters are counted one per character, tokens by the model\'s tokenizer', async () => {
    const reply = await tokens({ text: CHINESE, model: 'gpt-4o-mini' });
    expect(reply).toContain(`**Tokens:** ${countO200k(CHINESE)} for \`gpt-4o-mini\``);
    expect(reply).toContain(`**Characters:** ${[...CHINESE].length} (`);
    expect(countO200k(CHINESE)).not.toBe(countCl100k(CHINESE));
  });

  test('legacy gpt-3.5-turbo counts with cl100k, a different count, at the tutorial\'s prices', async () => {
    const count = countCl100k(CHINESE);
    expect(count).toBeGreaterThan(countO200k(CHINESE));
    const reply = await tokens({ text: CHINESE, model: 'gpt-3.5-turbo' });
    expect(reply).toContain(`**Tokens:** ${count} for \`gpt-3.5-turbo\` (tokenizer: cl100k_base, used by GPT-3.5 and GPT-4)`);
    expect(reply).toContain(`**Cost as input** (sent to the model): ${costs('gpt-3.5-turbo', count).input} ($1.50 per 1M tokens)`);
    expect(reply).toContain(`($2.00 per 1M tokens)`);
  });

  test('without a model, the channel\'s model is used', async () => {
    const channelId = TEST_CHANNEL_IDS[0]!;
    h.bot.ctx.services.settings.updateChannel({ guildId: DEFAULT_GUILD_ID, channelId, parentId: null }, { model: 'gpt-3.5-turbo' }, 'admin');
    expect(await tokens({ text: ENGLISH }, { channelId })).toContain(`**Tokens:** ${countCl100k(ENGLISH)} for \`gpt-3.5-turbo\` (tokenizer: cl100k_base`);
    // Elsewhere, and in a DM, the bot's DEFAULT_MODEL (gpt-4o-mini in the harness).
    expect(await tokens({ text: ENGLISH })).toContain(`**Tokens:** ${countO200k(ENGLISH)} for \`gpt-4o-mini\``);
    expect(await tokens({ text: ENGLISH }, { guildId: undefined })).toContain(`**Tokens:** ${countO200k(ENGLISH)} for \`gpt-4o-mini\``);
  });

  test('an unknown model still gets an answer: a padded estimate, the fallback price, and why', async () => {
    const estimate = Math.ceil(Math.max(countO200k(CHINESE), countCl100k(CHINESE)) * 1.25);
    const reply = await tokens({ text: CHINESE, model: 'llama3.1:8b' });
    expect(reply).toContain(`**Tokens:** about ${estimate} for \`llama3.1:8b\` (estimate: the bot doesn't know this model's tokenizer. Local models (Llama, Qwen, Mistral...) count differently`);
    expect(reply).toContain(`**Cost as input** (sent to the model): ${costs('llama3.1:8b', estimate).input} ($2.50 per 1M tokens)`);
    expect(reply).toContain('⚠️ `llama3.1:8b` has no price in the bot\'s table, so the cost uses the fallback price.');
  });

  test('a member whose Discord is in Traditional Chinese gets the answer in Traditional Chinese', async () => {
    const count = countO200k(CHINESE);
    const reply = await tokens({ text: CHINESE, model: 'gpt-4o-mini' }, { locale: 'zh-TW' });
    expect(reply.split('\n')).toEqual([
      `**Token 數：**${count}（\`gpt-4o-mini\`，分詞器：o200k_base，GPT-4o 及更新的模型使用）`,
      `**字元數：**${[...CHINESE].length}（平均每個 token 約 ${([...CHINESE].length / count).toFixed(1)} 個字元）`,
      `**作為輸入的費用**（送給模型）：${costs('gpt-4o-mini', count).input}（每 100 萬個 token $0.15）`,
      `**作為輸出的費用**（模型寫出）：${costs('gpt-4o-mini', count).output}（每 100 萬個 token $0.60）`,
      '經驗法則：1 個 token 約等於 4 個英文字元，或約四分之三個中文字（GPT-4o 及更新的模型，每個 token 能容納更多中文）。',
      '由機器人自行計算：沒有呼叫 AI 服務，也不收取任何費用。',
    ]);
    expect(await tokens({ text: 'hi', model: 'llama3.1:8b' }, { locale: 'zh-TW' })).toContain('⚠️ 機器人的價目表沒有 `llama3.1:8b` 的價格，費用以備用價格計算。');
  });

  test('a model name cannot break out of its inline code, and nothing is charged', async () => {
    const reply = await tokens({ text: 'hello', model: 'evil`<@&123456789012345678>`' });
    expect(reply).toContain('for `evil<@&123456789012345678>` (estimate');
    expect(h.bot.ctx.db.prepare('SELECT COUNT(*) FROM ledger').pluck().get()).toBe(0);
  });

  test('model suggestions are the chat models the bot knows, in a server and in a DM', async () => {
    const suggest = async (value: string, spec: Partial<FakeInteractionSpec>) => {
      const i = h.discord.sendInteraction({ kind: 'autocomplete', commandName: 'tokens', focused: 'model', options: { text: 'x', model: value }, ...spec });
      await i.callback();
      return (i.callbacks[0]!.data as { choices: { name: string; value: string }[] }).choices.map((c) => c.value);
    };
    expect(await suggest('4o-mini', { guildId: DEFAULT_GUILD_ID })).toContain('gpt-4o-mini');
    expect(await suggest('', { guildId: DEFAULT_GUILD_ID })).toContain('gpt-3.5-turbo'); // set on a channel above, and in the price table
    expect(await suggest('3.5', {})).toContain('gpt-3.5-turbo');
  });
});
