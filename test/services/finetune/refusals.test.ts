import OpenAI, { APIError } from 'openai';
import { describe, expect, test } from 'vitest';
import { findCreatedJob } from '../../../src/services/finetune/create.ts';
import { failedCall, refusalOf } from '../../../src/services/finetune/refusals.ts';
import { FakeOpenAI } from '../../support/fakeOpenAI.ts';

/** A 4xx as the SDK builds it from OpenAI's error body. */
const refused = (message: string, code: string | null = null, param: string | null = null, status = 400) =>
  APIError.generate(status, { error: { message, type: 'invalid_request_error', param, code } }, undefined, new Headers());

describe('reading an OpenAI refusal of a fine-tuning call', () => {
  test.each([
    ['a file id it will not train on', refused('invalid training_file: file-abc', 'invalid_training_file', 'training_file'), 'invalid_file'],
    ['a file still being processed (no code)', refused('File file-abc is not ready.'), 'invalid_file'],
    ['a base model it does not fine-tune', refused('Model gpt-4o is not available for fine-tuning or does not exist.', 'model_not_available', 'model'), 'model_not_fine_tunable'],
    ['the hard limit, in a message that also names the file', refused('Creating this job on file-abc would exceed your hard limit, please check your plan and billing details.'), 'quota'],
    ['a parameter of no known kind', refused("Invalid 'suffix': expected a string of at most 64 characters.", 'invalid_value', 'suffix'), 'other'],
  ])('a job create: %s → %s', (_name, error, reason) => {
    expect(refusalOf(error, 'create')?.reason).toBe(reason);
  });

  test.each([
    ['an upload it cannot read', refused('Invalid file format for Fine-Tuning API. Must be .jsonl', 'invalid_file_format', 'file'), 'bad_format'],
    ['the storage quota', refused('You have exceeded your file storage quota for this organization.'), 'quota'],
    // An upload names no model: words that would read as a model refusal on a create say nothing of one here.
    ['a file type it does not take for fine-tuning', refused('This file is not supported for fine-tuning.', null, 'file'), 'invalid_file'],
    ['a purpose the account may not use, worded like a model refusal', refused('Uploads are not available for fine-tuning on this account.', 'invalid_value', 'purpose'), 'other'],
    ['a code naming a model', refused('Unsupported model for this purpose.', 'unsupported_model', 'purpose'), 'other'],
  ])('an upload: %s → %s', (_name, error, reason) => {
    expect(refusalOf(error, 'upload')?.reason).toBe(reason);
  });

  test('the same words read as a model refusal on a create and not on an upload', () => {
    const error = refused('This model is not supported for fine-tuning.');
    expect([refusalOf(error, 'create')?.reason, refusalOf(error, 'upload')?.reason]).toEqual(['model_not_fine_tunable', 'other']);
  });

  test('a refused call on a job that exists (status, cancel) is read as no kind: its words go to the log', () => {
    expect(refusalOf(refused('Job ftjob-abc has already finished (status: succeeded) and cannot be cancelled.', 'invalid_request'), 'job')?.reason).toBe('other');
    expect(refusalOf(refused('Quota exceeded for file-abc.', 'quota_exceeded', 'file'), 'job')?.reason).toBe('other');
  });

  test("OpenAI's message is kept for the log with the key and anything shaped like one blanked", () => {
    const detail = refusalOf(refused('Bearer sk-fake-bearer-0000 and the-configured-key were refused', 'invalid_value', 'x'), 'create', ['the-configured-key']);
    expect(detail).toEqual({ reason: 'other', code: 'invalid_value', param: 'x', message: 'Bearer [redacted] and [redacted] were refused' });
  });

  test('anything but an HTTP 4xx is no refusal', () => {
    expect(refusalOf(refused('The server had an error', null, null, 500), 'create')).toBeUndefined();
    expect(refusalOf(new Error('socket hang up'), 'upload')).toBeUndefined();
  });
});

describe('every failed fine-tuning call is read with the client\'s key blanked', () => {
  /** A key of no known shape (a compatible server's), which only the client's own secrets can blank. */
  const KEY = 'local-proxy-key-0123456789';

  test('a job list refused with the key in its words (the search for a lost create): the failure kept names no key', async () => {
    const fake = await FakeOpenAI.start({ apiKey: KEY });
    try {
      const openai = new OpenAI({ apiKey: KEY, baseURL: fake.baseUrl, maxRetries: 0 });
      fake.fineTuning.enqueueList({ error: 'bad_request', message: `Listing is not allowed for key ${KEY}.`, times: 2 });
      const request = { trainingFile: 'file-a', model: 'gpt-4o-mini-2024-07-18', suffix: null, tag: 'tag-1', sentAt: Date.now() };
      const found = await findCreatedJob(openai, request, () => false);
      expect(found).toEqual({ ok: false, failure: { kind: 'bad_request', message: 'Listing is not allowed for key [redacted].' } });
    } finally {
      await fake.close();
    }
  });

  test('a refused call on a job: failure and refusal both blanked', () => {
    const openai = new OpenAI({ apiKey: KEY });
    const read = failedCall(refused(`Job ftjob-abc can't be read with ${KEY}.`, 'invalid_value', 'fine_tuning_job_id'), 'job', openai);
    expect(JSON.stringify(read)).not.toContain(KEY);
    expect(read.refusal?.message).toBe("Job ftjob-abc can't be read with [redacted].");
  });
});
