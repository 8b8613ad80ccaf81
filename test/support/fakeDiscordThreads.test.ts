import { once } from 'node:events';
import {
  ChannelType, Client, DiscordAPIError, Events, GatewayIntentBits, OverwriteType, Partials, PermissionFlagsBits, type AnyThreadChannel, type Message, type TextChannel,
} from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CHANNEL_ID, DEFAULT_GUILD_ID, FakeDiscord } from './fakeDiscord.ts';

const FORUM_ID = '200000000000000050';
const NO_THREADS_ID = '200000000000000051';
const BOT_ID = '300000000000000001';

let fake: FakeDiscord;
let client: Client;
beforeAll(async () => {
  fake = await FakeDiscord.start({
    privilegedIntents: GatewayIntentBits.MessageContent,
    guilds: [{ id: DEFAULT_GUILD_ID, channels: [
      { id: DEFAULT_CHANNEL_ID, name: 'general' },
      { id: FORUM_ID, name: 'help', type: ChannelType.GuildForum },
      { id: NO_THREADS_ID, name: 'no-threads', permissionOverwrites: [{ id: BOT_ID, type: OverwriteType.Member, deny: PermissionFlagsBits.CreatePublicThreads }] },
    ] }],
  });
  client = new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent],
    partials: [Partials.Channel],
    rest: { api: fake.restUrl, retries: 0 },
  });
  const ready = once(client, Events.ClientReady);
  await client.login(fake.token);
  await ready;
  await fake.waitForReady();
});
afterAll(async () => {
  await client?.destroy();
  await fake?.close();
});

async function apiError(p: Promise<unknown>): Promise<DiscordAPIError> {
  const error = await p.then(() => undefined, (e: unknown) => e);
  if (!(error instanceof DiscordAPIError)) throw new Error(`expected a DiscordAPIError, got ${String(error)}`);
  return error;
}

const general = () => client.channels.cache.get(DEFAULT_CHANNEL_ID) as TextChannel;

describe('fake Discord threads', () => {
  it.each([
    ['an empty name', { name: '' }, 'name', 'BASE_TYPE_BAD_LENGTH'],
    ['a name of 101 characters', { name: 'x'.repeat(101) }, 'name', 'BASE_TYPE_BAD_LENGTH'],
    ['no name', {}, 'name', 'BASE_TYPE_REQUIRED'],
    ['an auto-archive time Discord does not offer', { name: 'ok', auto_archive_duration: 120 }, 'auto_archive_duration', 'BASE_TYPE_CHOICES'],
  ])('refuses a thread with %s (400 50035, like Discord)', async (_case, body, field, code) => {
    const starter = await general().send('start here');
    const error = await apiError(client.rest.post(`/channels/${DEFAULT_CHANNEL_ID}/messages/${starter.id}/threads`, { body }));
    expect([error.status, error.code]).toEqual([400, 50035]);
    expect((error.rawError as { errors: Record<string, { _errors: { code: string }[] }> }).errors[field]!._errors[0]!.code).toBe(code);
  });

  it('a name of exactly 100 characters opens the thread, with the starter message\'s id; a second thread on it is refused', async () => {
    const starter = await general().send('start here');
    const thread = await starter.startThread({ name: 'y'.repeat(100), autoArchiveDuration: 1440 });
    expect([thread.id, thread.name.length, thread.autoArchiveDuration]).toEqual([starter.id, 100, 1440]);
    expect((await apiError(starter.startThread({ name: 'again' }))).code).toBe(160004);
  });

  it('a channel overwrite that denies Create Public Threads refuses the thread (403 50013), and discord.js sees it in its cache', async () => {
    const channel = client.channels.cache.get(NO_THREADS_ID) as TextChannel;
    expect(channel.permissionsFor(client.user!)?.has(PermissionFlagsBits.CreatePublicThreads)).toBe(false);
    const starter = await channel.send('start here');
    expect((await apiError(starter.startThread({ name: 'nope' }))).code).toBe(50013);
  });

  it('archived: a message unarchives the thread, an edit is refused (50083); locked: both are refused (160005); deleted: 404 10003', async () => {
    const starter = await general().send('start here');
    const thread = await starter.startThread({ name: 'rules' });
    const inside = await thread.send('first');
    const updated = once(client, Events.ThreadUpdate);
    fake.setThreadState(thread.id, { archived: true });
    await updated;
    expect(thread.archived).toBe(true);
    expect((await apiError(inside.edit('edited'))).code).toBe(50083);
    await thread.send('this unarchives it');
    expect(fake.state.channels.get(thread.id)!.thread!.archived).toBe(false);

    fake.setThreadState(thread.id, { locked: true });
    expect((await apiError(thread.send('nope'))).code).toBe(160005);
    expect((await apiError(client.rest.patch(`/channels/${thread.id}/messages/${inside.id}`, { body: { content: 'nope' } }))).code).toBe(160005);

    const deleted = once(client, Events.ThreadDelete);
    fake.deleteThread(thread.id);
    await deleted;
    expect(client.channels.cache.has(thread.id)).toBe(false);
    expect((await apiError(client.rest.post(`/channels/${thread.id}/messages`, { body: { content: 'gone' } }))).code).toBe(10003);
  });

  it('a forum post arrives as THREAD_CREATE, then MESSAGE_CREATE for its starter message with the thread\'s id', async () => {
    const events: string[] = [];
    const created = new Promise<AnyThreadChannel>((resolve) => client.once(Events.ThreadCreate, (t) => { events.push('thread'); resolve(t); }));
    const starter = new Promise<Message>((resolve) => client.once(Events.MessageCreate, (m) => { events.push('message'); resolve(m); }));
    const post = fake.createForumPost({ forumId: FORUM_ID, title: 'How do I reset?', content: 'I forgot my password.' });
    const [thread, message] = await Promise.all([created, starter]);
    expect(events).toEqual(['thread', 'message']);
    expect([thread.id, thread.name, thread.parentId, thread.parent?.type]).toEqual([post.thread.id, 'How do I reset?', FORUM_ID, ChannelType.GuildForum]);
    expect([message.id, message.channelId, message.content]).toEqual([thread.id, thread.id, 'I forgot my password.']);
    expect((await apiError(client.rest.post(`/channels/${FORUM_ID}/messages`, { body: { content: 'not in a forum' } }))).code).toBe(50008);
  });
});
