import type { Endpoint, ModelChooser, ModelFailure } from './openai/failures.ts';

import { catalogue, type CatalogueLanguage } from './i18n.ts';
import { MAX_IMAGE_BYTES } from './vision/limits.ts';

export { languageOf, type Language } from './i18n.ts';

/** The texts live in locales/<language>/failures.json. */
export type MessageKey =
  | 'rateLimited'
  | 'rateLimitedSoon'
  | 'quota'
  | 'contextTooLong'
  | 'refused'
  | 'refusedQuoted'
  | 'timeout'
  | 'serverError'
  | 'network'
  | 'dropped'
  | 'auth'
  | 'modelNotFound'
  | 'badRequest'
  | 'badImage'
  | 'noChatEndpoint'
  | 'noImageEndpoint'
  | 'noTranscriptionEndpoint'
  | 'noModelsEndpoint'
  | 'cutOff'
  | 'cutOffServerError'
  | 'cutOffTimeout'
  | 'truncated'
  | 'partialNotice'
  | 'promptTooLong'
  | 'unexpected'
  | 'restarted'
  | 'shuttingDown'
  | 'filesBusy'
  | 'emptyAnswer'
  | 'unpriced'
  | 'unpricedOperator'
  | 'responsesOnly'
  | 'responsesOnlyOperator'
  | 'responsesOnlyDm'
  | 'unpricedDm'
  | 'modelNotFoundOperator'
  | 'modelNotFoundDm';

export const t = catalogue<MessageKey>('failures');

const ENDPOINT_MISSING = {
  chat: 'noChatEndpoint', images: 'noImageEndpoint', transcription: 'noTranscriptionEndpoint', models: 'noModelsEndpoint',
} as const satisfies Record<Endpoint, MessageKey>;

/** A model that can't be used, said with who can choose another: a server admin, the operator, or (in a DM) the operator's DEFAULT_MODEL. */
const MODEL_NOT_FOUND = { admin: 'modelNotFound', operator: 'modelNotFoundOperator', dm: 'modelNotFoundDm' } as const satisfies Record<ModelChooser, MessageKey>;
const UNPRICED = { admin: 'unpriced', operator: 'unpricedOperator', dm: 'unpricedDm' } as const satisfies Record<ModelChooser, MessageKey>;
const RESPONSES_ONLY = { admin: 'responsesOnly', operator: 'responsesOnlyOperator', dm: 'responsesOnlyDm' } as const satisfies Record<ModelChooser, MessageKey>;

/** A plain-words explanation of a failed model call. */
export function describeFailure(failure: ModelFailure, language: CatalogueLanguage, model: string): string {
  switch (failure.kind) {
    case 'rate_limited':
      return failure.retryAfterSeconds ? t('rateLimited', language, { s: failure.retryAfterSeconds }) : t('rateLimitedSoon', language);
    case 'quota': return t('quota', language);
    case 'context_too_long': return t('contextTooLong', language);
    case 'refused': return failure.message ? t('refusedQuoted', language, { message: failure.message }) : t('refused', language);
    case 'timeout': return t('timeout', language);
    case 'server_error': return t('serverError', language);
    case 'network': return t('network', language);
    case 'dropped': return t('dropped', language);
    case 'auth': return t('auth', language);
    case 'model_not_found': return t(MODEL_NOT_FOUND[failure.setBy ?? 'admin'], language, { model: failure.model ?? model });
    case 'endpoint_missing': return t(ENDPOINT_MISSING[failure.endpoint], language);
    // Never the server's own words: OpenAI's quote the request (the prompt, a value) and name the organisation; they are logged.
    case 'bad_request': return t('badRequest', language);
    case 'bad_image': return t('badImage', language, { mb: MAX_IMAGE_BYTES / 1_000_000 });
    case 'cut_off': return t('cutOff', language);
    case 'unpriced': return t(UNPRICED[failure.setBy], language, { model: failure.model });
    case 'responses_only': return t(RESPONSES_ONLY[failure.setBy], language, { model: failure.model ?? model });
  }
}

/** The note appended under a partial answer that could not finish. */
export function partialAnswerNotice(failure: ModelFailure, language: CatalogueLanguage, model: string): string {
  if (failure.kind === 'cut_off' || failure.kind === 'network' || failure.kind === 'dropped') return t('cutOff', language);
  // Only an error event inside the stream can follow text: the server said what went wrong, the connection held.
  if (failure.kind === 'server_error') return t('cutOffServerError', language);
  if (failure.kind === 'timeout') return t('cutOffTimeout', language);
  return t('partialNotice', language, { reason: describeFailure(failure, language, model) });
}
