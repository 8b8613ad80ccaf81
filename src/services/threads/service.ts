import type { BotThreadStore, ThreadChannelSetting, ThreadOrigin } from '../../db/botThreads.ts';

/**
 * Whether messages in the bot's threads and new forum posts can be read without a mention: 'off' without
 * THREAD_CONVERSATIONS, 'intent-refused' when Discord refused the Message Content intent at login.
 */
export type ThreadConversations = 'on' | 'off' | 'intent-refused';

export interface OpenedThread {
  threadId: string;
  guildId: string;
  parentId: string;
  origin: ThreadOrigin;
  openedFor: string;
}

/** The threads the bot answers in without a mention, and the channel settings that make it open them. */
export class ThreadService {
  /** Follows THREAD_CONVERSATIONS until the login says whether Discord granted the intent. */
  conversations: ThreadConversations = 'off';

  constructor(private readonly store: BotThreadStore, private readonly now: () => number = Date.now) {}

  /** A thread the bot opened or a forum post it answered: its messages are answered without a mention. */
  isBotThread(threadId: string): boolean {
    return this.store.has(threadId);
  }

  remember(thread: OpenedThread): void {
    this.store.add({ ...thread, createdAt: this.now() });
  }

  autoThread(channelId: string): boolean {
    return this.store.settings(channelId).autoThread;
  }

  /** Forums of this server where an admin turned forum-answers on. */
  answeredForums(guildId: string): string[] {
    return this.store.answeredForums(guildId);
  }

  forumAnswers(forumId: string): boolean {
    return this.store.settings(forumId).forumAnswers;
  }

  set(channelId: string, guildId: string, setting: ThreadChannelSetting, on: boolean, actorId: string): void {
    this.store.set(channelId, guildId, setting, on, actorId, this.now());
  }
}
