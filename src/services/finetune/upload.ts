import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { toFile, type OpenAI } from 'openai';
import type { FileObject } from 'openai/resources/files';
import { classifyError, type ModelFailure } from '../openai/failures.ts';
import { mayBeBilled, paidRetryDelay } from '../openai/paidRetries.ts';
import { CREATED_AT_SKEW_SECONDS, TRAINING_UPLOAD_TIMEOUT_MS, UPLOADED_FILE_SEARCH_LIMIT } from './limits.ts';

/**
 * Uploads are free at OpenAI (only stored), so repeating one costs no money; but the SDK repeats one that timed out
 * or whose connection dropped, and if OpenAI had stored the first, that copy stays unreferenced in the account's
 * storage. Each attempt runs with `maxRetries: 0`: after a lost answer the stored copy is looked for in OpenAI's
 * list (same one-time name and size, sent since) and kept; only when there is none is the file sent again.
 */

/** Any 5xx answer means nothing usable was stored: repeated like the SDK would (uploads are free). */
const UPLOAD_RETRY_RULES = { fastServerErrorMs: TRAINING_UPLOAD_TIMEOUT_MS, repeatNeverSent: true };

export interface TrainingUpload {
  bytes: Uint8Array;
  filename: string;
  /** Whether a file id is already one of the bot's (an upload found in the list may be another's). */
  tracked: (fileId: string) => boolean;
}

/**
 * The name the file is stored under at OpenAI: the member's name plus a one-time tag, so that after a lost answer
 * the copy found in the list is this upload's and not another server's file of the same name and size sent in the
 * same seconds (which would train this server's model on that server's data). `.jsonl` stays last: OpenAI wants it.
 */
export function storedFilename(filename: string, tag = randomBytes(4).toString('hex')): string {
  const stem = filename.replace(/\.jsonl$/i, '');
  return `${stem}.${tag}.jsonl`;
}

/** Whether a file in OpenAI's list is the copy an upload sent at `sentAt` stored under `storedName`. */
function isUploadOf(file: FileObject, upload: TrainingUpload, storedName: string, sentAt: number): boolean {
  return file.purpose === 'fine-tune' && file.filename === storedName && file.bytes === upload.bytes.length
    && file.created_at >= Math.floor(sentAt / 1000) - CREATED_AT_SKEW_SECONDS && !upload.tracked(file.id);
}

async function findStored(openai: OpenAI, upload: TrainingUpload, storedName: string, sentAt: number): Promise<FileObject | undefined> {
  try {
    const page = await openai.files.list({ purpose: 'fine-tune', limit: UPLOADED_FILE_SEARCH_LIMIT, order: 'desc' });
    return page.data.find((file) => isUploadOf(file, upload, storedName, sentAt));
  } catch {
    return undefined; // The list failing too: the file is sent again, as the SDK would have.
  }
}

/** The uploaded file's id, or why it could not be uploaded. */
export async function uploadTrainingFile(openai: OpenAI, upload: TrainingUpload): Promise<{ ok: true; fileId: string } | { ok: false; failure: ModelFailure }> {
  const storedName = storedFilename(upload.filename);
  for (let retry = 0; ; retry++) {
    const sentAt = Date.now();
    try {
      const file = await toFile(upload.bytes, storedName, { type: 'application/jsonl' });
      return { ok: true, fileId: (await openai.files.create({ file, purpose: 'fine-tune' }, { timeout: TRAINING_UPLOAD_TIMEOUT_MS, maxRetries: 0 })).id };
    } catch (error) {
      const failure = classifyError(error, false);
      const lost = mayBeBilled(error, failure);
      // A 5xx too may come from a gateway after OpenAI stored the file: the list says before it is sent again.
      const stored = lost || failure.kind === 'server_error' ? await findStored(openai, upload, storedName, sentAt) : undefined;
      if (stored) return { ok: true, fileId: stored.id };
      if (retry >= openai.maxRetries) return { ok: false, failure };
      const wait = lost ? 0 : paidRetryDelay(error, failure, Date.now() - sentAt, retry, UPLOAD_RETRY_RULES);
      if (wait === undefined) return { ok: false, failure };
      await sleep(wait);
    }
  }
}
