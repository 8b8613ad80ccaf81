import type { Db } from './connection.ts';

export interface TrainingFileRow {
  fileId: string;
  guildId: string;
  filename: string;
  bytes: number;
  examples: number;
  /** Training tokens under each OpenAI tokenizer; the base model picks one when a job starts. */
  tokensO200k: number;
  tokensCl100k: number;
  uploadedBy: string;
  createdAt: number;
}

export interface FineTuneJobRow {
  jobId: string;
  guildId: string;
  /** Where the job was started: its finish notice is posted there. */
  channelId: string;
  userId: string;
  /** Language of the admin who started it, for the notice. */
  language: string;
  fileId: string;
  baseModel: string;
  /** As asked; null = not asked: OpenAI's auto rule for the file was sent (reservedEpochs), or, for a job started before, `auto`. */
  epochs: number | null;
  reservedEpochs: number;
  suffix: string | null;
  status: string;
  fineTunedModel: string | null;
  trainedTokens: number | null;
  error: string | null;
  reservationId: number;
  reservedMicros: number;
  chargedMicros: number | null;
  createdAt: number;
  /** When the reservation was settled or released; null while the job is followed. */
  closedAt: number | null;
  /** When OpenAI began answering 404 for the job (null while it knows it), and when it was last asked since. */
  missingSince: number | null;
  missingCheckedAt: number | null;
}

export type JobProgress = Pick<FineTuneJobRow, 'status' | 'fineTunedModel' | 'trainedTokens' | 'error'>;

/** How a start's create went unanswered: no answer in time, the connection lost, or an error answer that may follow the job's creation. */
export type UnansweredCause = 'timeout' | 'lost' | 'error';

const FILE_COLUMNS = `file_id AS fileId, guild_id AS guildId, filename, bytes, examples, tokens_o200k AS tokensO200k,
  tokens_cl100k AS tokensCl100k, uploaded_by AS uploadedBy, created_at AS createdAt`;
const JOB_COLUMNS = `job_id AS jobId, guild_id AS guildId, channel_id AS channelId, user_id AS userId, language, file_id AS fileId,
  base_model AS baseModel, epochs, reserved_epochs AS reservedEpochs, suffix, status, fine_tuned_model AS fineTunedModel,
  trained_tokens AS trainedTokens, error, reservation_id AS reservationId, reserved_micros AS reservedMicros,
  charged_micros AS chargedMicros, created_at AS createdAt, closed_at AS closedAt, missing_since AS missingSince, missing_checked_at AS missingCheckedAt`;

/** SQL for fine-tuning: uploaded training files and the jobs started from them. */
export class FineTuneStore {
  private readonly insertFile;
  private readonly fileStmt;
  private readonly filesStmt;
  private readonly insertJob;
  private readonly jobStmt;
  private readonly jobsStmt;
  private readonly openJobsStmt;
  private readonly progressStmt;
  private readonly lowerStmt;
  private readonly closeStmt;
  private readonly modelsStmt;
  private readonly strayStmt;
  private readonly reservationOfStmt;
  private readonly byReservationStmt;
  private readonly hasFileStmt;
  private readonly confirmStmt;
  private readonly removeStmt;
  private readonly startConfirmedStmt;
  private readonly startUnansweredStmt;
  private readonly startStmt;
  private readonly missingStartStmt;
  private readonly missingSeenStmt;
  private readonly foundStmt;
  private readonly missingAskedStmt;
  private readonly closeLostStmt;
  private readonly confirm: (unconfirmedId: string, jobId: string, status: string) => boolean;
  private readonly missing: (jobId: string, at: number) => { since: number; first: boolean } | undefined;

