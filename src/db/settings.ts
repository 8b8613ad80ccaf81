import type { Db } from './connection.ts';
import type { ReasoningEffort } from '../services/reasoning/models.ts';

export interface ChannelSettingsRow {
  model: string | null;
  systemPrompt: string | null;
  voiceTranscription: boolean | null;
  reasoningEffort: ReasoningEffort | null;
}

export type ChannelSettingsPatch = Partial<ChannelSettingsRow>;

const COLUMNS = { model: 'model', systemPrompt: 'system_prompt', voiceTranscription: 'voice_transcription', reasoningEffort: 'reasoning_effort' } as const;

/** SQL for channel settings and server-wide defaults. */
export class SettingsStore {
  private readonly channelStmt;
  private readonly ensureChannel;
  private readonly deleteEmpty;
  private readonly guildStmt;
  private readonly ensureGuild;
  private readonly modelsStmt;

  constructor(private readonly db: Db) {
    this.channelStmt = db.prepare(`SELECT model, system_prompt AS systemPrompt, voice_transcription AS voiceTranscription, reasoning_effort AS reasoningEffort FROM channel_settings WHERE channel_id = ?`);
    this.ensureChannel = db.prepare(`INSERT INTO channel_settings (channel_id, guild_id, updated_by, updated_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (channel_id) DO UPDATE SET updated_by = excluded.updated_by, updated_at = excluded.updated_at`);
    this.deleteEmpty = db.prepare('DELETE FROM channel_settings WHERE channel_id = ? AND model IS NULL AND system_prompt IS NULL AND voice_transcription IS NULL AND reasoning_effort IS NULL');
    this.guildStmt = db.prepare('SELECT time_zone AS timeZone, translate_language AS translateLanguage FROM guild_settings WHERE guild_id = ?');
    this.ensureGuild = db.prepare('INSERT OR IGNORE INTO guild_settings (guild_id) VALUES (?)');
    this.modelsStmt = db.prepare('SELECT DISTINCT model FROM channel_settings WHERE guild_id = ? AND model IS NOT NULL ORDER BY model').pluck();
  }

  channel(channelId: string): ChannelSettingsRow | undefined {
    const row = this.channelStmt.get(channelId) as (Omit<ChannelSettingsRow, 'voiceTranscription'> & { voiceTranscription: number | null }) | undefined;
    return row && { ...row, voiceTranscription: row.voiceTranscription === null ? null : row.voiceTranscription === 1 };
  }

  /** Applies the given fields (null clears one, so the value is inherited again); returns the previous row. */
  updateChannel(channelId: string, guildId: string, patch: ChannelSettingsPatch, actorId: string, at: number): ChannelSettingsRow | undefined {
    return this.db.transaction(() => {
      const before = this.channel(channelId);
      this.ensureChannel.run(channelId, guildId, actorId, at);
      for (const [key, column] of Object.entries(COLUMNS) as [keyof ChannelSettingsPatch, string][]) {
        if (!(key in patch)) continue;
        const value = patch[key];
        this.db.prepare(`UPDATE channel_settings SET ${column} = ? WHERE channel_id = ?`).run(typeof value === 'boolean' ? Number(value) : value, channelId);
      }
      this.deleteEmpty.run(channelId);
      return before;
    })();
  }

  /** Models set on any channel of a server. */
  channelModels(guildId: string): string[] {
    return this.modelsStmt.all(guildId) as string[];
  }

  guild(guildId: string): { timeZone: string | null; translateLanguage: string | null } | undefined {
    return this.guildStmt.get(guildId) as { timeZone: string | null; translateLanguage: string | null } | undefined;
  }

  setGuild(guildId: string, field: 'timeZone' | 'translateLanguage', value: string | null): void {
    const column = field === 'timeZone' ? 'time_zone' : 'translate_language';
    this.db.transaction(() => {
      this.ensureGuild.run(guildId);
      this.db.prepare(`UPDATE guild_settings SET ${column} = ? WHERE guild_id = ?`).run(value, guildId);
    })();
  }
}
