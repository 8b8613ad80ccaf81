import type { ImageRef } from '../../db/history.ts';
import type { ChatContentPart, ChatMessage, ChatRequestMessage, PastImages } from '../history.ts';
import { FALLBACK_VISION_RULE, visionOf } from '../pricing/builtinVision.ts';
import type { DownloadGate, HeldRooms } from '../discord/downloadGate.ts';
import { isStillValid } from './discordUrl.ts';
import { dataUrlOf, fetchImage, type ImageProblem } from './fetchImage.ts';
import { countImage, type VisionBilling } from './imageBilling.ts';
import { imageTokens, type VisionRule } from './imageTokens.ts';
import { IMAGE_DETAIL, MAX_IMAGE_BYTES, MAX_IMAGES_PER_QUESTION, MAX_PAST_IMAGES, MAX_REQUEST_IMAGE_BYTES } from './limits.ts';

/** An image attachment of a question, as Discord describes it (the bytes decide what it really is). */
export interface ImageSource {
  url: string;
  filename: string;
  /** Size Discord reports: over the limit means no download at all. */
  size: number;
}

/** An image checked and ready to send: its reference (what history keeps), its data URL and its token bounds. */
export interface LoadedImage {
  ref: ImageRef;
  dataUrl: string;
  /** What its rule counts: the estimate a server that sends no usage is charged. */
  tokens: number;
  /** The most OpenAI may bill for it (the reservation): more than `tokens` only when the model's rule is unpublished. */
  reserveTokens: number;
  /** What it takes of the context window: gpt-4o-mini bills ~33× gpt-4o's tokens, but only for billing. */
  contextTokens: number;
}

/**
 * An image's share of the context window: gpt-4o's tiles or one token per patch, whichever is more. OpenAI's
 * billing-only multipliers (gpt-4o-mini's 2833/5667 tiles, the patch multipliers) are left out, so four large
 * images don't make a 128k-token model refuse a question as too long.
 */
const CONTEXT_RULE: VisionRule = { tiles: { base: 85, tile: 170 }, patchMultiplier: 1 };

/** Put where an earlier question's image is not sent again; the turn's text stays. */
export const IMAGE_GONE_MARKER = '[image no longer available]';
export const IMAGE_NOT_RESENT_MARKER = '[image not shown]';
/** A marker is 5–6 tokens under both OpenAI tokenizers; counted generously. */
const MARKER_TOKENS = 10;

export type ModelChoice = { ok: true; model: string; billing: VisionBilling } | { ok: false };
export interface ComposedRequest { messages: ChatRequestMessage[]; extraTokens: number; reserveSurplusTokens: number }
export type QuestionImages = { ok: true; images: LoadedImage[] } | { ok: false; problem: ImageProblem | 'too-many'; filename: string };

export interface VisionOptions {
  /** VISION_MODEL: answers questions with images when the channel's model can't see. */
  visionModel?: string;
  /** A model's input price (micro-dollars per 1M tokens), for the reservation of images whose rule is unpublished. */
  inputPrice: (model: string) => number;
  now?: () => number;
  /** The process's bound on files held in memory. */
  downloads: DownloadGate;
  fetch?: typeof fetch;
}

/** Images in questions: which model reads them, checked downloads, and earlier turns' images re-sent while their URLs last. */
export class VisionService {
  constructor(private readonly options: VisionOptions) {}

  /** How a model that sees counts images; undefined for one that doesn't (or that we can't tell sees). */
  billingOf(model: string): VisionBilling | undefined {
    const known = visionOf(model);
    if (known.sees && known.source === 'builtin') return { rule: known.rule };
    // Seen in gpt-tokenizer's data, or the operator says VISION_MODEL sees: no published rule, so the fallback's count and a bound in dollars.
    if (known.sees || model === this.options.visionModel) return { rule: FALLBACK_VISION_RULE, unpublishedInputPrice: this.options.inputPrice(model) };
    return undefined;
  }

  /** The channel's model when it sees, else VISION_MODEL, else no model for this question. */
  modelFor(channelModel: string): ModelChoice {
    for (const model of [channelModel, this.options.visionModel]) {
      const billing = model === undefined ? undefined : this.billingOf(model);
      if (model !== undefined && billing) return { ok: true, model, billing };
    }
    return { ok: false };
  }

  /**
   * Downloads and checks a question's images, one at a time (the request's byte total is checked as they come). The
   * images' room among the files in memory, taken for all of them first, goes into `held`, for the caller to give back once the request is over.
   */
  async loadQuestion(sources: readonly ImageSource[], billing: VisionBilling, held: HeldRooms): Promise<QuestionImages> {
    if (sources.length > MAX_IMAGES_PER_QUESTION) return { ok: false, problem: 'too-many', filename: sources[MAX_IMAGES_PER_QUESTION]!.filename };
    if (sources.length === 0) return { ok: true, images: [] };
    // Too large by Discord's word (alone, or with the images before it): told at once, with nothing downloaded.
    let declared = 0;
    const oversized = sources.find((source) => source.size > MAX_IMAGE_BYTES || (declared += source.size) > MAX_REQUEST_IMAGE_BYTES);
    if (oversized) return { ok: false, problem: 'too-large', filename: oversized.filename };
    // Room for every image at once (each read no further than its declared size): a question never waits for room
    // while holding some, so questions that each hold part of the budget can't all wait on one another until busy.
    const room = await this.options.downloads.take(sources.reduce((sum, source) => sum + Math.max(0, source.size), 0));
    if (!room) return { ok: false, problem: 'busy', filename: sources[0]!.filename };
    held.add(room.release);
    const images: LoadedImage[] = [];
    let total = 0;
    for (const source of sources) {
      const fetched = await fetchImage(source.url, { declaredSize: source.size, fetch: this.options.fetch });
      if (!fetched.ok) return { ok: false, problem: fetched.problem, filename: source.filename };
      total += fetched.image.bytes.length;
      if (total > MAX_REQUEST_IMAGE_BYTES) return { ok: false, problem: 'too-large', filename: source.filename };
      const { bytes, mime, width, height } = fetched.image;
      images.push({
        ref: { url: source.url, contentType: mime, size: bytes.length, width, height }, dataUrl: dataUrlOf(fetched.image),
        ...countImage(billing, width, height, IMAGE_DETAIL), contextTokens: imageTokens(CONTEXT_RULE, width, height, IMAGE_DETAIL),
      });
    }
    return { ok: true, images };
  }

