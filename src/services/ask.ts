import type { Client } from 'discord.js';
import type { Logger } from '../logger.ts';
import type { Payer, Refusal } from './budget/ledger.ts';
import type { ReplyStream } from './discord/replyStream.ts';
import { describeFailure, partialAnswerNotice, t } from './failureMessages.ts';
import type { CatalogueLanguage } from './i18n.ts';
import type { HistoryService, Speaker } from './history.ts';
import { effortToSend, type ChannelScope, type SettingsService } from './settings.ts';
import type { ChatOutcome } from './openai/chat.ts';
import type { PaidChat } from './openai/paidChat.ts';
import type { ModelChooser } from './openai/failures.ts';
import type { Lifecycle } from './lifecycle.ts';
import type { ReasoningEffort } from './reasoning/models.ts';
import { closeOpenFence } from './messageSplitter.ts';
import type { Direction, ModerationService, Verdict } from './moderation/service.ts';
import type { ImageSource, LoadedImage, VisionService } from './vision/service.ts';
import type { VisionBilling } from './vision/imageBilling.ts';
import { describeImageProblem, visionText } from './vision/messages.ts';
import type { ReasoningService } from './reasoning/service.ts';
import { spentThinkingNotice } from './reasoning/notices.ts';
import { afterPendingInput } from './discord/inputFirst.ts';
import { HeldRooms } from './discord/downloadGate.ts';

/** On context_length_exceeded, retry once with at most this share of the history that was sent. */
const TRIMMED_HISTORY_SHARE = 0.25;

export interface AskRequest {
  /** The channel asked in (a thread also has its parent): its settings pick the model and system prompt. */
  scope: ChannelScope;
  isPrivate: boolean;
  speaker: Speaker;
  payer: Payer;
  /** The ledger's name for what was used: `ask` or `mention`. */
  command: string;
  prompt: string;
  language: CatalogueLanguage;
  reply: ReplyStream;
  log: Logger;
  /** What the answer is for (an interaction's or message's id): it replaces the dispatcher's plainer restart notice. */
  key?: string;
  /** For the server's moderation: the client (its note goes to a log channel) and a link to the question, if any. */
  moderation?: { client: Client; link?: string };
  /** Images attached to the question (read only when a model that sees answers it). */
  images?: readonly ImageSource[];
}

/** A request with its channel's settings looked up (and its images checked, with how its model counts them). */
type ResolvedAsk = AskRequest & {
  channelId: string; model: string; systemPrompt: string; questionImages: LoadedImage[]; visionBilling: VisionBilling | undefined;
  reasoningEffort?: ReasoningEffort; maxOutputTokens: number; modelSetBy?: ModelChooser;
  /** The images' room among the files in memory, given back when the answer is over. */
  heldImages: HeldRooms;
};

export type AskResult =
  /** `model`: the model that answered (a vision model may have stood in for the channel's), as the history stored it. */
  | { ok: true; text: string; outcome: ChatOutcome; model: string }
  | { ok: false; reason: 'over_budget'; refusal: Refusal }
  /** The server's moderation refused the question (nothing was paid) or, fail-closed, could not check it; show `notice` privately. */
  | { ok: false; reason: 'moderated'; notice: string }
  /** The question's images can't be read or no model can see them; show `notice` only to the asker where possible. */
  | { ok: false; reason: 'image_refused'; notice: string }
  | { ok: false; reason: 'prompt_too_long' | 'model_failed' | 'interrupted' | 'reply_gone' };

/** A note under an answer; a code block the answer left open is closed first so the note isn't inside it. */
function withNotice(text: string, notice: string): string {
  return `${closeOpenFence(text.trimEnd())}\n\n${notice}`;
}

type Attempt = { kind: 'done'; outcome: ChatOutcome; historyTokens: number } | { kind: 'prompt_too_long' } | { kind: 'over_budget'; refusal: Refusal };

