import { t as failureText } from '../failureMessages.ts';
import { catalogue, type CatalogueLanguage } from '../i18n.ts';
import type { QuestionImages } from './service.ts';
import { MAX_IMAGE_BYTES, MAX_IMAGES_PER_QUESTION, MAX_REQUEST_IMAGE_BYTES } from './limits.ts';

export const VISION_NAMESPACE = 'vision';
export const visionText = catalogue<'command.option.image' | 'noVision' | 'noVisionDm' | 'notImage' | 'animated' | 'tooLarge' | 'tooMany' | 'unavailable'>(VISION_NAMESPACE);

/** A file name shown in code style: its own backticks would end that early. */
const shown = (filename: string) => filename.replace(/`/g, "'").slice(0, 100);

/** The plain reply to a question whose image could not be used. */
export function describeImageProblem(failure: Extract<QuestionImages, { ok: false }>, language: CatalogueLanguage): string {
  const filename = shown(failure.filename);
  switch (failure.problem) {
    case 'too-many': return visionText('tooMany', language, { max: MAX_IMAGES_PER_QUESTION });
    case 'too-large': return visionText('tooLarge', language, { filename, limit: MAX_IMAGE_BYTES / 1_000_000, total: MAX_REQUEST_IMAGE_BYTES / 1_000_000 });
    case 'animated': return visionText('animated', language, { filename });
    case 'not-image': return visionText('notImage', language, { filename });
    case 'unavailable': return visionText('unavailable', language, { filename });
    case 'busy': return failureText('filesBusy', language);
  }
}
