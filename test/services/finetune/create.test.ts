import type { FineTuningJob } from 'openai/resources/fine-tuning/jobs/jobs';
import { describe, expect, test } from 'vitest';
import { isCreatedFor, tagOfUnconfirmed, unconfirmedJobId, type JobRequest } from '../../../src/services/finetune/create.ts';
import { CREATED_AT_SKEW_SECONDS, START_TAG_KEY } from '../../../src/services/finetune/limits.ts';

const SENT_AT = 1_760_000_000_000;
const request: JobRequest = { trainingFile: 'file-a', model: 'gpt-4o-mini-2024-07-18', suffix: 'aaron', tag: 'tag-1', sentAt: SENT_AT };

/** A job as OpenAI lists it, with the fields the match reads. */
function job(fields: Partial<FineTuningJob> & { user_provided_suffix?: string | null }): FineTuningJob {
  return {
    id: 'ftjob-x', object: 'fine_tuning.job', created_at: SENT_AT / 1000 + 1, training_file: 'file-a', model: 'gpt-4o-mini-2024-07-18',
    status: 'validating_files', metadata: null, user_provided_suffix: 'aaron', ...fields,
  } as FineTuningJob;
}

describe('which listed job a lost create made', () => {
  test.each([
    ['the tag it sent', job({ metadata: { [START_TAG_KEY]: 'tag-1' } }), true],
    ['another request\'s tag, every other field equal', job({ metadata: { [START_TAG_KEY]: 'tag-2' } }), false],
    ['no tag (a server that drops metadata): the same file, model and suffix, created since the send', job({}), true],
    ['no tag, the model listed by its dated name', job({ model: 'gpt-4o-mini-2024-07-18-0001' }), true],
    ['no tag, another training file', job({ training_file: 'file-b' }), false],
    ['no tag, another model', job({ model: 'gpt-4.1-mini-2025-04-14' }), false],
    ['no tag, another suffix', job({ user_provided_suffix: 'other' }), false],
    ['no tag, no suffix where one was asked', job({ user_provided_suffix: null }), false],
    ['no tag, created within the clock skew before the send', job({ created_at: SENT_AT / 1000 - CREATED_AT_SKEW_SECONDS }), true],
    ['no tag, created before the send and the skew', job({ created_at: SENT_AT / 1000 - CREATED_AT_SKEW_SECONDS - 1 }), false],
  ])('%s → %s', (_name, listed, expected) => {
    expect(isCreatedFor(listed, request)).toBe(expected);
  });

  test('an unconfirmed job\'s id gives back its tag', () => {
    expect(tagOfUnconfirmed(unconfirmedJobId('5f0c-uuid'))).toBe('5f0c-uuid');
  });
});
