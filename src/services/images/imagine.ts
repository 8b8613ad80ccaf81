import type { Logger } from '../../logger.ts';
import type { Ledger, Payer, Refusal } from '../budget/ledger.ts';
import { logModelFailure, type ModelFailure } from '../openai/failures.ts';
import type { Pricing } from '../pricing/index.ts';
import type { TokenCounter } from '../tokens.ts';
import { PROMPT_COUNT_MARGIN } from '../tokens.ts';
import { outputTokensCost, promptCost } from './cost.ts';
import { batchesOf, NO_IMAGE_DATA, type GeneratedImage, type GenerationResult, type ImageGenerator, type RequestOutcome } from './generator.ts';
import { planImages, type ImagePlan, type ImageRequest, type PlanResult } from './options.ts';
import { shutDownOn } from './retired.ts';
import { DEFAULT_URL_IMAGE_TIMEOUT_MS, fetchUrlImages, type UrlImageProblem } from './urlImages.ts';
import type { DownloadGate } from '../discord/downloadGate.ts';

const hostOf = (url: string) => URL.canParse(url) ? new URL(url).host : 'not a URL';

export type ImagineOutcome =
  /**
   * `failure` says why fewer images than asked were made (one of several dall-e-3 requests failed);
   * `unanswered` counts images asked in requests that got no answer and are charged as if made; `lost`, why each image
   * made (and charged) but sent only as a URL could not be downloaded. `release` gives the downloaded images' room
   * among the files in memory back: call it once they are posted.
   */
  | { kind: 'done'; images: GeneratedImage[]; chargedMicros: number; failure: ModelFailure | undefined; unanswered: number; lost: UrlImageProblem[]; release: () => void }
  | { kind: 'over-budget'; refusal: Refusal }
  /** `chargedMicros` > 0: the request got no answer (timeout, dropped connection) and OpenAI may have billed it. */
  | { kind: 'failed'; failure: ModelFailure; chargedMicros: number };

export interface ImagineDependencies {
  generator: ImageGenerator;
  ledger: Ledger;
  pricing: Pricing;
  tokens: TokenCounter;
  /** IMAGE_MODEL */
  model: string;
  /** OPENAI_BASE_URL is OpenAI's own API, where a model OpenAI shut down can only fail. */
  openaiItself?: boolean;
  /** The clock (epoch ms) that tells whether a shutdown date has come. */
  now?: () => number;
  /** The process's bound on files in memory, which images downloaded from URLs take room in. */
  downloads?: DownloadGate;
  /** IMAGE_URL_TIMEOUT_MS */
  urlTimeoutMs?: number;
}

export interface RunOptions {
  /** Epoch ms by which the generation (all attempts and waits) must be over, so the result can still be posted. */
  deadline: number;
  /** Runs once the money is reserved, just before the (slow) generation: the place to show progress. */
  onStarted?: () => Promise<void>;
}

/**
 * /imagine's money side. Reserved: for each request, its images at their most (see cost.ts) plus the prompt's
 * text tokens (gpt-image bills them; a retry is only made after an answer that billed nothing). Charged: what
 * each request reports in `usage`, else its images at the table price; a request that got no answer may have
 * been billed, so it costs its reservation; an answered failure costs nothing.
 */
export class ImagineService {
  constructor(private readonly deps: ImagineDependencies) {}

  get model(): string {
    return this.deps.model;
  }

  plan(request: ImageRequest): PlanResult {
    const { model } = this.deps;
    const date = this.shutDown();
    if (date !== undefined) return { ok: false, problem: { kind: 'retired', model, date } };
    return planImages(this.deps.pricing, model, request);
  }

  /** The day OpenAI shut IMAGE_MODEL down, when the bot talks to OpenAI itself and that day has come. */
  shutDown(): string | undefined {
    const { openaiItself, model, now = Date.now } = this.deps;
    return openaiItself ? shutDownOn(model, now()) : undefined;
  }