  constructor(db: Db) {
    this.insertFile = db.prepare(`INSERT INTO fine_tune_files (file_id, guild_id, filename, bytes, examples, tokens_o200k, tokens_cl100k, uploaded_by, created_at)
      VALUES (@fileId, @guildId, @filename, @bytes, @examples, @tokensO200k, @tokensCl100k, @uploadedBy, @createdAt)`);
    this.fileStmt = db.prepare(`SELECT ${FILE_COLUMNS} FROM fine_tune_files WHERE guild_id = ? AND file_id = ?`);
    this.filesStmt = db.prepare(`SELECT ${FILE_COLUMNS} FROM fine_tune_files WHERE guild_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ?`);
    this.insertJob = db.prepare(`INSERT INTO fine_tune_jobs (job_id, guild_id, channel_id, user_id, language, file_id, base_model, epochs, reserved_epochs,
      suffix, status, reservation_id, reserved_micros, created_at)
      VALUES (@jobId, @guildId, @channelId, @userId, @language, @fileId, @baseModel, @epochs, @reservedEpochs, @suffix, @status,
      @reservationId, @reservedMicros, @createdAt)`);
    this.jobStmt = db.prepare(`SELECT ${JOB_COLUMNS} FROM fine_tune_jobs WHERE guild_id = ? AND job_id = ?`);
    this.jobsStmt = db.prepare(`SELECT ${JOB_COLUMNS} FROM fine_tune_jobs WHERE guild_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ?`);
    this.openJobsStmt = db.prepare(`SELECT ${JOB_COLUMNS} FROM fine_tune_jobs WHERE closed_at IS NULL ORDER BY created_at`);
    this.lowerStmt = db.prepare('UPDATE fine_tune_jobs SET reserved_micros = ?, reserved_epochs = ? WHERE job_id = ? AND closed_at IS NULL');
    this.progressStmt = db.prepare(`UPDATE fine_tune_jobs SET status = @status, fine_tuned_model = @fineTunedModel, trained_tokens = @trainedTokens,
      error = @error WHERE job_id = @jobId`);
    this.closeStmt = db.prepare('UPDATE fine_tune_jobs SET charged_micros = ?, closed_at = ? WHERE job_id = ? AND closed_at IS NULL');
    this.modelsStmt = db.prepare(`SELECT fine_tuned_model FROM fine_tune_jobs WHERE guild_id = ? AND status = 'succeeded'
      AND fine_tuned_model IS NOT NULL ORDER BY created_at DESC`).pluck();
    // Long-running reservations no followed job owns: a crash between reserving and recording the job. One whose holder
    // still holds its lease is another process's start in that gap (awaiting the coordinator, say), not a crash.
    this.strayStmt = db.prepare(`SELECT id, reserved_micros AS reservedMicros FROM ledger l WHERE state = 'reserved' AND long_running = 1
      AND NOT EXISTS (SELECT 1 FROM fine_tune_jobs j WHERE j.reservation_id = l.id AND j.closed_at IS NULL)
      AND (l.holder IS NULL OR l.holder NOT IN (SELECT holder FROM ledger_holders WHERE expires_at > ?))`);
    this.hasFileStmt = db.prepare('SELECT 1 FROM fine_tune_files WHERE file_id = ?').pluck();
    this.reservationOfStmt = db.prepare('SELECT reservation_id FROM fine_tune_jobs WHERE job_id = ?').pluck();
    this.byReservationStmt = db.prepare(`SELECT ${JOB_COLUMNS} FROM fine_tune_jobs WHERE reservation_id = ?`);
    this.removeStmt = db.prepare('DELETE FROM fine_tune_jobs WHERE job_id = ? AND closed_at IS NULL');
    this.confirmStmt = db.prepare('UPDATE fine_tune_jobs SET job_id = ?, status = ? WHERE job_id = ? AND closed_at IS NULL');
    this.startConfirmedStmt = db.prepare(`INSERT INTO fine_tune_starts (unconfirmed_id, job_id) VALUES (?, ?)
      ON CONFLICT (unconfirmed_id) DO UPDATE SET job_id = excluded.job_id`);
    this.startUnansweredStmt = db.prepare(`INSERT INTO fine_tune_starts (unconfirmed_id, unanswered) VALUES (?, ?)
      ON CONFLICT (unconfirmed_id) DO UPDATE SET unanswered = excluded.unanswered`);
    this.startStmt = db.prepare('SELECT job_id AS jobId, unanswered FROM fine_tune_starts WHERE unconfirmed_id = ?');
    this.missingStartStmt = db.prepare('UPDATE fine_tune_jobs SET missing_since = ?, missing_checked_at = ? WHERE job_id = ? AND missing_since IS NULL AND closed_at IS NULL');
    this.missingSeenStmt = db.prepare('UPDATE fine_tune_jobs SET missing_checked_at = ? WHERE job_id = ? AND closed_at IS NULL RETURNING missing_since').pluck();
    this.foundStmt = db.prepare('UPDATE fine_tune_jobs SET missing_since = NULL, missing_checked_at = NULL WHERE job_id = ? AND missing_since IS NOT NULL');
    this.missingAskedStmt = db.prepare('UPDATE fine_tune_jobs SET missing_checked_at = ? WHERE job_id = ? AND missing_since IS NOT NULL AND closed_at IS NULL');
    this.closeLostStmt = db.prepare(`UPDATE fine_tune_jobs SET status = ?, charged_micros = ?, closed_at = ? WHERE job_id = ? AND closed_at IS NULL`);
    // Another process may note the same 404: only one starts the run (and logs it), both read when it began.
    this.missing = db.transaction((jobId: string, at: number) => {
      const first = this.missingStartStmt.run(at, at, jobId).changes === 1;
      const since = this.missingSeenStmt.get(at, jobId) as number | null | undefined;
      return typeof since === 'number' ? { since, first } : undefined;
    });
    // The row takes its real id and the start remembers it in one transaction: the id the admin was shown always leads to it.
    this.confirm = db.transaction((unconfirmedId: string, jobId: string, status: string) => {
      if (this.confirmStmt.run(jobId, status, unconfirmedId).changes !== 1) return false;
      this.startConfirmedStmt.run(unconfirmedId, jobId);
      return true;
    });
  }

