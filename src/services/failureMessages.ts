import type { Endpoint, ModelFailure } from './openai/failures.ts';

import { textTable, type CatalogueLanguage, type Language, type Texts } from './i18n.ts';

export { languageOf, type Language } from './i18n.ts';

const TEXT = {
  rateLimited: { en: 'The AI service is busy right now. Please try again in about {s} s.', 'zh-TW': 'AI 服務目前忙碌中，請大約 {s} 秒後再試一次。' },
  rateLimitedSoon: { en: 'The AI service is busy right now. Please try again in a minute.', 'zh-TW': 'AI 服務目前忙碌中，請稍候一分鐘再試一次。' },
  quota: {
    en: "This server's OpenAI account is out of credit, so I can't answer right now. A server admin has been told in the bot's log; they need to add credit or check the plan at platform.openai.com.",
    'zh-TW': '這個伺服器的 OpenAI 帳號額度已用完，暫時無法回答。已在機器人日誌中通知管理員，請管理員到 platform.openai.com 儲值或檢查方案。',
  },
  contextTooLong: { en: 'This conversation is too long for the model, even after trimming older messages. Try `/reset` or a shorter question.', 'zh-TW': '這段對話對模型來說太長了，即使刪減舊訊息也放不下。請試試 `/reset` 或縮短問題。' },
  refused: { en: 'The model declined to answer this request.', 'zh-TW': '模型拒絕回答這個請求。' },
  timeout: { en: 'The AI service took too long to answer, so I stopped waiting. Please try again.', 'zh-TW': 'AI 服務回應太久，已停止等待。請再試一次。' },
  serverError: { en: 'The AI service had an internal error. Please try again in a moment.', 'zh-TW': 'AI 服務發生內部錯誤，請稍後再試。' },
  network: { en: "I couldn't reach the AI service. Please try again in a moment.", 'zh-TW': '無法連線到 AI 服務，請稍後再試。' },
  auth: { en: "The bot's OpenAI API key was rejected. A server admin needs to check OPENAI_API_KEY.", 'zh-TW': '機器人的 OpenAI API 金鑰被拒絕，請管理員檢查 OPENAI_API_KEY 設定。' },
  modelNotFound: { en: 'The configured model `{model}` is not available on this AI service. A server admin needs to choose another model.', 'zh-TW': '設定的模型 `{model}` 在這個 AI 服務上無法使用，請管理員改選其他模型。' },
  badRequest: { en: 'The AI service could not handle this request: {message}', 'zh-TW': 'AI 服務無法處理這個請求：{message}' },
  badRequestPlain: { en: 'The AI service could not handle this request.', 'zh-TW': 'AI 服務無法處理這個請求。' },
  noChatEndpoint: {
    en: 'This AI service has no chat endpoint (`/chat/completions` under OPENAI_BASE_URL). A server admin needs to check OPENAI_BASE_URL (for most servers it ends in `/v1`).',
    'zh-TW': '這個 AI 服務沒有對話端點（OPENAI_BASE_URL 底下的 `/chat/completions`）。請管理員檢查 OPENAI_BASE_URL（多數服務以 `/v1` 結尾）。',
  },
  noImageEndpoint: {
    en: 'This AI service has no image endpoint (`/images/generations` under OPENAI_BASE_URL), so it cannot make images. A server admin can point OPENAI_BASE_URL at a service that makes images; IMAGE_MODEL sets the model used there.',
    'zh-TW': '這個 AI 服務沒有圖片端點（OPENAI_BASE_URL 底下的 `/images/generations`），無法產生圖片。管理員可以把 OPENAI_BASE_URL 指向能產生圖片的服務；IMAGE_MODEL 設定所用的模型。',
  },
  noTranscriptionEndpoint: {
    en: 'This AI service has no transcription endpoint (`/audio/transcriptions` under OPENAI_BASE_URL), so it cannot transcribe audio. A server admin can point OPENAI_BASE_URL at a service that transcribes; TRANSCRIBE_MODEL sets the model used there.',
    'zh-TW': '這個 AI 服務沒有語音轉文字端點（OPENAI_BASE_URL 底下的 `/audio/transcriptions`），無法轉錄音訊。管理員可以把 OPENAI_BASE_URL 指向能轉錄的服務；TRANSCRIBE_MODEL 設定所用的模型。',
  },
  noModelsEndpoint: {
    en: 'This AI service has no model list (`/models` under OPENAI_BASE_URL). A server admin needs to check OPENAI_BASE_URL.',
    'zh-TW': '這個 AI 服務沒有模型清單（OPENAI_BASE_URL 底下的 `/models`），請管理員檢查 OPENAI_BASE_URL。',
  },
  cutOff: { en: '⚠️ The answer was cut off because the connection to the AI service dropped.', 'zh-TW': '⚠️ 與 AI 服務的連線中斷，回答不完整。' },
  cutOffServerError: { en: '⚠️ The answer is incomplete: the AI service reported an internal error partway through.', 'zh-TW': '⚠️ AI 服務在回答途中回報內部錯誤，回答不完整。' },
  cutOffTimeout: { en: '⚠️ The answer was cut off because the AI service stopped responding.', 'zh-TW': '⚠️ AI 服務停止回應，回答不完整。' },
  truncated: { en: '⚠️ The answer reached its length limit and was cut short.', 'zh-TW': '⚠️ 回答已達長度上限，內容被截斷。' },
  promptTooLong: {
    en: 'Your message is too long for the model `{model}`: it is about {tokens} tokens and at most {limit} fit. Please shorten it.',
    'zh-TW': '你的訊息對模型 `{model}` 來說太長：約 {tokens} 個 token，最多只能放 {limit} 個。請縮短內容。',
  },
  unexpected: { en: 'Sorry, something went wrong on my side. The error was logged; please try again.', 'zh-TW': '抱歉，機器人發生錯誤，已記錄在日誌中，請再試一次。' },
  restarted: { en: 'The bot restarted before this answer could finish. Please ask again.', 'zh-TW': '機器人在這個回答完成前重新啟動了，請再問一次。' },
  shuttingDown: { en: 'The bot is restarting. Please try again in a moment.', 'zh-TW': '機器人正在重新啟動，請稍後再試。' },
  emptyAnswer: { en: 'The model returned an empty answer. Please try rephrasing.', 'zh-TW': '模型回傳了空白的回答，請換個說法再試一次。' },
} satisfies Record<string, Texts>;

