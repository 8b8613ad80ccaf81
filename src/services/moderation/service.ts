import type { Client } from 'discord.js';
import type { ModerationMode, ModerationSettings, ModerationSettingsStore } from '../../db/moderationSettings.ts';
import { MODERATION_OFF } from '../../db/moderationSettings.ts';
import type { Logger } from '../../logger.ts';
import { catalogue, catalogueLanguageOf, type CatalogueLanguage } from '../i18n.ts';
import { DISCORD_MESSAGE_LIMIT } from '../messageSplitter.ts';
import { MISSING_ROUTE_RECHECK_MS } from '../openai/failures.ts';
import type { CheckResult, ModerationChecker } from './checker.ts';
import { noteChannelProblem, postNote } from './logChannel.ts';

/** A failing endpoint is logged as a warning at most this often (then at debug): a dead service must not flood the log. */
export const UNAVAILABLE_LOG_INTERVAL_MS = 10 * 60_000;

/** OpenAI's moderation categories (omni-moderation-latest); any other name reads as "unsafe". */
const CATEGORIES = new Set([
  'harassment', 'harassment/threatening', 'hate', 'hate/threatening', 'illicit', 'illicit/violent', 'self-harm',
  'self-harm/intent', 'self-harm/instructions', 'sexual', 'sexual/minors', 'violence', 'violence/graphic',
]);

const text = catalogue('moderation');

/** What is checked: a member's prompt (input), a transcript of their audio, or the model's answer (output). */
export type Direction = 'input' | 'transcript' | 'output';

export interface ScreenRequest {
  /** null in a DM: no server, no admin, no moderation setting. */
  guildId: string | null;
  channelId: string;
  userId: string;
  /** Who wrote or spoke the text, when not the member who had it checked (a message menu run on someone else's message). */
  authorId?: string;
  direction: Direction;
  text: string | readonly string[];
  /** The reader's language, for the refusal. */
  language: CatalogueLanguage;
  /** For the note in the log channel. */
  client: Client;
  /** A jump link to what was flagged, when there is a message to jump to. */
  link?: string;
  log: Logger;
}

export type Verdict = { ok: true } | { ok: false; notice: string };

const PASS: Verdict = { ok: true };

/** Readable category names in one language, joined the way that language lists things. */
export function describeCategories(categories: readonly string[], language: CatalogueLanguage): string {
  const names = [...new Set(categories.map((name) => text(CATEGORIES.has(name) ? `category.${name}` : 'category.unknown', language)))];
  return new Intl.ListFormat(language, { type: 'conjunction' }).format(names);
}

/**
 * A server's moderation (`/settings moderation`): `off` makes no call; `flag` checks without holding anyone up
 * and notes what was flagged in the log channel; `block` checks first and refuses flagged text. A check that
 * can't run never blocks members unless the server chose fail-closed.
 */
export class ModerationService {
  private readonly warnedAt = new Map<string, number>();
  private missingRouteUntil = 0;
  /** Checks running in `flag` mode, so a stop (or a test) can wait for them. */
  private readonly background = new Set<Promise<void>>();

  constructor(private readonly store: ModerationSettingsStore, private readonly checker: ModerationChecker, private readonly now: () => number = Date.now) {}

  settings(guildId: string | null): ModerationSettings {
    return guildId ? this.store.get(guildId) : MODERATION_OFF;
  }

  setMode(guildId: string, mode: ModerationMode): void {
    this.store.setMode(guildId, mode);
  }

  setLogChannel(guildId: string, channelId: string | null): void {
    this.store.setLogChannel(guildId, channelId);
  }

  setFailClosed(guildId: string, failClosed: boolean): void {
    this.store.setFailClosed(guildId, failClosed);
  }

