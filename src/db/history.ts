import type { Db } from './connection.ts';

/** An image a question carried, by reference (see migration 0011): never its bytes. */
export interface ImageRef {
  url: string;
  contentType: string;
  size: number;
  width: number;
  height: number;
}

export interface StoredTurn {
  id: number;
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
  images?: readonly ImageRef[];
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
  private readonly authorsAll;
  private readonly insertImage;
  private readonly imagesOfTurns;
  private readonly imagesOfNewestTurns;

  constructor(private readonly db: Db) {
    this.insert = db.prepare(`INSERT INTO turns (channel_id, role, author_id, author_name, content, tokens, tokens_cl100k, model, prompt_tokens, completion_tokens, created_at)
      VALUES (@channelId, @role, @authorId, @authorName, @content, @tokens, @tokensCl100k, @model, @promptTokens, @completionTokens, @createdAt)`);
    // Raw rows (arrays) skip building an object per row: this read is on every ask's hot path.
    this.newest = db.prepare(`SELECT id, role, author_name, content, tokens, tokens_cl100k FROM turns WHERE channel_id = ? ORDER BY id DESC LIMIT ?`).raw(true);
    this.clear = db.prepare('DELETE FROM turns WHERE channel_id = ?');
    this.questionsBy = db.prepare(`SELECT COUNT(*) FROM turns WHERE author_id = ? AND role = 'user'`).pluck();
    // addExchange writes a question and its answer in one transaction: the answer is the next row, same channel.
    // An exchange goes by its question's time.
    this.deleteAnswersTo = db.prepare(`DELETE FROM turns WHERE id IN (
      SELECT a.id FROM turns q JOIN turns a ON a.id = q.id + 1 AND a.channel_id = q.channel_id AND a.role = 'assistant'
      WHERE q.author_id = ? AND q.role = 'user' AND q.created_at <= ?)`);
    this.deleteQuestionsBy = db.prepare(`DELETE FROM turns WHERE author_id = ? AND role = 'user' AND created_at <= ?`);
    // Read from the turns_by_author index alone.
    this.authorsAll = db.prepare('SELECT DISTINCT author_id FROM turns WHERE author_id IS NOT NULL').pluck();
    this.deleteOld = db.prepare('DELETE FROM turns WHERE id IN (SELECT id FROM turns WHERE created_at < ? LIMIT ?)');
    this.insertImage = db.prepare(`INSERT INTO turn_images (turn_id, position, url, content_type, size, width, height)
      VALUES (?, ?, ?, ?, ?, ?, ?)`);
    this.imagesOfTurns = db.prepare(`SELECT turn_id, url, content_type, size, width, height FROM turn_images
      WHERE turn_id IN (SELECT value FROM json_each(?)) ORDER BY turn_id, position`).raw(true);
    // The ids come from the channel's index alone: no turn's text is read.
    this.imagesOfNewestTurns = db.prepare(`SELECT turn_id, url, content_type, size, width, height FROM turn_images
      WHERE turn_id IN (SELECT id FROM turns WHERE channel_id = ? ORDER BY id DESC LIMIT ?) ORDER BY turn_id, position`).raw(true);
  }

  /** Writes a question and its answer together, so a failed ask never leaves half an exchange. */
  addExchange(turns: NewTurn[]): void {
    this.db.transaction(() => {
      for (const { images, ...turn } of turns) {
        const { lastInsertRowid } = this.insert.run({ authorId: null, authorName: null, model: null, promptTokens: null, completionTokens: null, ...turn });
        images?.forEach((image, position) => this.insertImage.run(lastInsertRowid, position, image.url, image.contentType, image.size, image.width, image.height));
      }
    })();
  }

  /** Newest first; the caller stops iterating once its token budget is spent. */
  *newestTurns(channelId: string, limit: number): Generator<StoredTurn> {
    for (const row of this.newest.iterate(channelId, limit)) {
      const [id, role, authorName, content, tokens, tokensCl100k] = row as [number, StoredTurn['role'], string | null, string, number, number];
      yield { id, role, authorName, content, tokens, tokensCl100k };
    }
  }

  /** The images of these turns, by turn id (turns without images are absent). */
  imagesOf(turnIds: readonly number[]): Map<number, ImageRef[]> {
    if (turnIds.length === 0) return new Map();
    return imagesByTurn(this.imagesOfTurns.iterate(JSON.stringify(turnIds)));
  }

  /** The images of a channel's `limit` newest turns (those newestTurns reads), by turn id, without reading the turns. */
  imagesOfNewest(channelId: string, limit: number): Map<number, ImageRef[]> {
    return imagesByTurn(this.imagesOfNewestTurns.iterate(channelId, limit));
  }

  clearChannel(channelId: string): number {
    return this.clear.run(channelId).changes;
  }

  /** How many questions this member has stored, in every channel and DM. */
  countQuestionsBy(authorId: string): number {
    return this.questionsBy.get(authorId) as number;
  }

  /**
   * Deletes a member's questions and the answers to them, everywhere, in one transaction: those stored at or
   * before `through` (ms), or all of them.
   */
  deleteAuthor(authorId: string, through = Number.MAX_SAFE_INTEGER): { questions: number; answers: number } {
    return this.db.transaction(() => {
      const answers = this.deleteAnswersTo.run(authorId, through).changes;
      const questions = this.deleteQuestionsBy.run(authorId, through).changes;
      return { questions, answers };
    })();
  }

  /** Every member ID with a stored question (a /forget-me tombstone is matched against them). */
  authors(): string[] {
    return this.authorsAll.all() as string[];
  }

  /** Deletes at most `limit` turns written before `cutoff` (ms); returns how many it deleted. */
  deleteOlderThan(cutoff: number, limit: number): number {
    return this.deleteOld.run(cutoff, limit).changes;
  }
}

/** Rows of (turn_id, url, content_type, size, width, height), in turn then position order, grouped by turn. */
function imagesByTurn(rows: Iterable<unknown>): Map<number, ImageRef[]> {
  const found = new Map<number, ImageRef[]>();
  for (const row of rows) {
    const [turnId, url, contentType, size, width, height] = row as [number, string, string, number, number, number];
    const list = found.get(turnId) ?? [];
    list.push({ url, contentType, size, width, height });
    found.set(turnId, list);
  }
  return found;
}