  /**
   * The most prompt tokens compose() can add for these earlier images (from the stored sizes): a marker for each, and
   * for the MAX_PAST_IMAGES that cost most, their reservation's count instead. Whichever it re-sends, never more.
   */
  pastImagesBound(images: readonly ImageRef[], billing: VisionBilling | undefined): number {
    return pastBound(images, billing && ((ref) => countImage(billing, ref.width, ref.height, IMAGE_DETAIL).reserveTokens));
  }

  /**
   * The most of the context window compose() can fill with these earlier images: pastImagesBound's choice counted at
   * each image's share of the window (CONTEXT_RULE) instead of its billed count.
   */
  pastImagesContextBound(images: readonly ImageRef[], billing: VisionBilling | undefined): number {
    return pastBound(images, billing && ((ref) => imageTokens(CONTEXT_RULE, ref.width, ref.height, IMAGE_DETAIL)));
  }

  /**
   * The request's messages: the question with its images as parts, and earlier questions' images sent again
   * (the newest MAX_PAST_IMAGES whose URLs are still valid and whose bytes still pass the checks) or replaced
   * by a marker. `extraTokens`: what the re-sent images and the markers add to the prompt; `reserveSurplusTokens`: what
   * the reservation needs beyond that (above 0 only when the model's image rule is unpublished). An earlier image
   * finds room among the files in memory without waiting, or is not re-sent; its room goes into `held`.
   */
  async compose(messages: readonly ChatMessage[], pastImages: readonly PastImages[], question: readonly LoadedImage[], billing: VisionBilling | undefined, held: HeldRooms): Promise<ComposedRequest> {
    const out: ChatRequestMessage[] = [...messages];
    let extraTokens = 0;
    let reserveSurplusTokens = 0;
    let budget = billing ? MAX_PAST_IMAGES : 0;
    let bytesLeft = MAX_REQUEST_IMAGE_BYTES - question.reduce((sum, image) => sum + image.ref.size, 0);
    const now = (this.options.now ?? Date.now)();
    // Newest first, so the images re-sent are the latest ones.
    for (const { index, images } of [...pastImages].reverse()) {
      const parts: ChatContentPart[] = [];
      const markers: string[] = [];
      for (const ref of images) {
        if (budget === 0 || ref.size > bytesLeft) { markers.push(IMAGE_NOT_RESENT_MARKER); continue; }
        const loaded = isStillValid(ref.url, now) ? await fetchImage(ref.url, { declaredSize: ref.size, fetch: this.options.fetch, gate: { gate: this.options.downloads, waitMs: 0 } }) : undefined;
        if (loaded?.ok === false && loaded.problem === 'busy') { markers.push(IMAGE_NOT_RESENT_MARKER); continue; }
        if (!loaded?.ok) { markers.push(IMAGE_GONE_MARKER); continue; }
        held.add(loaded.release);
        budget -= 1;
        bytesLeft -= loaded.image.bytes.length;
        const count = countImage(billing!, loaded.image.width, loaded.image.height, IMAGE_DETAIL);
        extraTokens += count.tokens;
        reserveSurplusTokens += count.reserveTokens - count.tokens;
        parts.push(imagePart(dataUrlOf(loaded.image)));
      }
      const text = [out[index]!.content as string, ...markers].join(' ');
      extraTokens += markers.length * MARKER_TOKENS;
      out[index] = parts.length > 0 ? { role: 'user', content: [{ type: 'text', text }, ...parts] } : { role: 'user', content: text };
    }
    if (question.length > 0) {
      const last = out.length - 1;
      out[last] = { role: 'user', content: [{ type: 'text', text: out[last]!.content as string }, ...question.map((image) => imagePart(image.dataUrl))] };
    }
    return { messages: out, extraTokens, reserveSurplusTokens };
  }
}

/**
 * A marker for each earlier image, and for the MAX_PAST_IMAGES that count most by `tokens` (none without it: no image is
 * sent again), that count instead: whichever compose() re-sends, never more.
 */
function pastBound(images: readonly ImageRef[], tokens: ((ref: ImageRef) => number) | undefined): number {
  const resent = tokens ? images.map((ref) => Math.max(0, tokens(ref) - MARKER_TOKENS)) : [];
  const dearest = resent.sort((a, b) => b - a).slice(0, MAX_PAST_IMAGES);
  return images.length * MARKER_TOKENS + dearest.reduce((sum, n) => sum + n, 0);
}

const imagePart = (url: string): ChatContentPart => ({ type: 'image_url', image_url: { url, detail: IMAGE_DETAIL } });