  async run(plan: ImagePlan, payer: Payer, log: Logger, options: RunOptions): Promise<ImagineOutcome> {
    const { ledger, generator } = this.deps;
    const worstCaseMicros = batchesOf(plan).reduce((sum, n) => sum + this.requestBound(plan, n), 0);
    const paid = await ledger.pay(
      payer, { command: 'imagine', model: plan.model, worstCaseMicros },
      async () => {
        await options.onStarted?.();
        return generator.generate(plan, options.deadline);
      },
      (result) => {
        if (!result.requests.some((r) => r.kind !== 'failed')) return null;
        const chargedMicros = this.charge(plan, result);
        if (chargedMicros > worstCaseMicros) log.warn({ chargedMicros, worstCaseMicros }, 'image generation billed more than its reservation');
        const made = result.requests.flatMap((r) => (r.kind === 'made' ? [r] : []));
        const sum = (pick: (r: (typeof made)[number]) => number | undefined) => (made.some((r) => pick(r) !== undefined) ? made.reduce((s, r) => s + (pick(r) ?? 0), 0) : undefined);
        return { chargedMicros, units: made.reduce((sum, r) => sum + r.made, 0), inputTokens: sum((r) => r.usage?.inputTokens), outputTokens: sum((r) => r.usage?.outputTokens) };
      },
    );
    if (!paid.ok) {
      log.info({ refusal: paid.refusal }, 'refused: over budget');
      return { kind: 'over-budget', refusal: paid.refusal };
    }
    const result = paid.result;
    if (result.failure) logModelFailure(log, result.failure, `image generation (${result.images.length + result.urls.length} of ${plan.count} made)`);
    const chargedMicros = result.requests.some((r) => r.kind !== 'failed') ? this.charge(plan, result) : 0;
    if (result.images.length === 0 && result.urls.length === 0) {
      // What the member is told matches what they pay for: a request that got no answer, when one did.
      const failure = result.requests.find((r) => r.kind === 'unanswered')?.failure ?? result.failure;
      return { kind: 'failed', failure: failure ?? NO_IMAGE_DATA, chargedMicros };
    }
    const unanswered = result.requests.reduce((sum, r) => sum + (r.kind === 'unanswered' ? r.asked : 0), 0);
    const { images, lost, release } = await this.download(result, log);
    return { kind: 'done', images, chargedMicros, failure: result.failure, unanswered, lost, release };
  }

  /** The images sent as data, then those sent only as URLs, downloaded (all at once) now that they are paid for. */
  private async download(result: GenerationResult, log: Logger): Promise<{ images: GeneratedImage[]; lost: UrlImageProblem[]; release: () => void }> {
    const { downloads: gate, urlTimeoutMs: timeoutMs = DEFAULT_URL_IMAGE_TIMEOUT_MS } = this.deps;
    const { fetched, release } = await fetchUrlImages(result.urls, { timeoutMs, gate });
    const lost: UrlImageProblem[] = [];
    const images = [...result.images];
    for (const [n, fetch] of fetched.entries()) {
      if (fetch.ok) {
        images.push(fetch.image);
        continue;
      }
      lost.push(fetch.problem);
      // The host only: a signed URL is a credential of sorts.
      log.warn({ host: hostOf(result.urls[n]!.url), problem: fetch.problem, detail: fetch.detail }, 'an image made (and charged) but sent only as a URL could not be downloaded');
    }
    return { images, lost, release };
  }

  /** Our count of the prompt's tokens (the service's count may differ by a few percent). */
  private promptTokens(plan: ImagePlan): number {
    const { tokens } = this.deps;
    return tokens.weigh(tokens.countMessage(plan.prompt), plan.model);
  }

  /** The most one request of `n` images can be billed: each image at its most, plus the prompt (with a margin). */
  private requestBound(plan: ImagePlan, n: number): number {
    return plan.unitBoundMicros * n + promptCost(this.deps.pricing, plan.model, Math.ceil(this.promptTokens(plan) * PROMPT_COUNT_MARGIN));
  }

  private requestCost(plan: ImagePlan, request: RequestOutcome): number {
    const { pricing } = this.deps;
    if (request.kind === 'failed') return 0;
    if (request.kind === 'unanswered') return this.requestBound(plan, request.asked);
    const { usage } = request;
    const output = usage?.outputTokens === undefined ? undefined : outputTokensCost(plan.model, usage.outputTokens);
    const prompt = promptCost(pricing, plan.model, usage?.inputTokens ?? this.promptTokens(plan));
    return (output ?? plan.unitMicros * request.made) + prompt;
  }

  private charge(plan: ImagePlan, result: GenerationResult): number {
    return result.requests.reduce((sum, request) => sum + this.requestCost(plan, request), 0);
  }
}