export interface AskDependencies {
  history: HistoryService;
  settings: SettingsService;
  paidChat: PaidChat;
  maxOutputTokens: number;
  /** Where answers in progress are registered, so a stop can tell their members they will not finish. */
  lifecycle?: Lifecycle;
  /** The server's moderation (/settings moderation); absent = nothing is checked. */
  moderation?: ModerationService;
  /** Images in questions; without it, images are neither read nor re-sent. */
  vision?: VisionService;
  /** Reasoning models (allowance, effort, thinking line) and kept thinking ("Show reasoning"); required, so no answer skips the output-allowance rule. */
  reasoning: ReasoningService;
}

/** Thrown from the stream's text callback once the bot is stopping: the call ends and what was streamed is charged. */
class AnswerInterrupted extends Error {}

/** One question answered: context from history, budget reserved, a streamed model call, the reply shown, history written. */
export class AskService {
  constructor(private readonly deps: AskDependencies) {}

  async answer(asked: AskRequest): Promise<AskResult> {
    const settings = this.deps.settings.forChannel(asked.scope);
    const request: ResolvedAsk = {
      ...asked, channelId: asked.scope.channelId, model: settings.model.value, systemPrompt: settings.systemPrompt.value,
      questionImages: [], visionBilling: this.deps.vision?.billingOf(settings.model.value),
      reasoningEffort: effortToSend(settings),
      maxOutputTokens: this.outputAllowance(settings.model.value),
      // In a direct message no admin can choose the model: DEFAULT_MODEL, the operator's.
      ...(asked.scope.guildId === null ? { modelSetBy: 'dm' as const } : {}),
      heldImages: new HeldRooms(),
    };
    const { log, reply, language } = request;
    let interrupted = false;
    // Ends the model call when the bot stops, so it is settled before the database closes (not left for the next start to charge its whole reservation).
    const stopping = new AbortController();
    const done = this.deps.lifecycle?.answering(async () => {
      interrupted = true;
      stopping.abort();
      await reply.interrupt(t('restarted', language)).catch((error: unknown) => log.warn({ err: error }, 'could not tell the member the bot restarted'));
    }, asked.key);
    try {
      // Interactions and messages already waiting in the socket are acknowledged before this one's slower work starts.
      await afterPendingInput();
      if (asked.images?.length) {
        // Someone who can't spend anything now isn't worth downloading up to 36 MB of images for.
        const refusal = this.deps.paidChat.precheck(asked.payer);
        if (refusal) return { ok: false, reason: 'over_budget', refusal };
        const refused = await this.readImages(request);
        if (refused !== undefined) return { ok: false, reason: 'image_refused', notice: refused };
      }
      return await this.answerResolved(request, () => interrupted, stopping.signal);
    } finally {
      // The images (their bytes and data URLs) are done with once the request to the model is over, whatever happened.
      request.heldImages.releaseAll();
      done?.();
    }
  }

  /** Picks a model that sees (the channel's, else VISION_MODEL) and checks the images; the refusal to show when they can't be read. */
  private async readImages(request: ResolvedAsk): Promise<string | undefined> {
    const choice = this.deps.vision?.modelFor(request.model) ?? { ok: false as const };
    if (!choice.ok) return visionText(request.modelSetBy === 'dm' ? 'noVisionDm' : 'noVision', request.language, { model: request.model });
    // VISION_MODEL stands in for the channel's model: only the operator can choose another. Checked before any download.
    const modelSetBy = choice.model === request.model ? request.modelSetBy : 'operator';
    const unusable = this.deps.paidChat.notSent(choice.model, modelSetBy, request.log);
    if (unusable) return describeFailure(unusable, request.language, choice.model);
    const loaded = await this.deps.vision!.loadQuestion(request.images ?? [], choice.billing, request.heldImages);
    if (!loaded.ok) {
      request.log.info({ problem: loaded.problem }, 'image refused');
      return describeImageProblem(loaded, request.language);
    }
    // The model that sees answers: its own output allowance (a reasoning model thinks within it).
    Object.assign(request, { model: choice.model, modelSetBy, visionBilling: choice.billing, questionImages: loaded.images, maxOutputTokens: this.outputAllowance(choice.model) });
    return undefined;
  }

  /** MAX_OUTPUT_TOKENS, or a reasoning model's larger allowance (it thinks within it), within the model's own limits. */
  private outputAllowance(model: string): number {
    return this.deps.reasoning.outputAllowance(model, this.deps.maxOutputTokens);
  }