  addFile(row: TrainingFileRow): void {
    this.insertFile.run(row);
  }

  file(guildId: string, fileId: string): TrainingFileRow | undefined {
    return this.fileStmt.get(guildId, fileId) as TrainingFileRow | undefined;
  }

  /** A server's uploads, newest first. */
  files(guildId: string, limit: number): TrainingFileRow[] {
    return this.filesStmt.all(guildId, limit) as TrainingFileRow[];
  }

  addJob(row: Omit<FineTuneJobRow, 'fineTunedModel' | 'trainedTokens' | 'error' | 'chargedMicros' | 'closedAt' | 'missingSince' | 'missingCheckedAt'>): void {
    this.insertJob.run(row);
  }

  job(guildId: string, jobId: string): FineTuneJobRow | undefined {
    return this.jobStmt.get(guildId, jobId) as FineTuneJobRow | undefined;
  }

  /** A server's jobs, newest first. */
  jobs(guildId: string, limit: number): FineTuneJobRow[] {
    return this.jobsStmt.all(guildId, limit) as FineTuneJobRow[];
  }

  /** Jobs of every server whose reservation is still open. */
  openJobs(): FineTuneJobRow[] {
    return this.openJobsStmt.all() as FineTuneJobRow[];
  }

  /** The job's reservation after it was lowered to the epochs OpenAI chose. */
  lowerReservation(jobId: string, reservedMicros: number, reservedEpochs: number): void {
    this.lowerStmt.run(reservedMicros, reservedEpochs, jobId);
  }

  updateProgress(jobId: string, progress: JobProgress): void {
    this.progressStmt.run({ ...progress, jobId });
  }

