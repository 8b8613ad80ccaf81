import type { Logger } from '../../logger.ts';
import type { Ledger, Payer, Refusal } from '../budget/ledger.ts';
import { logModelFailure, type ModelFailure } from '../openai/failures.ts';
import type { Pricing } from '../pricing/index.ts';
import type { TokenCounter } from '../tokens.ts';
import type { GeneratedImage, GenerationResult, ImageGenerator } from './generator.ts';
import { planImages, type ImagePlan, type ImageRequest, type PlanResult } from './options.ts';

export type ImagineOutcome =
  /** `failure` says why fewer images than asked were made (one of several dall-e-3 requests failed). */
  | { kind: 'done'; images: GeneratedImage[]; chargedMicros: number; failure: ModelFailure | undefined }
  | { kind: 'over-budget'; refusal: Refusal }
  | { kind: 'failed'; failure: ModelFailure };

export interface ImagineDependencies {
  generator: ImageGenerator;
  ledger: Ledger;
  pricing: Pricing;
  tokens: TokenCounter;
  /** IMAGE_MODEL */
  model: string;
}

/**
 * /imagine's money side: price × count (plus the prompt's text tokens, which gpt-image bills) reserved,
 * the images made, only the images made charged, the prompt at the tokens the service reports.
 */
export class ImagineService {
  constructor(private readonly deps: ImagineDependencies) {}

  get model(): string {
    return this.deps.model;
  }

  plan(request: ImageRequest): PlanResult {
    return planImages(this.deps.pricing, this.deps.model, request);
  }

  /** `onStarted` runs once the money is reserved, just before the (slow) generation: the place to show progress. */
  async run(plan: ImagePlan, payer: Payer, log: Logger, onStarted: () => Promise<void> = async () => undefined): Promise<ImagineOutcome> {
    const { ledger, generator, pricing, tokens } = this.deps;
    const promptTokens = tokens.weigh(tokens.countMessage(plan.prompt), plan.model);
    // Worst case: every image as its own request, each billing the prompt (DALL·E prompts cost nothing).
    const worstCaseMicros = plan.worstCaseMicros + pricing.imagePromptCost(plan.model, promptTokens * plan.count);
    const charge = (result: GenerationResult) => plan.unitMicros * result.images.length + pricing.imagePromptCost(plan.model, result.usage?.inputTokens ?? promptTokens);
    const paid = await ledger.pay(
      payer, { command: 'imagine', model: plan.model, worstCaseMicros },
      async () => {
        await onStarted();
        return generator.generate(plan);
      },
      // Only the images made are charged; none made, nothing charged.
      (result) => (result.images.length === 0 ? null : {
        chargedMicros: charge(result), units: result.images.length, inputTokens: result.usage?.inputTokens, outputTokens: result.usage?.outputTokens,
      }),
    );
    if (!paid.ok) {
      log.info({ refusal: paid.refusal }, 'refused: over budget');
      return { kind: 'over-budget', refusal: paid.refusal };
    }
    const result = paid.result;
    if (result.failure) logModelFailure(log, result.failure, `image generation (${result.images.length} of ${plan.count} made)`);
    if (result.images.length === 0) return { kind: 'failed', failure: result.failure ?? { kind: 'bad_request', message: 'the image service sent no image data' } };
    const chargedMicros = charge(result);
    return { kind: 'done', images: result.images, chargedMicros, failure: result.failure };
  }
}
