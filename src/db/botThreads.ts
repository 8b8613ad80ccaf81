import type { Db } from './connection.ts';

/** Why the bot is in a thread: `/ask thread:true`, a channel's auto-thread setting, or a forum post it answered. */
export type ThreadOrigin = 'ask' | 'auto' | 'forum';

export interface BotThread {
  threadId: string;
  guildId: string;
  parentId: string;
  origin: ThreadOrigin;
  /** The member whose question opened it. */
  openedFor: string;
  createdAt: number;
}

export type ThreadChannelSetting = 'autoThread' | 'forumAnswers';

const COLUMNS: Record<ThreadChannelSetting, string> = { autoThread: 'auto_thread', forumAnswers: 'forum_answers' };

/** SQL for the threads the bot opened and the per-channel thread settings. */
export class BotThreadStore {
  private readonly insert;
  private readonly isBot;
  private readonly settingsStmt;
  private readonly ensureSettings;
  private readonly forumsStmt;
  private readonly deleteEmpty;

  constructor(private readonly db: Db) {
    this.insert = db.prepare(`INSERT INTO bot_threads (thread_id, guild_id, parent_id, origin, opened_for, created_at)
      VALUES (@threadId, @guildId, @parentId, @origin, @openedFor, @createdAt) ON CONFLICT (thread_id) DO NOTHING`);
    this.isBot = db.prepare('SELECT 1 FROM bot_threads WHERE thread_id = ?').pluck();
    this.settingsStmt = db.prepare('SELECT auto_thread AS autoThread, forum_answers AS forumAnswers FROM thread_channel_settings WHERE channel_id = ?');
    this.ensureSettings = db.prepare(`INSERT INTO thread_channel_settings (channel_id, guild_id, updated_by, updated_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (channel_id) DO UPDATE SET updated_by = excluded.updated_by, updated_at = excluded.updated_at`);
    this.deleteEmpty = db.prepare('DELETE FROM thread_channel_settings WHERE channel_id = ? AND auto_thread = 0 AND forum_answers = 0');
    this.forumsStmt = db.prepare('SELECT channel_id FROM thread_channel_settings WHERE guild_id = ? AND forum_answers = 1 ORDER BY channel_id').pluck();
  }

  /** Remembers a thread the bot answers in without a mention; recording it twice keeps the first. */
  add(thread: BotThread): void {
    this.insert.run(thread);
  }

  /** The forums of a server whose new posts are answered. */
  answeredForums(guildId: string): string[] {
    return this.forumsStmt.all(guildId) as string[];
  }

  has(threadId: string): boolean {
    return this.isBot.get(threadId) !== undefined;
  }

  settings(channelId: string): Record<ThreadChannelSetting, boolean> {
    const row = this.settingsStmt.get(channelId) as { autoThread: number; forumAnswers: number } | undefined;
    return { autoThread: row?.autoThread === 1, forumAnswers: row?.forumAnswers === 1 };
  }

  set(channelId: string, guildId: string, setting: ThreadChannelSetting, on: boolean, actorId: string, at: number): void {
    this.db.transaction(() => {
      this.ensureSettings.run(channelId, guildId, actorId, at);
      this.db.prepare(`UPDATE thread_channel_settings SET ${COLUMNS[setting]} = ? WHERE channel_id = ?`).run(Number(on), channelId);
      this.deleteEmpty.run(channelId);
    })();
  }
}