  /** Resolves once every background (flag-mode) check has finished. */
  async idle(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  async screen(request: ScreenRequest): Promise<Verdict> {
    const settings = this.settings(request.guildId);
    if (settings.mode === 'off') return PASS;
    const texts = (typeof request.text === 'string' ? [request.text] : request.text).filter((t) => t.trim() !== '');
    if (texts.length === 0) return PASS;
    if (settings.mode === 'flag') {
      // Nothing is refused in flag mode, so nobody waits for the check.
      const running = this.check(texts).then((result) => this.act(result, request, settings)).then(() => undefined, (error: unknown) => {
        request.log.warn({ err: error }, 'moderation note failed');
      });
      this.background.add(running);
      void running.finally(() => this.background.delete(running));
      return PASS;
    }
    return this.act(await this.check(texts), request, settings);
  }

  private async check(texts: string[]): Promise<CheckResult> {
    if (this.now() < this.missingRouteUntil) return { kind: 'unavailable', reason: 'missing_route', status: 404 };
    const result = await this.checker.check(texts);
    if (result.kind === 'unavailable' && result.reason === 'missing_route') this.missingRouteUntil = this.now() + MISSING_ROUTE_RECHECK_MS;
    return result;
  }

  private async act(result: CheckResult, request: ScreenRequest, settings: ModerationSettings): Promise<Verdict> {
    const { language, direction, log } = request;
    if (result.kind === 'clear') return PASS;
    if (result.kind === 'unavailable') {
      this.warnOnce(`unavailable:${result.reason}`, log, { reason: result.reason, status: result.status, failClosed: settings.failClosed },
        settings.failClosed ? 'the moderation check could not run; the server chose fail-closed, so requests are refused' : 'the moderation check could not run; requests go on unchecked (fail-open)');
      if (!settings.failClosed || settings.mode !== 'block') return PASS;
      return { ok: false, notice: text(direction === 'output' ? 'unavailableOutput' : 'unavailableInput', language) };
    }
    log.info({ direction, categories: result.categories, mode: settings.mode }, 'moderation flagged text');
    if (settings.logChannelId) await this.note(request, settings, result.categories);
    if (settings.mode !== 'block') return PASS;
    const key = direction === 'input' ? 'refusedInput' : direction === 'output' ? 'refusedOutput' : 'refusedTranscript';
    return { ok: false, notice: text(key, language, { categories: describeCategories(result.categories, language) }) };
  }

  /** Who, where and why, in the server's own language; never the flagged text itself (the log channel may be wider than the one it was said in). */
  private async note(request: ScreenRequest, settings: ModerationSettings, categories: string[]): Promise<void> {
    const channelId = settings.logChannelId!;
    const problem = noteChannelProblem(request.client, channelId);
    if (problem) {
      this.warnOnce(`log-channel:${channelId}`, request.log, { channelId, problem }, 'cannot post moderation notes in the chosen log channel');
      return;
    }
    const language = catalogueLanguageOf(request.guildId ? request.client.guilds.cache.get(request.guildId)?.preferredLocale : undefined);
    const mode = text(`choice.${settings.mode}`, language);
    const onBehalf = request.authorId !== undefined && request.authorId !== request.userId;
    const lines = [
      text('note', language, { mode, direction: request.direction, user: request.authorId ?? request.userId, channel: request.channelId, categories: describeCategories(categories, language) }),
      ...(onBehalf ? [text('noteRequester', language, { user: request.userId })] : []),
      text('noteAction', language, { mode: settings.mode }),
    ].join(' ');
    const content = request.link ? `${lines}\n${request.link}` : lines;
    try {
      await postNote(request.client, channelId, content.slice(0, DISCORD_MESSAGE_LIMIT));
    } catch (error) {
      this.warnOnce(`log-channel:${channelId}`, request.log, { channelId, err: error }, 'posting a moderation note failed');
    }
  }

  private warnOnce(key: string, log: Logger, details: object, message: string): void {
    const last = this.warnedAt.get(key);
    if (last !== undefined && this.now() - last < UNAVAILABLE_LOG_INTERVAL_MS) return void log.debug(details, message);
    this.warnedAt.set(key, this.now());
    log.warn(details, message);
  }
}
