import type OpenAI from 'openai';
import type { ImageGenerateParamsNonStreaming } from 'openai/resources/images';
import type { ModelFailure } from '../openai/failures.ts';
import { attemptImageRequest } from './attempts.ts';
import type { ImagePlan } from './options.ts';
import type { ImageUrl } from './urlImages.ts';

/** An answer that carried no image: a bad request as far as the log goes; members read the `images` catalogue's `noImageData`. */
export const NO_IMAGE_DATA: ModelFailure = { kind: 'bad_request', message: 'the image service sent no image data' };

/** dall-e-3 makes one image per request (n must be 1): several images take several requests. */
const ONE_IMAGE_PER_REQUEST = /^dall-e-3/;
/** gpt-image models always answer with base64 and reject `response_format`; the others need it to skip expiring URLs. */
const GPT_IMAGE = /^gpt-image/;

export interface GeneratedImage {
  data: Buffer;
  revisedPrompt: string | undefined;
}

/** The counts an answer's `usage` gave, each only when it is a count above 0 (see readUsage). */
export interface ImageUsage {
  inputTokens: number | undefined;
  outputTokens: number | undefined;
}

const tokenCount = (n: unknown): number | undefined => (typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : undefined);

/**
 * The usage an answer reports, each count trusted only when it is one above 0: no image is made for 0 output tokens and
 * no prompt is 0 tokens, so a proxy's zeros (or a field missing, null or not a number) leave that count to the bot (the
 * table's price of the images made, its own count of the prompt). Undefined when neither count is usable.
 */
function readUsage(usage: unknown): ImageUsage | undefined {
  if (typeof usage !== 'object' || usage === null) return undefined;
  const { input_tokens: input, output_tokens: output } = usage as Record<string, unknown>;
  const read = { inputTokens: tokenCount(input), outputTokens: tokenCount(output) };
  return read.inputTokens === undefined && read.outputTokens === undefined ? undefined : read;
}

/** How one request ended: images made, an answered failure (nothing billed), or no answer (maybe billed). */
export type RequestOutcome =
  /** `made`: the images the answer holds (at most `asked`): `images` those sent as data, `urls` those sent only as a URL (made and billed too). */
  | { kind: 'made'; asked: number; made: number; images: GeneratedImage[]; urls: ImageUrl[]; usage: ImageUsage | undefined }
  | { kind: 'failed'; asked: number; failure: ModelFailure }
  | { kind: 'unanswered'; asked: number; failure: ModelFailure };

/** What came back: the images made (maybe fewer than asked; those sent only as URLs still to download), why the rest failed, and each request's outcome. */
export interface GenerationResult {
  images: GeneratedImage[];
  urls: ImageUrl[];
  failure: ModelFailure | undefined;
  requests: RequestOutcome[];
}

export interface GeneratorOptions {
  /** Longest wait for one image request (IMAGE_TIMEOUT_MS). */
  timeoutMs: number;
  /** Repeats of a request the service refused without making anything (OPENAI_MAX_RETRIES). */
  maxRetries: number;
}

/** The request sizes: dall-e-3 one image each, the others all images in one. */
export function batchesOf(plan: Pick<ImagePlan, 'model' | 'count'>): number[] {
  return ONE_IMAGE_PER_REQUEST.test(plan.model) ? Array.from({ length: plan.count }, () => 1) : [plan.count];
}

/** Calls the images API for base64 data; every failure comes back as a value, never a throw. */
export class ImageGenerator {
  constructor(private readonly client: OpenAI, private readonly options: GeneratorOptions) {}

  /** Every attempt and wait of every request is over by `deadline` (epoch ms). */
  async generate(plan: ImagePlan, deadline: number): Promise<GenerationResult> {
    const requests = await Promise.all(batchesOf(plan).map((n) => this.call(plan, n, deadline)));
    const images = requests.flatMap((r) => (r.kind === 'made' ? r.images : [])).slice(0, plan.count);
    const urls = requests.flatMap((r) => (r.kind === 'made' ? r.urls : [])).slice(0, plan.count - images.length);
    const failed = requests.find((r) => r.kind !== 'made');
    const short = images.length + urls.length < plan.count ? NO_IMAGE_DATA : undefined;
    return { images, urls, failure: failed?.failure ?? short, requests };
  }

  private async call(plan: ImagePlan, n: number, deadline: number): Promise<RequestOutcome> {
    const body: ImageGenerateParamsNonStreaming = {
      model: plan.model, prompt: plan.prompt, n,
      size: plan.size as ImageGenerateParamsNonStreaming['size'],
      quality: plan.quality as ImageGenerateParamsNonStreaming['quality'],
      ...(GPT_IMAGE.test(plan.model) ? { output_format: 'png' as const } : { response_format: 'b64_json' as const }),
    };
    const policy = { ...this.options, deadline, context: { endpoint: 'images' as const, model: plan.model } };
    const attempt = await attemptImageRequest((options) => this.client.images.generate(body, options), policy);
    if (!attempt.ok) return { kind: attempt.mayBeBilled ? 'unanswered' : 'failed', asked: n, failure: attempt.failure };
    const response = attempt.value;
    // Base64 data is asked for; an image sent only as a URL (a compatible server that ignores response_format) was
    // made and billed all the same, and is downloaded once paid for (a URL expires, so it is never posted as such).
    const items = (response.data ?? []).slice(0, n);
    const images = items.flatMap((item) => (item.b64_json ? [{ data: Buffer.from(item.b64_json, 'base64'), revisedPrompt: item.revised_prompt }] : []));
    const urls = items.flatMap((item) => (!item.b64_json && typeof item.url === 'string' && item.url !== '' ? [{ url: item.url, revisedPrompt: item.revised_prompt }] : []));
    const made = images.length + urls.length;
    const usage = readUsage(response.usage);
    // An answer without any image made nothing, but whatever it reports was billed.
    if (made === 0 && !usage) return { kind: 'failed', asked: n, failure: NO_IMAGE_DATA };
    return { kind: 'made', asked: n, made, images, urls, usage };
  }
}
