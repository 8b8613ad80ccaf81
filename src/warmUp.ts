import { setImmediate as nextTurn } from 'node:timers/promises';
import { SnowflakeUtil } from 'discord.js';
import type { BotContext } from './context.ts';
import { releaseStartupMemory } from './releaseMemory.ts';
import { EditPacer, WEBHOOK_EDIT_BUDGET_PER_SECOND } from './services/discord/editPacer.ts';
import { ReplyStream } from './services/discord/replyStream.ts';
import { splitMessage } from './services/messageSplitter.ts';
import { preloadTokenizers } from './services/tokens.ts';
import { findLanguage } from './services/translate/languages.ts';
import { exerciseDiscordRest } from './warmDiscordRest.ts';

/** Stands in for a real place and person; nothing is written under these ids. */
const NOBODY = '0';
/** Text in the scripts members write (English, Traditional Chinese, code), so every tokenizer path gets compiled. */
const SAMPLE = [
  'How many tokens is this sentence, and what would the answer cost?',
  '你好，世界！請用三句話解釋什麼是 token。',
  '```ts\nconst answer = await ask({ prompt: "hi" });\n```',
].join('\n');
/** An interaction id of the kind Discord sends (2024). */
const SNOWFLAKE_SAMPLE = 1_250_000_000_000_000_000n;
/** Rounds of the answer's synchronous steps: enough for V8 to optimise them. */
const ROUNDS = 20;

/** A reply streamed and finished into a sink that keeps nothing, paced apart from the real replies' budget. */
async function showNowhere(ctx: BotContext): Promise<void> {
  const reply = new ReplyStream({ write: () => Promise.resolve() }, new EditPacer(WEBHOOK_EDIT_BUDGET_PER_SECOND), ctx.logger);
  reply.update(SAMPLE);
  await reply.finish(SAMPLE.repeat(30));
}

/**
 * After READY, loads the tokenizers, then runs the synchronous steps of an answer (settings, history and
 * token counts, the budget pre-check, streaming a reply) with made-up input, so the first burst of questions
 * doesn't pay for loading, compiling and optimising them. Read-only: it charges nobody and calls neither OpenAI nor Discord.
 * Each round yields to the event loop, so a question arriving meanwhile is not held up. Then one low-memory
 * garbage collection returns start-up garbage to the system (see releaseMemory.ts).
 */
export async function warmUp(ctx: BotContext): Promise<void> {
  const { services, config } = ctx;
  const scope = { guildId: NOBODY, channelId: NOBODY, parentId: null };
  // Start-up finishes (and says it is ready) first.
  await nextTurn();
  // The names /translate and /transcribe look languages up by, built here rather than before READY (see languages.ts).
  findLanguage('en');
  await preloadTokenizers();
  // Its loopback server failing (no socket allowed) costs only this pass, not the rest of the warm-up and the memory release.
  await exerciseDiscordRest().catch((error: unknown) => ctx.logger.warn({ err: error }, 'REST warm-up failed; the first acknowledgements may be slower'));
  for (let round = 0; round < ROUNDS; round++) {
    const settings = services.settings.forChannel(scope);
    const model = settings.model.value;
    // The room a real answer leaves for its output (AskService's rule), so the same path is compiled, not a prompt-too-long.
    services.history.build({
      channelId: NOBODY, model, systemPrompt: settings.systemPrompt.value, speaker: { id: NOBODY, name: 'warm-up' },
      prompt: `${SAMPLE} ${round}`, outputReserve: services.reasoning.outputAllowance(model, config.maxOutputTokens), historyTokenCap: undefined,
    });
    services.ledger.precheck({ guildId: NOBODY, userId: NOBODY, roleIds: [], channelId: NOBODY }, 1);
    splitMessage(SAMPLE.repeat(40));
    // An interaction's age (its id's time, read as it arrives) is BigInt work V8 would otherwise compile in a burst.
    for (let id = 0; id < 10; id++) SnowflakeUtil.timestampFrom(`${SNOWFLAKE_SAMPLE + BigInt(round * 10 + id)}`);
    await showNowhere(ctx);
    await nextTurn();
  }
  await releaseStartupMemory();
}
