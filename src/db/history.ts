import type { Db } from './connection.ts';

export interface StoredTurn {
  role: 'user' | 'assistant';
  authorName: string | null;
  content: string;
  tokens: number;
  tokensCl100k: number;
}

export interface NewTurn {
  channelId: string;
  role: 'user' | 'assistant';
  authorId?: string;
  authorName?: string;
  content: string;
  tokens: number;
  tokensCl100k: number;
  model?: string;
  promptTokens?: number;
  completionTokens?: number;
  createdAt: number;
}

/** SQL for conversation turns; statements are prepared once per database. */
export class HistoryStore {
  private readonly insert;
  private readonly newest;
  private readonly clear;

  constructor(private readonly db: Db) {
    this.insert = db.prepare(`INSERT INTO turns (channel_id, role, author_id, author_name, content, tokens, tokens_cl100k, model, prompt_tokens, completion_tokens, created_at)
      VALUES (@channelId, @role, @authorId, @authorName, @content, @tokens, @tokensCl100k, @model, @promptTokens, @completionTokens, @createdAt)`);
    // Raw rows (arrays) skip building an object per row: this read is on every ask's hot path.
    this.newest = db.prepare(`SELECT role, author_name, content, tokens, tokens_cl100k FROM turns WHERE channel_id = ? ORDER BY id DESC LIMIT ?`).raw(true);
    this.clear = db.prepare('DELETE FROM turns WHERE channel_id = ?');
  }

  /** Writes a question and its answer together, so a failed ask never leaves half an exchange. */
  addExchange(turns: NewTurn[]): void {
    this.db.transaction(() => {
      for (const turn of turns) {
        this.insert.run({ authorId: null, authorName: null, model: null, promptTokens: null, completionTokens: null, ...turn });
      }
    })();
  }

  /** Newest first; the caller stops iterating once its token budget is spent. */
  *newestTurns(channelId: string, limit: number): Generator<StoredTurn> {
    for (const row of this.newest.iterate(channelId, limit)) {
      const [role, authorName, content, tokens, tokensCl100k] = row as [StoredTurn['role'], string | null, string, number, number];
      yield { role, authorName, content, tokens, tokensCl100k };
    }
  }

  clearChannel(channelId: string): number {
    return this.clear.run(channelId).changes;
  }
}
