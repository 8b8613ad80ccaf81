import { describeFailure } from '../failureMessages.ts';
import { catalogue, type CatalogueLanguage } from '../i18n.ts';
import type { ModelFailure } from '../openai/failures.ts';
import { formatUsd } from '../pricing/index.ts';
import { NO_IMAGE_DATA } from './generator.ts';
import type { ImagePlan, PlanProblem } from './options.ts';
import { URL_IMAGE_MAX_BYTES, type UrlImageProblem } from './urlImages.ts';

/** Every `/imagine` text lives in the `images` catalogue (locales/<language>/images.json). */
export type ImagesTextKey =
  | 'progress' | 'prompt' | 'revised' | 'revisedNumbered' | 'footer' | 'partial' | 'refused' | 'noAnswerTimeout' | 'noAnswerDropped'
  | 'billedAnyway' | 'maybeMade' | 'unansweredNote' | 'lateResult' | 'lateFailure' | 'refusedSome' | 'noPrice' | 'badSize' | 'badQuality'
  | 'emptyPrompt' | 'promptTooLong' | 'noImageData' | 'retiredModel' | 'modelGone'
  | 'urlLost' | 'urlHttpError' | 'urlTooLarge' | 'urlTimeout' | 'urlNotImage' | 'urlUnreachable' | 'urlBusy' | 'urlReasonsSeparator';

const text = catalogue<ImagesTextKey>('images');

const codeList = (items: readonly string[]) => items.map((item) => `\`${item}\``).join(', ');

export function progressText(plan: ImagePlan, language: CatalogueLanguage): string {
  return text('progress', language, { count: plan.count, model: plan.model, size: plan.size, quality: plan.quality });
}

export function planProblemText(problem: PlanProblem, language: CatalogueLanguage): string {
  switch (problem.kind) {
    case 'no-price': return text('noPrice', language, { model: problem.model });
    case 'retired': return text('retiredModel', language, { model: problem.model, date: problem.date });
    case 'bad-size': return text('badSize', language, { model: problem.model, size: problem.size, sizes: codeList(problem.sizes) });
    case 'bad-quality': return text('badQuality', language, { model: problem.model, size: problem.size, quality: problem.quality, qualities: codeList(problem.qualities) });
    case 'prompt-too-long': return text('promptTooLong', language, { model: problem.model, length: problem.length, max: problem.max });
    case 'empty-prompt': return text('emptyPrompt', language);
  }
}

/**
 * An answer without image data, and a service that doesn't know IMAGE_MODEL (OpenAI retires image models: its answer
 * is a 404 model_not_found), are said in the images catalogue's words; every other failure as /ask says it.
 */
function serviceFailure(failure: ModelFailure, language: CatalogueLanguage, model: string): string {
  if (failure === NO_IMAGE_DATA) return text('noImageData', language);
  if (failure.kind === 'model_not_found') return text('modelGone', language, { model: failure.model ?? model });
  return describeFailure(failure, language, model);
}

/**
 * A refusal is said plainly (the prompt was refused, nothing charged); a request that got no answer says it
 * may have been billed and what was charged; every other failure as /ask says it.
 */
export function imageFailureText(failure: ModelFailure, language: CatalogueLanguage, model: string, chargedMicros = 0): string {
  const cost = formatUsd(chargedMicros);
  if (chargedMicros > 0 && (failure.kind === 'timeout' || failure.kind === 'network')) {
    return text(failure.kind === 'timeout' ? 'noAnswerTimeout' : 'noAnswerDropped', language, { cost });
  }
  const said = failure.kind === 'refused' ? text('refused', language) : serviceFailure(failure, language, model);
  // A server error is charged only when it came after the image may have been made (a late 5xx, an unreadable 2xx).
  if (chargedMicros > 0 && failure.kind === 'server_error') return text('maybeMade', language, { failure: said, cost });
  return chargedMicros > 0 ? text('billedAnyway', language, { failure: said, cost }) : said;
}

/** Why only some images came; `unanswered` images got no answer and are charged as if made. */
export function partialText(made: number, asked: number, failure: ModelFailure, language: CatalogueLanguage, model: string, unanswered = 0): string {
  const reason = failure.kind === 'refused' ? text('refusedSome', language) : serviceFailure(failure, language, model);
  const line = text('partial', language, { made, asked, reason });
  return unanswered > 0 ? `${line}\n${text('unansweredNote', language, { n: unanswered })}` : line;
}

function urlProblemText(problem: UrlImageProblem, language: CatalogueLanguage): string {
  switch (problem.kind) {
    case 'http-error': return text('urlHttpError', language, { status: problem.status });
    case 'too-large': return text('urlTooLarge', language, { mb: URL_IMAGE_MAX_BYTES / (1024 * 1024) });
    case 'timeout': return text('urlTimeout', language, { seconds: Math.max(1, Math.round(problem.ms / 1000)) });
    case 'not-image': return text('urlNotImage', language);
    case 'unreachable': return text('urlUnreachable', language);
    case 'busy': return text('urlBusy', language);
  }
}

/** Images made and charged, sent only as URLs, that could not be downloaded: how many, and why each (in order, repeats once). */
export function lostText(lost: readonly UrlImageProblem[], language: CatalogueLanguage): string | undefined {
  if (lost.length === 0) return undefined;
  const reasons = [...new Set(lost.map((problem) => urlProblemText(problem, language)))];
  return text('urlLost', language, { n: lost.length, reasons: reasons.join(text('urlReasonsSeparator', language)) });
}

export const lateResultText = (chargedMicros: number, language: CatalogueLanguage) => text('lateResult', language, { cost: formatUsd(chargedMicros) });
export const lateFailureText = (language: CatalogueLanguage) => text('lateFailure', language);

export interface CaptionParts {
  prompt: string;
  revisedPrompts: string[];
  plan: ImagePlan;
  made: number;
  chargedMicros: number;
}

export const promptLine = (prompt: string, language: CatalogueLanguage) => text('prompt', language, { text: prompt });
export const revisedLine = (revised: string, n: number | undefined, language: CatalogueLanguage) =>
  (n === undefined ? text('revised', language, { text: revised }) : text('revisedNumbered', language, { n, text: revised }));

export function footerLine(parts: CaptionParts, language: CatalogueLanguage): string {
  return text('footer', language, { size: parts.plan.size, quality: parts.plan.quality, count: parts.made, cost: formatUsd(parts.chargedMicros) });
}
