import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ActionRowBuilder,
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ButtonBuilder,
  ButtonStyle,
  ChannelType,
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  InteractionContextType,
  MessageFlags,
  ModalBuilder,
  OverwriteType,
  Partials,
  PermissionFlagsBits,
  TextInputBuilder,
  TextInputStyle,
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ModalSubmitInteraction,
  type ChatInputCommandInteraction,
  type Interaction,
  type Message,
  type MessageContextMenuCommandInteraction,
  type TextChannel,
} from 'discord.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_CHANNEL_ID,
  DEFAULT_GUILD_ID,
  DEFAULT_THREAD_ID,
  DEFAULT_USER_ID,
  FakeDiscord,
  type FakeDiscordOptions,
  type MultipartBody,
} from './fakeDiscord.ts';

const G = GatewayIntentBits;

async function startBot(
  options: FakeDiscordOptions = {},
  intents: GatewayIntentBits[] = [G.Guilds, G.GuildMessages, G.DirectMessages],
): Promise<{ fake: FakeDiscord; client: Client }> {
  const fake = await FakeDiscord.start(options);
  // Discord delivers interactions only for registered commands: the ones these tests send, as an earlier run left them.
  for (const name of ['ask', 'slow', 'dm', 'x', 'after-resume']) fake.keepCommand({ name, description: 'a test command' });
  const client = new Client({ intents, partials: [Partials.Channel], rest: { api: fake.restUrl } });
  const ready = once(client, Events.ClientReady);
  await client.login(fake.token);
  await ready;
  await fake.waitForReady();
  return { fake, client };
}

function nextInteraction<T extends Interaction = ChatInputCommandInteraction>(client: Client): Promise<T> {
  return once(client, Events.InteractionCreate).then(([i]) => i as T);
}

/** Next messageCreate not authored by the bot (its own replies are dispatched too, like on Discord). */
function nextMessage(client: Client): Promise<Message> {
  return new Promise((resolve) => {
    const listener = (m: Message) => {
      if (m.author.id === client.user?.id) return;
      client.off(Events.MessageCreate, listener);
      resolve(m);
    };
    client.on(Events.MessageCreate, listener);
  });
}

async function apiError(p: Promise<unknown>): Promise<DiscordAPIError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DiscordAPIError);
  return error as DiscordAPIError;
}