export type MessageKey = keyof typeof TEXT;

export const t = textTable<MessageKey>(TEXT);

/** The most of a server's own error message quoted in a reply. */
const MAX_SERVER_MESSAGE_CHARS = 300;

const ENDPOINT_MISSING = {
  chat: 'noChatEndpoint', images: 'noImageEndpoint', transcription: 'noTranscriptionEndpoint', models: 'noModelsEndpoint',
} as const satisfies Record<Endpoint, MessageKey>;

/** A plain-words explanation of a failed model call. */
export function describeFailure(failure: ModelFailure, language: CatalogueLanguage, model: string): string {
  switch (failure.kind) {
    case 'rate_limited':
      return failure.retryAfterSeconds ? t('rateLimited', language, { s: failure.retryAfterSeconds }) : t('rateLimitedSoon', language);
    case 'quota': return t('quota', language);
    case 'context_too_long': return t('contextTooLong', language);
    case 'refused': return failure.message ? `${t('refused', language)}\n> ${failure.message}` : t('refused', language);
    case 'timeout': return t('timeout', language);
    case 'server_error': return t('serverError', language);
    case 'network': return t('network', language);
    case 'auth': return t('auth', language);
    case 'model_not_found': return t('modelNotFound', language, { model: failure.model ?? model });
    case 'endpoint_missing': return t(ENDPOINT_MISSING[failure.endpoint], language);
    case 'bad_request': return failure.message ? t('badRequest', language, { message: failure.message.slice(0, MAX_SERVER_MESSAGE_CHARS) }) : t('badRequestPlain', language);
    case 'cut_off': return t('cutOff', language);
  }
}

/** The note appended under a partial answer that could not finish. */
export function partialAnswerNotice(failure: ModelFailure, language: Language, model: string): string {
  if (failure.kind === 'cut_off' || failure.kind === 'network') return t('cutOff', language);
  // Only an error event inside the stream can follow text: the server said what went wrong, the connection held.
  if (failure.kind === 'server_error') return t('cutOffServerError', language);
  if (failure.kind === 'timeout') return t('cutOffTimeout', language);
  return `⚠️ ${describeFailure(failure, language, model)}`;
}