  /**
   * A 404 for an open job at `at`: when its run of 404s began, and whether this one began it (undefined: the job is
   * closed, or gone from the table).
   */
  noteMissing(jobId: string, at: number): { since: number; first: boolean } | undefined {
    return this.missing(jobId, at);
  }

  /**
   * A job in a run of 404s was asked about at `at` and OpenAI gave no answer (a 5xx, a dropped connection): its next
   * check waits the usual hour; its run goes on from when it began. False when it is not missing (or closed).
   */
  noteMissingAsked(jobId: string, at: number): boolean {
    return this.missingAskedStmt.run(at, jobId).changes === 1;
  }

  /** OpenAI knows the job again; false when it was not missing. */
  noteFound(jobId: string): boolean {
    return this.foundStmt.run(jobId).changes === 1;
  }

  /** Closes a job OpenAI stopped knowing under `status` (lost), charged `chargedMicros`; false when it was already closed. */
  closeLost(jobId: string, status: string, chargedMicros: number, at: number): boolean {
    return this.closeLostStmt.run(status, chargedMicros, at, jobId).changes === 1;
  }

  /** Marks the job's money as done; false when it already was (another check got there first). */
  close(jobId: string, chargedMicros: number, at: number): boolean {
    return this.closeStmt.run(chargedMicros, at, jobId).changes === 1;
  }

  /** Fine-tuned models a server's jobs produced, newest first. */
  fineTunedModels(guildId: string): string[] {
    return this.modelsStmt.all(guildId) as string[];
  }

  /** Whether any server uploaded this OpenAI file (a file found in OpenAI's list may be another upload's). */
  hasFile(fileId: string): boolean {
    return this.hasFileStmt.get(fileId) !== undefined;
  }

  /** The reservation of the followed job with this OpenAI id, if any (a job found in OpenAI's list may be another request's). */
  reservationOf(jobId: string): number | undefined {
    return this.reservationOfStmt.get(jobId) as number | undefined;
  }

  /** The job a reservation pays for (a start's row, whichever id it has by now). */
  jobOfReservation(reservationId: number): FineTuneJobRow | undefined {
    return this.byReservationStmt.get(reservationId) as FineTuneJobRow | undefined;
  }

  /** An unconfirmed job found at OpenAI takes its real id; false when another check confirmed or closed it first. */
  confirmJob(unconfirmedId: string, jobId: string, status: string): boolean {
    return this.confirm(unconfirmedId, jobId, status);
  }

  /** The OpenAI id a start's unconfirmed id was confirmed as, if it was. */
  confirmedAs(unconfirmedId: string): string | undefined {
    return (this.startStmt.get(unconfirmedId) as { jobId: string | null } | undefined)?.jobId ?? undefined;
  }

  /** Remembers what an unconfirmed id turned out to be, when OpenAI's list told it (a start confirmed before this was stored). */
  rememberConfirmed(unconfirmedId: string, jobId: string): void {
    this.startConfirmedStmt.run(unconfirmedId, jobId);
  }

  /** How a start's create went unanswered, kept for the notice if its job never turns up. */
  noteUnanswered(unconfirmedId: string, cause: UnansweredCause): void {
    this.startUnansweredStmt.run(unconfirmedId, cause);
  }

  unansweredCause(unconfirmedId: string): UnansweredCause | undefined {
    return (this.startStmt.get(unconfirmedId) as { unanswered: UnansweredCause | null } | undefined)?.unanswered ?? undefined;
  }

  /** A job recorded before its create was sent, removed when OpenAI refused the create (nothing was made). */
  removeJob(jobId: string): void {
    this.removeStmt.run(jobId);
  }

  /** Long-running reservations no followed job owns whose holder is gone (its lease ended or expired by `now`). */
  strayReservations(now: number): { id: number; reservedMicros: number }[] {
    return this.strayStmt.all(now) as { id: number; reservedMicros: number }[];
  }
}