  private async answerResolved(request: ResolvedAsk, interrupted: () => boolean, signal: AbortSignal): Promise<AskResult> {
    const { log, reply, language, model } = request;
    // A model the bot can't use is said so before anything else is weighed or asked (moderation, the context's size).
    const unusable = this.deps.paidChat.notSent(model, request.modelSetBy, log);
    if (unusable) {
      await reply.finish(describeFailure(unusable, language, model));
      return { ok: false, reason: 'model_failed' };
    }
    // Checked before anything is reserved: a refused question costs nothing.
    const screened = await this.screen(request, 'input', request.prompt);
    if (!screened.ok) return { ok: false, reason: 'moderated', notice: screened.notice };
    let attempt = await this.attempt(request, undefined, interrupted, signal);
    if (attempt.kind === 'done' && !attempt.outcome.ok && attempt.outcome.failure.kind === 'context_too_long' && attempt.outcome.partialText === '') {
      log.warn({ historyTokens: attempt.historyTokens }, 'context too long for the model; retrying once with less history');
      attempt = await this.attempt(request, Math.floor(attempt.historyTokens * TRIMMED_HISTORY_SHARE), interrupted, signal);
    }
    // The member was told the bot restarted; what was streamed is charged, nothing more is shown or stored.
    if (interrupted()) return { ok: false, reason: 'interrupted' };
    // Discord refused the reply for good (its thread archived, locked or deleted, the message deleted): the call
    // was ended there and is charged what was billed; nothing is stored or shown.
    if (reply.abandoned) return { ok: false, reason: 'reply_gone' };
    if (attempt.kind === 'over_budget') return { ok: false, reason: 'over_budget', refusal: attempt.refusal };
    if (attempt.kind === 'prompt_too_long') return { ok: false, reason: 'prompt_too_long' };
    const { outcome } = attempt;

    // The answer is paid for whatever moderation says; a flagged one is neither shown (its drafts are removed) nor stored.
    const shownText = outcome.ok ? outcome.text : outcome.partialText;
    const checked = shownText.trim() === '' ? undefined : await this.screen(request, 'output', shownText);
    if (checked && !checked.ok) {
      await reply.finish(checked.notice);
      return { ok: false, reason: 'model_failed' };
    }
    if (outcome.ok && outcome.text.trim() !== '') {
      // Stored before the final edit: an answer a member saw complete is in the history even if the process dies right after.
      if (!request.isPrivate) {
        // The answer is paid for: a failing write is logged, never turned into an error reply over it.
        try {
          this.deps.history.record({
            channelId: request.channelId, speaker: request.speaker, prompt: request.prompt, answer: outcome.text, model,
            promptTokens: outcome.usage?.promptTokens, completionTokens: outcome.usage?.completionTokens,
            images: request.questionImages.map((image) => image.ref),
          });
        } catch (error) {
          log.error({ err: error }, 'could not store the exchange in the history; the answer is shown anyway');
        }
      }
      const showReasoning = this.deps.reasoning.showButton(await this.screenedThinking(request, outcome.reasoning), language);
      await reply.finish(outcome.finishReason === 'length' ? withNotice(outcome.text, t('truncated', language)) : outcome.text, showReasoning);
      return { ok: true, text: outcome.text, outcome, model };
    }
    if (outcome.ok) {
      const spent = outcome.finishReason === 'length' && this.deps.reasoning.models.profile(model);
      await reply.finish(spent ? spentThinkingNotice(language, request.maxOutputTokens, request.modelSetBy === 'dm') : t('emptyAnswer', language), this.deps.reasoning.showButton(await this.screenedThinking(request, outcome.reasoning), language));
      return { ok: false, reason: 'model_failed' };
    }
    const { failure, partialText } = outcome;
    const shown = partialText.trim() !== '' ? withNotice(partialText, partialAnswerNotice(failure, language, model)) : describeFailure(failure, language, model);
    await reply.finish(shown);
    return { ok: false, reason: 'model_failed' };
  }

