/**
 * The least any Node.js bot can do for a burst of slash commands: read the gateway (@discordjs/ws, as discord.js does)
 * and acknowledge each command with a bare HTTP request (undici, as discord.js's REST uses), nothing else: no client
 * objects, no caches, no REST queue, no warm-up. `npm run bench floor` measures it on the same fakes as the bot.
 * After its acknowledgement, each command gets the fake model's text as its answer, so the fakes see it finished.
 */
import { createRequire } from 'node:module';
import process from 'node:process';
import { setTimeout } from 'node:timers';
import { URL } from 'node:url';

// discord.js's own copies of its gateway and HTTP libraries (neither is a direct dependency of the bot).
const fromDiscordJs = createRequire(createRequire(import.meta.url).resolve('discord.js'));
const { WebSocketManager, WebSocketShardEvents } = fromDiscordJs('@discordjs/ws');
const { REST } = fromDiscordJs('@discordjs/rest');
const { Pool } = fromDiscordJs('undici');

const api = new URL(process.env.DISCORD_API_URL);
const base = `${api.pathname.replace(/\/$/, '')}/v10`;
/** One connection per request in flight, as discord.js's REST opens them. */
const pool = new Pool(api.origin);
const json = { 'content-type': 'application/json' };
const deferred = JSON.stringify({ type: 5 });
const answer = JSON.stringify({ content: process.env.FULL_TEXT });
/** The answer comes after the burst, as a model's would. */
const ANSWER_AFTER_MS = 1_500;
const manager = new WebSocketManager({
  token: process.env.DISCORD_TOKEN,
  intents: 1 | 512, // Guilds and GuildMessages, as the bot asks
  rest: new REST({ api: process.env.DISCORD_API_URL }).setToken(process.env.DISCORD_TOKEN),
});
let applicationId;
manager.on(WebSocketShardEvents.Dispatch, ({ data }) => {
  if (data.t === 'READY') {
    applicationId = data.d.application.id;
    process.stdout.write('READY\n');
    return;
  }
  if (data.t !== 'INTERACTION_CREATE' || data.d.type !== 2) return;
  const { id, token } = data.d;
  pool.request({ path: `${base}/interactions/${id}/${token}/callback`, method: 'POST', headers: json, body: deferred })
    .then((response) => response.body.dump())
    .then(() => setTimeout(() => {
      pool.request({ path: `${base}/webhooks/${applicationId}/${token}/messages/@original`, method: 'PATCH', headers: json, body: answer })
        .then((response) => response.body.dump(), () => undefined);
    }, ANSWER_AFTER_MS), () => undefined);
});
void manager.connect();
