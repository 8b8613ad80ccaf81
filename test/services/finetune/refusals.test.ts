import { APIError } from 'openai';
import { describe, expect, test } from 'vitest';
import { refusalOf } from '../../../src/services/finetune/refusals.ts';

/** A 4xx as the SDK builds it from OpenAI's error body. */
const refused = (message: string, code: string | null = null, param: string | null = null, status = 400) =>
  APIError.generate(status, { error: { message, type: 'invalid_request_error', param, code } }, undefined, new Headers());

describe('reading an OpenAI refusal of a fine-tuning call', () => {
  test.each([
    ['a file id it will not train on', refused('invalid training_file: file-abc', 'invalid_training_file', 'training_file'), 'invalid_file'],
    ['a file still being processed (no code)', refused('File file-abc is not ready.'), 'invalid_file'],
    ['an upload it cannot read', refused('Invalid file format for Fine-Tuning API. Must be .jsonl', 'invalid_file_format', 'file'), 'bad_format'],
    ['a base model it does not fine-tune', refused('Model gpt-4o is not available for fine-tuning or does not exist.', 'model_not_available', 'model'), 'model_not_fine_tunable'],
    ['the hard limit, in a message that also names the file', refused('Creating this job on file-abc would exceed your hard limit, please check your plan and billing details.'), 'quota'],
    ['a parameter of no known kind', refused("Invalid 'suffix': expected a string of at most 64 characters.", 'invalid_value', 'suffix'), 'other'],
  ])('%s → %s', (_name, error, reason) => {
    expect(refusalOf(error)?.reason).toBe(reason);
  });

  test("OpenAI's message is kept for the log with the key and anything shaped like one blanked", () => {
    const detail = refusalOf(refused('Bearer sk-proj-abcdefghijklmnop and the-configured-key were refused', 'invalid_value', 'x'), ['the-configured-key']);
    expect(detail).toEqual({ reason: 'other', code: 'invalid_value', param: 'x', message: 'Bearer [redacted] and [redacted] were refused' });
  });

  test('anything but an HTTP 4xx is no refusal', () => {
    expect(refusalOf(refused('The server had an error', null, null, 500))).toBeUndefined();
    expect(refusalOf(new Error('socket hang up'))).toBeUndefined();
  });
});