describe('FakeDiscord with a real discord.js client', () => {
  let fake: FakeDiscord;
  let client: Client;

  beforeAll(async () => {
    ({ fake, client } = await startBot());
  });
  afterAll(async () => {
    await client?.destroy();
    await fake?.close();
  });

  it('logs in, identifies and fills the guild/channel caches', () => {
    expect(client.isReady()).toBe(true);
    expect(client.user?.id).toBe(fake.botUser.id);
    expect(client.application?.id).toBe(fake.applicationId);
    expect(fake.identify?.intents).toBe(G.Guilds | G.GuildMessages | G.DirectMessages);
    expect(fake.identify?.token).toBe(fake.token);
    const guild = client.guilds.cache.get(DEFAULT_GUILD_ID);
    expect(guild?.name).toBe('Fake Guild');
    expect(guild?.available).toBe(true);
    expect(guild?.members.me?.id).toBe(fake.botUser.id);
    expect(guild?.roles.everyone.id).toBe(DEFAULT_GUILD_ID);
    expect(client.channels.cache.get(DEFAULT_CHANNEL_ID)?.type).toBe(ChannelType.GuildText);
    const thread = client.channels.cache.get(DEFAULT_THREAD_ID);
    expect(thread?.isThread() && thread.parentId).toBe(DEFAULT_CHANNEL_ID);
    const gw = fake.requests.find((r) => r.path === '/gateway/bot');
    expect(gw?.headers.authorization).toBe(`Bot ${fake.token}`);
    expect(fake.dispatches.map((d) => d.t).slice(0, 2)).toEqual(['READY', 'GUILD_CREATE']);
  });

  it('accepts valid command registrations and rejects a bad schema with 50035', async () => {
    const before = fake.registrations;
    const set = await client.application!.commands.set([
      {
        name: 'ask',
        description: 'Ask the model',
        options: [
          { type: ApplicationCommandOptionType.String, name: 'prompt', description: 'What to ask', required: true },
          { type: ApplicationCommandOptionType.Number, name: 'temperature', description: 'Sampling', minValue: 0, maxValue: 2 },
          { type: ApplicationCommandOptionType.String, name: 'model', description: 'Model', autocomplete: true },
        ],
      },
      { name: 'Summarize message', type: ApplicationCommandType.Message },
    ]);
    expect(set.size).toBe(2);
    expect(fake.commands().map((c) => c.name)).toEqual(['ask', 'Summarize message']);
    const ids = fake.commands().map((c) => c.id);
    // Re-registering the same commands keeps ids (like Discord).
    await client.application!.commands.set([
      { name: 'ask', description: 'Ask the model', options: set.first()!.options.map((o) => ({ ...o })) as never },
      { name: 'Summarize message', type: ApplicationCommandType.Message },
    ]);
    expect(fake.commands().map((c) => c.id)).toEqual(ids);

    const error = await apiError(
      client.application!.commands.set([
        { name: 'Ask', description: 'x'.repeat(101) },
        { name: 'ok', description: 'fine', options: [
          { type: ApplicationCommandOptionType.String, name: 'a', description: 'a' },
          { type: ApplicationCommandOptionType.String, name: 'b', description: 'b', required: true },
        ] },
      ]),
    );
    expect(error.code).toBe(50035);
    expect(error.status).toBe(400);
    const errors = (error.rawError as unknown as { errors: Record<string, Record<string, { _errors: { code: string }[] }>> }).errors;
    expect(errors['0']!.name!._errors[0]!.code).toBe('APPLICATION_COMMAND_INVALID_NAME');
    expect(errors['0']!.description!._errors[0]!.code).toBe('BASE_TYPE_BAD_LENGTH');
    expect(errors['1']!.options!._errors[0]!.code).toBe('APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID');
    expect(fake.registrations).toBe(before + 3);
    expect(fake.commands()).toHaveLength(2); // the rejected PUT changed nothing
  });

  it('records deferReply -> editReply -> followUp in order', async () => {
    const got = nextInteraction(client);
    const ia = fake.sendInteraction({ commandName: 'ask', guildId: DEFAULT_GUILD_ID, options: { prompt: 'hello', temperature: 0.5 } });
    const interaction = await got;
    expect(interaction.commandName).toBe('ask');
    expect(interaction.commandId).toBe(fake.commands().find((c) => c.name === 'ask')!.id);
    expect(interaction.options.getString('prompt')).toBe('hello');
    expect(interaction.options.getNumber('temperature')).toBe(0.5);
    expect(interaction.user.id).toBe(DEFAULT_USER_ID);
    expect(interaction.inGuild()).toBe(true);
    expect(interaction.channelId).toBe(DEFAULT_CHANNEL_ID);

    await interaction.deferReply();
    expect(ia.original()?.flags).toBe(MessageFlags.Loading);
    await interaction.editReply('partial');
    await interaction.editReply('final answer');
    const follow = await interaction.followUp('more details');
    expect(follow.content).toBe('more details');

    expect(ia.callbacks.map((c) => [c.type, c.status])).toEqual([[5, 204]]);
    expect(ia.callbackAt! - ia.receivedAt).toBeGreaterThanOrEqual(0);
    expect(ia.originalEdits.map((e) => e.body.content)).toEqual(['partial', 'final answer']);
    expect(ia.original()?.content).toBe('final answer');
    expect(ia.original()?.flags).toBe(0);
    expect(ia.followUps.map((m) => m.content)).toEqual(['more details']);
    expect(ia.transcript()).toEqual(['final answer', 'more details']);
    expect(ia.requests.map((r) => `${r.method} ${r.route}`)).toEqual([
      'POST /interactions/:id/:token/callback',
      'PATCH /webhooks/:app/:token/messages/:message',
      'PATCH /webhooks/:app/:token/messages/:message',
      'POST /webhooks/:app/:token',
    ]);
    // interaction token routes carry no bot auth
    expect(ia.requests.every((r) => r.headers.authorization === undefined)).toBe(true);
    // non-ephemeral responses are real channel messages
    expect(fake.channelMessages(DEFAULT_CHANNEL_ID).map((m) => m.content)).toEqual(
      expect.arrayContaining(['final answer', 'more details']),
    );
    // a second callback is rejected like Discord does (discord.js guards too, so go raw)
    const second = await apiError(
      client.rest.post(`/interactions/${ia.id}/${ia.token}/callback`, { body: { type: 4, data: { content: 'x' } }, auth: false }),
    );
    expect(second.code).toBe(40060);
  });

  it('rejects 2001-character content with 50035 but counts code points', async () => {
    const got = nextInteraction(client);
    const ia = fake.sendInteraction({ commandName: 'ask', guildId: DEFAULT_GUILD_ID, options: { prompt: 'long' } });
    const interaction = await got;
    const error = await apiError(interaction.reply('x'.repeat(2001)));
    expect(error.code).toBe(50035);
    const raw = error.rawError as unknown as { errors: { data: { content: { _errors: { code: string; message: string }[] } } } };
    expect(raw.errors.data.content._errors[0]).toEqual({ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.' });
    expect(ia.acknowledged).toBe(false);
    await interaction.reply({ content: '😀'.repeat(2000), flags: MessageFlags.Ephemeral }); // 4000 UTF-16 units, 2000 code points
    expect(ia.original()?.flags).toBe(MessageFlags.Ephemeral);
    const editError = await apiError(interaction.editReply('y'.repeat(2001)));
    expect((editError.rawError as unknown as { errors: Record<string, unknown> }).errors.content).toBeDefined();
    const empty = await apiError(interaction.editReply({ content: '' }));
    expect(empty.code).toBe(50006);
  });

  it('parses multipart uploads (editReply with files)', async () => {
    const got = nextInteraction(client);
    const ia = fake.sendInteraction({ commandName: 'ask', guildId: DEFAULT_GUILD_ID, options: { prompt: 'image' } });
    const interaction = await got;
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
    await interaction.editReply({ content: 'here', files: [{ attachment: png, name: 'a.png' }] });
    const req = ia.requests.at(-1)!;
    expect(req.headers['content-type']).toMatch(/^multipart\/form-data/);
    const body = req.body as MultipartBody;
    expect(body.payload_json).toMatchObject({ content: 'here', attachments: [{ id: '0' }] });
    expect(body.files).toHaveLength(1);
    expect(body.files[0]).toMatchObject({ field: 'files[0]', filename: 'a.png', contentType: 'image/png' });
    expect(body.files[0]!.data.equals(png)).toBe(true);
    const att = ia.original()!.attachments[0]!;
    expect(att).toMatchObject({ filename: 'a.png', size: png.length, content_type: 'image/png' });
    expect(att.url).toContain('/a.png');
    expect(ia.original()!.flags).toBe(MessageFlags.Ephemeral);
  });

  /** A PNG's first 24 bytes (signature and IHDR chunk header): enough for the image size Discord reports. */
  const pngOf = (width: number, height: number) => {
    const header = Buffer.alloc(24);
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(header);
    header.writeUInt32BE(13, 8);
    header.write('IHDR', 12, 'latin1');
    header.writeUInt32BE(width, 16);
    header.writeUInt32BE(height, 20);
    return header;
  };
  /** A raw multipart request to the interaction's webhook, as a client library other than discord.js might send it. */
  async function rawUpload(ia: { applicationId: string; token: string }, method: string, suffix: string, payload: unknown, parts: [string, string, Buffer][]) {
    const form = new FormData();
    form.append('payload_json', JSON.stringify(payload));
    for (const [field, filename, data] of parts) form.append(field, new Blob([data], { type: 'image/png' }), filename);
    const response = await fetch(`${fake.restUrl}/v10/webhooks/${ia.applicationId}/${ia.token}${suffix}`, { method, body: form });
    return { status: response.status, body: (await response.json()) as { code?: number; errors?: Record<string, unknown>; attachments?: Record<string, unknown>[] } };
  }

  it('takes uploads only as files[n] with a filename, each n once, as Discord does', async () => {
    const got = nextInteraction(client);
    const ia = fake.sendInteraction({ commandName: 'ask', guildId: DEFAULT_GUILD_ID, options: { prompt: 'image' } });
    const interaction = await got;
    await interaction.deferReply();
    const png = pngOf(2, 3);
    const wrongName = await rawUpload(ia, 'POST', '', { content: 'x' }, [['file', 'a.png', png]]);
    expect(wrongName.status).toBe(400);
    expect(wrongName.body.code).toBe(50035);
    expect(wrongName.body.errors).toHaveProperty('file');
    const twice = await rawUpload(ia, 'POST', '', { content: 'x' }, [['files[0]', 'a.png', png], ['files[0]', 'b.png', png]]);
    expect(twice.status).toBe(400);
    const unknownId = await rawUpload(ia, 'PATCH', '/messages/@original', { content: 'x', attachments: [{ id: '1' }] }, [['files[0]', 'a.png', png]]);
    expect(unknownId.status).toBe(400);
    expect(JSON.stringify(unknownId.body.errors)).toContain('ATTACHMENT_NOT_FOUND');
    const longAlt = await rawUpload(ia, 'PATCH', '/messages/@original', { content: 'x', attachments: [{ id: '0', description: 'd'.repeat(1025) }] }, [['files[0]', 'a.png', png]]);
    expect(longAlt.status).toBe(400);
    expect(ia.originalEdits).toHaveLength(0);
    // An edit keeps only the uploads its attachments list: files[7] is not listed, so it is not attached.
    const edit = await rawUpload(ia, 'PATCH', '/messages/@original', { content: 'chart', attachments: [{ id: '3', description: 'a chart' }] },
      [['files[3]', 'chart.png', png], ['files[7]', 'stray.png', png]]);
    expect(edit.status).toBe(200);
    expect(ia.original()!.attachments).toEqual([expect.objectContaining({ filename: 'chart.png', description: 'a chart', width: 2, height: 3, content_type: 'image/png' })]);
    // Its bytes are served where the attachment says, as Discord's CDN would.
    const served = Buffer.from(await (await fetch(ia.original()!.attachments[0]!.url)).arrayBuffer());
    expect(served.equals(png)).toBe(true);
  });

  it('handles autocomplete and message context menus', async () => {
    const got = nextInteraction<AutocompleteInteraction>(client);
    const ac = fake.sendInteraction({ kind: 'autocomplete', commandName: 'ask', guildId: DEFAULT_GUILD_ID, options: { prompt: 'x', model: 'gp' }, focused: 'model' });
    const auto = await got;
    expect(auto.isAutocomplete()).toBe(true);
    expect(auto.options.getFocused()).toBe('gp');
    await auto.respond([{ name: 'gpt-4o', value: 'gpt-4o' }]);
    expect(ac.autocompleteChoices).toEqual([{ name: 'gpt-4o', value: 'gpt-4o' }]);

    const target = fake.sendMessage({ content: 'please summarise me' });
    const gotCtx = nextInteraction<MessageContextMenuCommandInteraction>(client);
    const ctx = fake.sendInteraction({ kind: 'messageContextMenu', commandName: 'Summarize message', guildId: DEFAULT_GUILD_ID, targetMessage: target.id });
    const menu = await gotCtx;
    expect(menu.isMessageContextMenuCommand()).toBe(true);
    expect(menu.targetMessage.content).toBe('please summarise me'); // resolved messages keep content
    await menu.reply({ content: 'summary', withResponse: true });
    expect(ctx.callbacks[0]).toMatchObject({ type: 4, status: 200, withResponse: true });
    expect(ctx.original()?.type).toBe(23);
  });

  it('delivers MESSAGE_CREATE without content unless the bot is mentioned (no MessageContent intent)', async () => {
    let got = nextMessage(client);
    fake.sendMessage({ content: 'hello everyone' });
    let msg = await got;
    expect(msg.content).toBe('');
    expect(msg.author.id).toBe(DEFAULT_USER_ID);
    expect(msg.guildId).toBe(DEFAULT_GUILD_ID);

    got = nextMessage(client);
    fake.sendMessage({ content: `<@${fake.botUser.id}> what's up?` });
    msg = await got;
    expect(msg.content).toBe(`<@${fake.botUser.id}> what's up?`);
    expect(msg.mentions.users.has(fake.botUser.id)).toBe(true);

    got = nextMessage(client);
    fake.sendMessage({ content: 'private hello', dm: true });
    msg = await got;
    expect(msg.content).toBe('private hello');
    expect(msg.channel.type).toBe(ChannelType.DM);
    // the stored copy is unredacted; REST reads are redacted (app not approved for MessageContent)
    const stored = fake.channelMessages(DEFAULT_CHANNEL_ID).find((m) => m.content === 'hello everyone')!;
    const channel = client.channels.cache.get(DEFAULT_CHANNEL_ID) as TextChannel;
    const fetched = await channel.messages.fetch({ message: stored.id, force: true });
    expect(fetched.content).toBe('');
  });

  it('runs buttons on an ephemeral reply: only its recipient can click, update edits it without a gateway event', async () => {
    const got = nextInteraction(client);
    const ia = fake.sendInteraction({ commandName: 'ask', channelId: DEFAULT_CHANNEL_ID, user: { id: '300000000000000077', username: 'eve' } });
    await (await got).reply({
      content: 'sure?',
      flags: MessageFlags.Ephemeral,
      components: [new ActionRowBuilder<ButtonBuilder>().addComponents(new ButtonBuilder().setCustomId('yes').setLabel('Yes').setStyle(ButtonStyle.Danger))],
    });
    const messageId = ia.original()!.id;
    expect(fake.channelMessages(DEFAULT_CHANNEL_ID).some((m) => m.id === messageId)).toBe(false);
    expect(() => fake.sendInteraction({ kind: 'button', customId: 'yes', channelId: DEFAULT_CHANNEL_ID, messageId, user: { id: '300000000000000078', username: 'mallory' } }))
      .toThrow(/only the user an ephemeral message was shown to/);
    let updates = 0;
    const onUpdate = () => { updates += 1; };
    client.on(Events.MessageUpdate, onUpdate);
    const gotButton = nextInteraction<ButtonInteraction>(client);
    const click = fake.sendInteraction({ kind: 'button', customId: 'yes', channelId: DEFAULT_CHANNEL_ID, messageId, user: { id: '300000000000000077', username: 'eve' } });
    const button = await gotButton;
    expect(button.message.flags.has(MessageFlags.Ephemeral)).toBe(true);
    await button.update({ content: 'done', components: [] });
    expect(click.callbacks[0]).toMatchObject({ type: 7, status: 204 });
    expect(ia.original()).toMatchObject({ content: 'done', components: [] });
    client.off(Events.MessageUpdate, onUpdate);
    expect(updates).toBe(0);
  });

  it('sends, replies to and edits channel messages with the bot token', async () => {
    const channel = (await client.channels.fetch(DEFAULT_CHANNEL_ID)) as TextChannel;
    const sent = await channel.send('first');
    const edited = await sent.edit('first (edited)');
    expect(edited.content).toBe('first (edited)');
    const reply = await sent.reply('a reply');
    expect(reply.reference?.messageId).toBe(sent.id);
    await channel.sendTyping();
    const stored = fake.channelMessages(DEFAULT_CHANNEL_ID).find((m) => m.id === sent.id)!;
    expect(stored.content).toBe('first (edited)');
    expect(stored.edited_timestamp).not.toBeNull();
    const posts = fake.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${DEFAULT_CHANNEL_ID}/messages`);
    expect(posts.length).toBeGreaterThanOrEqual(2);
    expect(posts.every((r) => r.headers.authorization === `Bot ${fake.token}` && r.status === 200)).toBe(true);
    expect(posts.at(-1)!.headers['x-ratelimit-bucket']).toBeUndefined(); // response headers are not request headers
    const unknown = await apiError(client.rest.post('/channels/299999999999999999/messages', { body: { content: 'x' } }));
    expect(unknown.code).toBe(10003);
    const empty = await apiError(client.rest.post(`/channels/${DEFAULT_CHANNEL_ID}/messages`, { body: {} }));
    expect(empty.code).toBe(50006);
    const thread = (await client.channels.fetch(DEFAULT_THREAD_ID)) as TextChannel;
    await thread.send('in thread');
    expect(fake.channelMessages(DEFAULT_THREAD_ID).at(-1)?.content).toBe('in thread');
  });
});

describe('FakeDiscord strictness', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  it('closes with 4014 when a privileged intent is not allowed; login rejects', async () => {
    const fake = await FakeDiscord.start();
    cleanup.push(() => fake.close());
    const client = new Client({ intents: [G.Guilds, G.GuildMessages, G.MessageContent], rest: { api: fake.restUrl } });
    cleanup.push(() => client.destroy());
    const disconnect = once(client, Events.ShardDisconnect);
    await expect(client.login(fake.token)).rejects.toThrow('Used disallowed intents');
    const [event] = (await disconnect) as [{ code: number }];
    expect(event.code).toBe(4014);
    expect(fake.gatewayCloses).toContainEqual(expect.objectContaining({ code: 4014, by: 'server', reason: 'Disallowed intent(s).' }));

    // allowed when the application has the intent enabled
    const { fake: fake2, client: client2 } = await startBot({ privilegedIntents: G.MessageContent }, [G.Guilds, G.GuildMessages, G.MessageContent]);
    cleanup.push(() => fake2.close(), () => client2.destroy());
    const got = nextMessage(client2);
    fake2.sendMessage({ content: 'visible now' });
    expect((await got).content).toBe('visible now');
  });

  it('is as strict as Discord about shards: 4010 for a shard id past the count, 4011 past 2,500 servers a shard, a recommendation by server count', async () => {
    // Two servers whose ids route to shard 0 and shard 1 of 2 ((id >> 22) % 2).
    const guilds = [0n, 1n].map((n) => ({ id: String(((1n << 40n) + n) << 22n), name: `g${n}` }));
    const fake = await FakeDiscord.start({ guilds, maxGuildsPerShard: 1 });
    cleanup.push(() => fake.close());
    const gateway = (await fetch(`${fake.restUrl}/v10/gateway/bot`, { headers: { authorization: `Bot ${fake.token}` } }).then((r) => r.json())) as { shards: number };
    expect(gateway.shards).toBe(1); // under 1,000 servers

    const one = new Client({ intents: [G.Guilds], rest: { api: fake.restUrl } });
    cleanup.push(() => one.destroy());
    await expect(one.login(fake.token)).rejects.toThrow();
    expect(fake.gatewayCloses).toContainEqual(expect.objectContaining({ code: 4011, by: 'server' }));

    const wrong = new Client({ intents: [G.Guilds], shards: [2], shardCount: 2, rest: { api: fake.restUrl } });
    cleanup.push(() => wrong.destroy());
    await expect(wrong.login(fake.token)).rejects.toThrow();
    expect(fake.gatewayCloses).toContainEqual(expect.objectContaining({ code: 4010, by: 'server' }));

    const shards = await Promise.all([0, 1].map(async (id) => {
      const client = new Client({ intents: [G.Guilds], shards: [id], shardCount: 2, rest: { api: fake.restUrl } });
      cleanup.push(() => client.destroy());
      const ready = once(client, Events.ClientReady);
      await client.login(fake.token);
      await ready;
      return [...client.guilds.cache.keys()];
    }));
    expect(shards).toEqual([[guilds[0]!.id], [guilds[1]!.id]]);
  });

  it('rejects a bad token (login fails with TokenInvalid)', async () => {
    const fake = await FakeDiscord.start();
    cleanup.push(() => fake.close());
    const client = new Client({ intents: [G.Guilds], rest: { api: fake.restUrl } });
    cleanup.push(() => client.destroy());
    await expect(client.login('wrong-token')).rejects.toMatchObject({ code: 'TokenInvalid' });
    expect(fake.requests[0]?.status).toBe(401);
  });

  it('answers Unknown interaction (10062) after the ack deadline', async () => {
    const { fake, client } = await startBot({ ackDeadlineMs: 200 });
    cleanup.push(() => fake.close(), () => client.destroy());
    const got = nextInteraction(client);
    const ia = fake.sendInteraction({ commandName: 'slow', guildId: DEFAULT_GUILD_ID });
    const interaction = await got;
    await sleep(300);
    const error = await apiError(interaction.reply('too late'));
    expect(error.code).toBe(10062);
    expect(error.status).toBe(404);
    const cb = await ia.callback();
    expect(cb.status).toBe(404);
    expect(ia.callbackAt! - ia.receivedAt).toBeGreaterThanOrEqual(250);
    const follow = await apiError(interaction.webhook.send('still?'));
    expect(follow.code).toBe(10015); // no callback was accepted

    // token expiry: webhooks answer 401 Invalid Webhook Token
    const got2 = nextInteraction(client);
    const ia2 = fake.sendInteraction({ commandName: 'slow', guildId: DEFAULT_GUILD_ID });
    const interaction2 = await got2;
    await interaction2.deferReply();
    fake.expireInteraction(ia2.id);
    const expired = await apiError(interaction2.editReply('done'));
    expect(expired.code).toBe(50027);
    expect(expired.status).toBe(401);
  });

  it('edits @original before any callback -> Unknown Message; DM interactions have no member', async () => {
    const { fake, client } = await startBot();
    cleanup.push(() => fake.close(), () => client.destroy());
    const got = nextInteraction(client);
    const ia = fake.sendInteraction({ commandName: 'dm', user: { username: 'alice' } });
    const interaction = await got;
    expect(interaction.inGuild()).toBe(false);
    expect(interaction.member).toBeNull();
    expect(interaction.user.username).toBe('alice');
    expect(interaction.channel?.type).toBe(ChannelType.DM);
    const error = await apiError(interaction.webhook.editMessage('@original', 'nope'));
    expect(error.code).toBe(10008);
    await interaction.reply('hi in DM');
    expect(ia.original()?.content).toBe('hi in DM');
    expect(fake.channelMessages(ia.channelId).at(-1)?.content).toBe('hi in DM');
  });

  it('offers in DMs only global commands whose contexts (or dm_permission) allow DMs, and in a server only those allowing servers, like Discord', async () => {
    const { fake, client } = await startBot();
    cleanup.push(() => fake.close(), () => client.destroy());
    fake.keepCommand({ name: 'dev-only', description: 'registered to one server (DEV_GUILD_ID)' }, DEFAULT_GUILD_ID);
    fake.keepCommand({ name: 'server-only', description: 'servers only', contexts: [InteractionContextType.Guild] });
    fake.keepCommand({ name: 'no-dms', description: 'the older flag', dm_permission: false });
    fake.keepCommand({ name: 'everywhere', description: 'DMs too', contexts: [InteractionContextType.Guild, InteractionContextType.BotDM] });
    fake.keepCommand({ name: 'dms-only', description: 'not in servers', contexts: [InteractionContextType.BotDM] });
    // Contexts hold in a server too: a global command that leaves servers out is not offered there.
    expect(() => fake.sendInteraction({ commandName: 'dms-only', guildId: DEFAULT_GUILD_ID })).toThrow(/no command "dms-only"/);
    expect(fake.sendInteraction({ commandName: 'dms-only', user: { username: 'alice' } }).commandName).toBe('dms-only');
    for (const name of ['dev-only', 'server-only', 'no-dms']) {
      expect(() => fake.sendInteraction({ commandName: name, user: { username: 'alice' } })).toThrow(/not offered there/);
    }
    // In the server each is there; in a DM the global ones that allow it (without contexts: BotDM by default).
    for (const name of ['dev-only', 'server-only', 'no-dms']) expect(fake.sendInteraction({ commandName: name, guildId: DEFAULT_GUILD_ID }).commandName).toBe(name);
    for (const name of ['everywhere', 'dm']) expect(fake.sendInteraction({ commandName: name, user: { username: 'alice' } }).commandName).toBe(name);
    // A group DM or another user's DM (a user-installed app) is PrivateChannel: only commands listing it.
    expect(() => fake.sendInteraction({ commandName: 'everywhere', user: { username: 'alice' }, context: InteractionContextType.PrivateChannel })).toThrow(/not offered there/);
  });

  it('emulates the global rate limit with 429s that discord.js waits out', async () => {
    const { fake, client } = await startBot({ globalRateLimit: 3 });
    cleanup.push(() => fake.close(), () => client.destroy());
    const channel = client.channels.cache.get(DEFAULT_CHANNEL_ID) as TextChannel;
    const thread = client.channels.cache.get(DEFAULT_THREAD_ID) as TextChannel;
    const started = performance.now();
    const sent = await Promise.all([
      channel.send('1'),
      channel.send('2'),
      thread.send('3'),
      thread.send('4'),
      channel.send('5'),
    ]);
    expect(sent).toHaveLength(5);
    expect(fake.globalRateLimitHits).toBeGreaterThan(0);
    const limited = fake.requests.filter((r) => r.status === 429);
    expect(limited.length).toBe(fake.globalRateLimitHits);
    expect(limited[0]!.response).toMatchObject({ message: 'You are being rate limited.', global: true });
    expect(performance.now() - started).toBeGreaterThan(100);
    // interaction callbacks are not subject to the global limit
    const got = nextInteraction(client);
    const ia = fake.sendInteraction({ commandName: 'x', guildId: DEFAULT_GUILD_ID });
    await (await got).reply('ok');
    expect(ia.callbacks[0]!.status).toBe(204);
  });
  it('enforces channel permissions, creates threads, runs buttons/modals and resumes sessions', async () => {
    const { fake, client } = await startBot({
      guilds: [
        {
          id: DEFAULT_GUILD_ID,
          channels: [
            { id: DEFAULT_CHANNEL_ID, name: 'general' },
            { id: '200000000000000009', name: 'read-only', permissionOverwrites: [{ id: DEFAULT_GUILD_ID, type: OverwriteType.Role, deny: PermissionFlagsBits.SendMessages }] },
          ],
        },
      ],
    });
    cleanup.push(() => fake.close(), () => client.destroy());
    const readOnly = client.channels.cache.get('200000000000000009') as TextChannel;
    expect((await apiError(readOnly.send('nope'))).code).toBe(50013);

    const general = client.channels.cache.get(DEFAULT_CHANNEL_ID) as TextChannel;
    const starter = await general.send('conversation');
    const thread = await starter.startThread({ name: 'chat' });
    expect(thread.id).toBe(starter.id);
    await thread.send('inside');
    expect(fake.channelMessages(thread.id).map((m) => m.content)).toEqual(['inside']);

    // The first follow-up after a deferred reply replaces the loading message (real Discord quirk).
    let got = nextInteraction(client);
    const ia = fake.sendInteraction({ commandName: 'ask', channelId: DEFAULT_CHANNEL_ID });
    const cmd = await got;
    await cmd.deferReply();
    const first = await cmd.followUp({
      content: 'choose',
      components: [new ActionRowBuilder<ButtonBuilder>().addComponents(new ButtonBuilder().setCustomId('go').setLabel('Go').setStyle(ButtonStyle.Primary))],
    });
    expect(first.id).toBe(ia.original()?.id);
    expect(ia.transcript()).toEqual(['choose']);

    const gotButton = nextInteraction<ButtonInteraction>(client);
    const buttonIa = fake.sendInteraction({ kind: 'button', customId: 'go', channelId: DEFAULT_CHANNEL_ID, messageId: first.id });
    const button = await gotButton;
    await button.showModal(
      new ModalBuilder().setCustomId('prompt').setTitle('Prompt').addComponents(
        new ActionRowBuilder<TextInputBuilder>().addComponents(new TextInputBuilder().setCustomId('q').setLabel('Q').setStyle(TextInputStyle.Short)),
      ),
    );
    expect(buttonIa.modal?.custom_id).toBe('prompt');
    const gotModal = nextInteraction<ModalSubmitInteraction>(client);
    fake.sendInteraction({ kind: 'modalSubmit', customId: 'prompt', channelId: DEFAULT_CHANNEL_ID, fields: { q: 'typed text' } });
    expect((await gotModal).fields.getTextInputValue('q')).toBe('typed text');

    // Server-side disconnect: discord.js resumes, events sent meanwhile are replayed.
    const resumed = once(client, Events.ShardResume);
    fake.closeGateway(4000);
    got = nextInteraction(client);
    fake.sendInteraction({ commandName: 'after-resume', guildId: DEFAULT_GUILD_ID });
    await resumed;
    expect((await got).commandName).toBe('after-resume');
    expect(fake.identifies).toHaveLength(1);
  });

  it('sends overwrites discord.js can compute permissions from; refuses like Discord; closed DMs; moderator deletes', async () => {
    const { fake, client } = await startBot();
    cleanup.push(() => fake.close(), () => client.destroy());
    const botId = client.user!.id;
    const channel = client.channels.cache.get(DEFAULT_CHANNEL_ID) as TextChannel;
    expect(channel.permissionsFor(botId)?.has(PermissionFlagsBits.SendMessages)).toBe(true);

    // An admin denies Send Messages: CHANNEL_UPDATE reaches the cache; the REST call is refused with 50013.
    const updated = once(client, Events.ChannelUpdate);
    fake.setChannelOverwrites(DEFAULT_CHANNEL_ID, [{ id: botId, type: OverwriteType.Member, deny: PermissionFlagsBits.SendMessages }]);
    await updated;
    expect(channel.permissionsFor(botId)?.has(PermissionFlagsBits.SendMessages)).toBe(false);
    expect((await apiError(channel.send('nope'))).code).toBe(50013);
    expect((await apiError(channel.sendTyping())).code).toBe(50013);
    const thread = client.channels.cache.get(DEFAULT_THREAD_ID) as TextChannel;
    expect(thread.permissionsFor(botId)?.has(PermissionFlagsBits.SendMessagesInThreads)).toBe(true); // threads need their own bit
    // Without View Channel: 403 50001 Missing Access, even for an edit of the bot's own message.
    fake.setChannelOverwrites(DEFAULT_CHANNEL_ID, []);
    const own = await channel.send('mine');
    fake.setChannelOverwrites(DEFAULT_CHANNEL_ID, [{ id: botId, type: OverwriteType.Member, deny: PermissionFlagsBits.ViewChannel }]);
    expect((await apiError(own.edit('changed'))).code).toBe(50001);
    fake.setChannelOverwrites(DEFAULT_CHANNEL_ID, []);

    // A moderator deletes the message: editing it is 404 10008 Unknown Message.
    fake.deleteMessage(DEFAULT_CHANNEL_ID, own.id);
    expect((await apiError(own.edit('again'))).code).toBe(10008);

    // A user with closed DMs: the DM channel opens, the message is refused with 50007.
    fake.closeDms(DEFAULT_USER_ID);
    const user = await client.users.fetch(DEFAULT_USER_ID);
    const refused = await apiError(user.send('hello'));
    expect([refused.status, refused.code]).toEqual([403, 50007]);

    // Interaction tokens look like Discord's: base64 of "interaction:<id>:...".
    const ia = fake.sendInteraction({ commandName: 'x', guildId: DEFAULT_GUILD_ID });
    expect(ia.token.startsWith('aW50ZXJhY3Rpb246')).toBe(true);
    expect(Buffer.from(ia.token, 'base64url').toString()).toMatch(new RegExp(`^interaction:${ia.id}:`));
  });
});
