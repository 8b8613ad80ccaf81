import type { Db } from './connection.ts';

export type ModerationMode = 'off' | 'flag' | 'block';

export interface ModerationSettings {
  mode: ModerationMode;
  /** Where notes about flagged text go; null: nowhere (block still refuses). */
  logChannelId: string | null;
  /** A check that could not run refuses the request instead of letting it through. */
  failClosed: boolean;
}

export const MODERATION_OFF: ModerationSettings = { mode: 'off', logChannelId: null, failClosed: false };

/** SQL for a server's moderation settings (columns of guild_settings). */
export class ModerationSettingsStore {
  private readonly read;
  private readonly ensure;
  private readonly writeMode;
  private readonly writeLog;
  private readonly writeFailure;

  constructor(private readonly db: Db) {
    this.read = db.prepare(`SELECT moderation_mode AS mode, moderation_log_channel AS logChannelId, moderation_fail_closed AS failClosed
      FROM guild_settings WHERE guild_id = ?`);
    this.ensure = db.prepare('INSERT OR IGNORE INTO guild_settings (guild_id) VALUES (?)');
    this.writeMode = db.prepare('UPDATE guild_settings SET moderation_mode = ? WHERE guild_id = ?');
    this.writeLog = db.prepare('UPDATE guild_settings SET moderation_log_channel = ? WHERE guild_id = ?');
    this.writeFailure = db.prepare('UPDATE guild_settings SET moderation_fail_closed = ? WHERE guild_id = ?');
  }

  get(guildId: string): ModerationSettings {
    const row = this.read.get(guildId) as { mode: 'flag' | 'block' | null; logChannelId: string | null; failClosed: number } | undefined;
    return row ? { mode: row.mode ?? 'off', logChannelId: row.logChannelId, failClosed: row.failClosed === 1 } : MODERATION_OFF;
  }

  setMode(guildId: string, mode: ModerationMode): void {
    this.update(guildId, () => this.writeMode.run(mode === 'off' ? null : mode, guildId));
  }

  setLogChannel(guildId: string, channelId: string | null): void {
    this.update(guildId, () => this.writeLog.run(channelId, guildId));
  }

  setFailClosed(guildId: string, failClosed: boolean): void {
    this.update(guildId, () => this.writeFailure.run(failClosed ? 1 : 0, guildId));
  }

  private update(guildId: string, write: () => void): void {
    this.db.transaction(() => {
      this.ensure.run(guildId);
      write();
    })();
  }
}