  /** The thinking behind "Show reasoning" is model output too: under `block` a flagged one gets no button. */
  private async screenedThinking(request: ResolvedAsk, reasoning: string | undefined): Promise<string | undefined> {
    if (!reasoning?.trim()) return undefined;
    return (await this.screen(request, 'output', reasoning)).ok ? reasoning : undefined;
  }

  private async screen(request: ResolvedAsk, direction: Direction, text: string): Promise<Verdict> {
    if (!this.deps.moderation || !request.moderation) return { ok: true };
    return this.deps.moderation.screen({
      guildId: request.scope.guildId, channelId: request.channelId, userId: request.speaker.id, direction, text,
      language: request.language, client: request.moderation.client, link: direction === 'input' ? request.moderation.link : undefined, log: request.log,
    });
  }

  private async attempt(request: ResolvedAsk, historyTokenCap: number | undefined, interrupted: () => boolean, signal: AbortSignal): Promise<Attempt> {
    const { deps } = this;
    const context = deps.history.build({
      channelId: request.isPrivate ? null : request.channelId,
      model: request.model,
      systemPrompt: request.systemPrompt,
      speaker: request.speaker,
      prompt: request.prompt,
      outputReserve: request.maxOutputTokens,
      historyTokenCap,
      cheapPromptCeiling: deps.paidChat.cheapPromptCeiling(request.model),
      extraPromptTokens: request.questionImages.reduce((sum, image) => sum + image.contextTokens, 0),
      billedExtraTokens: request.questionImages.reduce((sum, image) => sum + image.reserveTokens, 0),
      pastImageTokens: deps.vision && ((images) => deps.vision!.pastImagesBound(images, request.visionBilling)),
      pastImageContextTokens: deps.vision && ((images) => deps.vision!.pastImagesContextBound(images, request.visionBilling)),
    });
    if (!context.ok) {
      await request.reply.finish(t('promptTooLong', request.language, { model: request.model, tokens: context.promptTokens, limit: context.limit }));
      return { kind: 'prompt_too_long' };
    }
    // Images (this question's and, while their URLs last, earlier ones') go out as parts, their tokens in the reservation.
    // Earlier images are this attempt's own: their room is given back when its call is over (a retry fetches them again),
    // or with the question's when the answer ends some other way.
    const pastHeld = new HeldRooms();
    request.heldImages.add(() => pastHeld.releaseAll());
    const composed = deps.vision && (request.questionImages.length > 0 || context.pastImages.length > 0)
      ? await deps.vision.compose(context.messages, context.pastImages, request.questionImages, request.visionBilling, pastHeld)
      : { messages: context.messages, extraTokens: 0, reserveSurplusTokens: 0 };
    // The count (the reservation's, and a no-usage server's charge) holds what OpenAI bills for the images, which may be more than their share of the context.
    const billedOverContext = request.questionImages.reduce((sum, image) => sum + image.tokens - image.contextTokens, 0);
    const promptTokens = context.promptTokens + composed.extraTokens + Math.max(0, billedOverContext);
    // Images whose rule is unpublished may bill more than counted: only the reservation covers that.
    const extraReserveTokens = composed.reserveSurplusTokens + request.questionImages.reduce((sum, image) => sum + image.reserveTokens - image.tokens, 0);
    request.log.debug({ promptTokens, historyTurns: context.historyTurns, images: request.questionImages.length }, 'context built');
    const thinking = deps.reasoning.thinkingLine(request.model, request.reply, request.language);
    const paid = await deps.paidChat.stream(
      {
        payer: request.payer, command: request.command, model: request.model, messages: composed.messages,
        promptTokens, extraReserveTokens, maxOutputTokens: request.maxOutputTokens, reasoningEffort: request.reasoningEffort, signal, log: request.log, modelSetBy: request.modelSetBy,
      },
      (text) => {
        if (interrupted() || request.reply.abandoned) throw new AnswerInterrupted();
        thinking?.stop();
        request.reply.update(text);
      },
      () => thinking?.thinking(),
    ).finally(() => {
      thinking?.stop();
      pastHeld.releaseAll();
    });
    if (!paid.ok) return { kind: 'over_budget', refusal: paid.refusal };
    return { kind: 'done', outcome: paid.outcome, historyTokens: context.historyTokens };
  }
}
