import { randomBytes } from 'node:crypto';
import { toFile, type OpenAI } from 'openai';
import type { FileObject } from 'openai/resources/files';
import { clientSecrets } from '../openai/errorBodies.ts';
import type { ModelFailure } from '../openai/failures.ts';
import { sendPaid, sendTimed } from '../openai/paidAttempts.ts';
import { CREATED_AT_SKEW_SECONDS, TRAINING_UPLOAD_TIMEOUT_MS, UPLOADED_FILE_SEARCH_LIMIT } from './limits.ts';
import { failedCall, type RefusalDetail } from './refusals.ts';

/**
 * Uploads are free at OpenAI (only stored), so repeating one costs no money; but the SDK repeats one that timed out
 * or whose connection dropped, and if OpenAI had stored the first, that copy stays unreferenced in the account's
 * storage. Each attempt runs with `maxRetries: 0` (paidAttempts.ts): after a lost answer or a 5xx the stored copy
 * is looked for in OpenAI's list (same one-time name and size, sent since) and kept; only when there is none is the
 * file sent again.
 */

/** Any 5xx answer means nothing usable was stored: repeated like the SDK would (uploads are free). */
const UPLOAD_RETRY_RULES = { fastServerErrorMs: TRAINING_UPLOAD_TIMEOUT_MS, repeatNeverSent: true };

export interface TrainingUpload {
  /** Epoch ms by which every attempt and wait must be over (the interaction's reply must still be possible). */
  deadline: number;
  /** How long one attempt may take, its answer's body included (TRAINING_UPLOAD_TIMEOUT_MS). */
  timeoutMs: number;
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
    return undefined;
  }
}

/** The uploaded file's id, or why it could not be uploaded (`refusal`: a 4xx, read). */
export async function uploadTrainingFile(
  openai: OpenAI, upload: TrainingUpload,
): Promise<{ ok: true; fileId: string } | { ok: false; failure: ModelFailure; refusal?: RefusalDetail }> {
  const storedName = storedFilename(upload.filename);
  const sent = await sendPaid(async () => {
    const file = await toFile(upload.bytes, storedName, { type: 'application/jsonl' });
    // sendTimed: the SDK's timeout ends at the answer's headers; a body that stalls would hold the file's room forever.
    return (await sendTimed((options) => openai.files.create({ file, purpose: 'fine-tune' }, options), upload.timeoutMs)).id;
  }, {
    ...UPLOAD_RETRY_RULES, maxRetries: openai.maxRetries, deadline: upload.deadline, attemptMs: upload.timeoutMs, freeToRepeat: true, context: { secrets: clientSecrets(openai) },
    // The list failing too: the file is sent again, as the SDK would have.
    lookup: async (sentAt) => {
      const stored = await findStored(openai, upload, storedName, sentAt);
      return stored ? { found: stored.id } : 'absent';
    },
  });
  if (sent.ok) return { ok: true, fileId: sent.value };
  const refusal = sent.failure.kind === 'bad_request' ? failedCall(sent.error, 'upload', openai).refusal : undefined;
  return { ok: false, failure: sent.failure, ...(refusal ? { refusal } : {}) };
}
