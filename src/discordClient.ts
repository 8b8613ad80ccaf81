import { Client, GatewayIntentBits, Partials } from 'discord.js';
import type { Command } from './commands/types.ts';
import type { BotContext } from './context.ts';
import { registerClientReady } from './events/clientReady.ts';
import { registerGuildCreate } from './events/guildCreate.ts';
import { registerInteractionCreate } from './events/interactionCreate.ts';
import { registerMessageCreate } from './events/messageCreate.ts';
import { rollingGlobalLimit } from './services/discord/globalLimit.ts';
import { NO_MENTIONS, webhookRest } from './services/discord/sinks.ts';
import { meterDiscordRest } from './services/metrics/discordRest.ts';
import { CACHE, SWEEPERS } from './discordCache.ts';
import { UNSHARDED, type ShardAssignment } from './sharding/shardRole.ts';

/** Without the privileged Message Content intent the bot still sees slash commands and the messages that mention it. */
const BASE_INTENTS = [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.DirectMessages];

const MESSAGE_CONTENT_REFUSED = 'Discord refused the Message Content intent (VOICE_TRANSCRIPTION=true needs it to read voice messages). '
  + 'Voice messages will NOT be transcribed automatically; everything else works. To fix it, open the developer portal → your application → '
  + 'Bot → Privileged Gateway Intents, turn on Message Content Intent and restart the bot, or set VOICE_TRANSCRIPTION=false.';

const THREADS_WITHOUT_MESSAGE_CONTENT = 'Discord refused the Message Content intent (THREAD_CONVERSATIONS=true needs it to read messages that do not mention the bot). '
  + 'In the bot\'s threads members must mention it, and forum posts are NOT answered; everything else works. To fix it, turn on Message Content Intent '
  + 'in the developer portal (Bot → Privileged Gateway Intents) and restart the bot, or set THREAD_CONVERSATIONS=false.';

/** Plain words for the ways logging in can fail. */
export function explainLoginError(error: unknown): string {
  const text = error instanceof Error ? `${error.name} ${error.message}` : String(error);
  if (/TokenInvalid|invalid token|401/i.test(text)) return 'Discord rejected DISCORD_TOKEN. Copy the token again from the developer portal (Bot → Reset Token) into .env.';
  if (/sharding (is )?required|4011/i.test(text)) return 'Discord says the bot is in too many servers for one connection (sharding required). Set SHARDS=auto in .env and restart.';
  if (/disallowed intent|4014/i.test(text)) return 'Discord refused a privileged intent. Turn it on in the developer portal (Bot → Privileged Gateway Intents) or turn off the feature that needs it.';
  return `Could not connect to Discord: ${error instanceof Error ? error.message : text}`;
}

/** A client with every handler attached, logged in and ready; destroyed again if that fails. */
async function connect(ctx: BotContext, commands: Map<string, Command>, intents: GatewayIntentBits[], shard: ShardAssignment): Promise<Client> {
  const { config, logger } = ctx;
  const client = new Client({
    intents,
    // Explicit, so discord.js never reads the operator's SHARDS/SHARD_COUNT settings as its own shard list.
    shards: shard.ids,
    shardCount: shard.count,
    partials: [Partials.Channel],
    allowedMentions: NO_MENTIONS,
    makeCache: CACHE,
    sweepers: SWEEPERS,
    rest: { makeRequest: rollingGlobalLimit(), ...(config.discordApiUrl ? { api: config.discordApiUrl } : {}) },
  });
  client.on('error', (error) => logger.error({ err: error }, 'discord client error'));
  client.on('warn', (message) => logger.warn(message));
  meterDiscordRest(client.rest, 'bot', ctx.services.metrics);
  meterDiscordRest(webhookRest(client), 'webhook', ctx.services.metrics);
  registerInteractionCreate(client, ctx, commands);
  registerMessageCreate(client, ctx);
  registerGuildCreate(client, ctx);
  const ready = registerClientReady(client, ctx, commands);
  try {
    await client.login(config.discordToken);
    await ready;
    return client;
  } catch (error) {
    await client.destroy().catch(() => undefined);
    throw error;
  }
}

/** Asks for Message Content only when voice transcription or thread conversations are on; if Discord refuses it (4014), warns and runs without. */
export async function connectToDiscord(ctx: BotContext, commands: Map<string, Command>, shard: ShardAssignment = UNSHARDED): Promise<Client> {
  if (!ctx.config.voiceTranscription && !ctx.config.threadConversations) return connect(ctx, commands, BASE_INTENTS, shard);
  try {
    return await connect(ctx, commands, [...BASE_INTENTS, GatewayIntentBits.MessageContent], shard);
  } catch (error) {
    if (!/disallowed intent|4014/i.test(error instanceof Error ? error.message : String(error))) throw error;
    if (ctx.config.voiceTranscription) {
      ctx.logger.warn(MESSAGE_CONTENT_REFUSED);
      ctx.services.transcription.automatic = 'intent-refused';
    }
    if (ctx.config.threadConversations) {
      ctx.logger.warn(THREADS_WITHOUT_MESSAGE_CONTENT);
      ctx.services.threads.conversations = 'intent-refused';
    }
    return connect(ctx, commands, BASE_INTENTS, shard);
  }
}
