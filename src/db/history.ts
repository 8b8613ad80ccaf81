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
  private readonly questionsBy;
  private readonly deleteAnswersTo;
  private readonly deleteQuestionsBy;
  private readonly deleteOld;

  constructor(private readonly db: Db) {
    this.insert = db.prepare(`INSERT INTO turns (channel_id, role, author_id, author_name, content, tokens, tokens_cl100k, model, prompt_tokens, completion_tokens, created_at)
      VALUES (@channelId, @role, @authorId, @authorName, @content, @tokens, @tokensCl100k, @model, @promptTokens, @completionTokens, @createdAt)`);
    // Raw rows (arrays) skip building an object per row: this read is on every ask's hot path.
    this.newest = db.prepare(`SELECT role, author_name, content, tokens, tokens_cl100k FROM turns WHERE channel_id = ? ORDER BY id DESC LIMIT ?`).raw(true);
    this.clear = db.prepare('DELETE FROM turns WHERE channel_id = ?');
    this.questionsBy = db.prepare(`SELECT COUNT(*) FROM turns WHERE author_id = ? AND role = 'user'`).pluck();
    // addExchange writes a question and its answer in one transaction: the answer is the next row, same channel.
    this.deleteAnswersTo = db.prepare(`DELETE FROM turns WHERE id IN (
      SELECT a.id FROM turns q JOIN turns a ON a.id = q.id + 1 AND a.channel_id = q.channel_id AND a.role = 'assistant'
      WHERE q.author_id = ? AND q.role = 'user')`);
    this.deleteQuestionsBy = db.prepare(`DELETE FROM turns WHERE author_id = ? AND role = 'user'`);
    this.deleteOld = db.prepare('DELETE FROM turns WHERE id IN (SELECT id FROM turns WHERE created_at < ? LIMIT ?)');
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

  /** How many questions this member has stored, in every channel and DM. */
  countQuestionsBy(authorId: string): number {
    return this.questionsBy.get(authorId) as number;
  }

  /** Deletes a member's questions and the answers to them, everywhere, in one transaction. */
  deleteAuthor(authorId: string): { questions: number; answers: number } {
    return this.db.transaction(() => {
      const answers = this.deleteAnswersTo.run(authorId).changes;
      const questions = this.deleteQuestionsBy.run(authorId).changes;
      return { questions, answers };
    })();
  }

  /** Deletes at most `limit` turns written before `cutoff` (ms); returns how many it deleted. */
  deleteOlderThan(cutoff: number, limit: number): number {
    return this.deleteOld.run(cutoff, limit).changes;
  }
}
