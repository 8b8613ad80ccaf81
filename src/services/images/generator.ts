import type OpenAI from 'openai';
import type { ImageGenerateParamsNonStreaming, ImagesResponse } from 'openai/resources/images';
import { classifyError, type ModelFailure } from '../openai/failures.ts';
import type { ImagePlan } from './options.ts';

/** gpt-image-1 at high quality can take a couple of minutes, well past a chat answer's timeout. */
const IMAGE_MIN_TIMEOUT_MS = 180_000;
/** dall-e-3 makes one image per request (n must be 1): several images take several requests. */
const ONE_IMAGE_PER_REQUEST = /^dall-e-3/;
/** gpt-image models always answer with base64 and reject `response_format`; the others need it to skip expiring URLs. */
const GPT_IMAGE = /^gpt-image/;

export interface GeneratedImage {
  data: Buffer;
  revisedPrompt: string | undefined;
}

export interface ImageUsage {
  inputTokens: number;
  outputTokens: number;
}

/** What came back: the images made (maybe fewer than asked), and why the rest failed. */
export interface GenerationResult {
  images: GeneratedImage[];
  failure: ModelFailure | undefined;
  usage: ImageUsage | undefined;
}

type CallResult = { ok: true; images: GeneratedImage[]; usage: ImageUsage | undefined } | { ok: false; failure: ModelFailure };

/** Calls the images API for base64 data; every failure comes back as a value, never a throw. */
export class ImageGenerator {
  constructor(private readonly client: OpenAI, private readonly timeoutMs: number) {}

  async generate(plan: ImagePlan): Promise<GenerationResult> {
    const batches = ONE_IMAGE_PER_REQUEST.test(plan.model) ? Array.from({ length: plan.count }, () => 1) : [plan.count];
    const results = await Promise.all(batches.map((n) => this.call(plan, n)));
    const images = results.flatMap((result) => (result.ok ? result.images : [])).slice(0, plan.count);
    const usages = results.flatMap((result) => (result.ok && result.usage ? [result.usage] : []));
    const usage = usages.length === 0 ? undefined : {
      inputTokens: usages.reduce((sum, u) => sum + u.inputTokens, 0), outputTokens: usages.reduce((sum, u) => sum + u.outputTokens, 0),
    };
    const failed = results.find((result): result is Extract<CallResult, { ok: false }> => !result.ok);
    return { images, failure: failed?.failure, usage };
  }

  private async call(plan: ImagePlan, n: number): Promise<CallResult> {
    const body: ImageGenerateParamsNonStreaming = {
      model: plan.model, prompt: plan.prompt, n,
      size: plan.size as ImageGenerateParamsNonStreaming['size'],
      quality: plan.quality as ImageGenerateParamsNonStreaming['quality'],
      ...(GPT_IMAGE.test(plan.model) ? { output_format: 'png' as const } : { response_format: 'b64_json' as const }),
    };
    let response: ImagesResponse;
    try {
      response = await this.client.images.generate(body, { timeout: Math.max(this.timeoutMs, IMAGE_MIN_TIMEOUT_MS) });
    } catch (error) {
      return { ok: false, failure: classifyError(error, false, { endpoint: 'images', model: plan.model }) };
    }
    // Only base64 data is used: a URL would expire within the hour, so it is never posted.
    const images = (response.data ?? []).flatMap((item) => (item.b64_json ? [{ data: Buffer.from(item.b64_json, 'base64'), revisedPrompt: item.revised_prompt }] : []));
    if (images.length === 0) return { ok: false, failure: { kind: 'bad_request', message: 'the image service sent no image data' } };
    const usage = response.usage && { inputTokens: response.usage.input_tokens, outputTokens: response.usage.output_tokens };
    return { ok: true, images, usage };
  }
}
