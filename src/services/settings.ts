import type { Config } from '../config.ts';
import type { ChannelSettingsPatch, SettingsStore } from '../db/settings.ts';
import { exactAllowedModels, isModelAllowed, mayAllowFineTunesOf } from './allowedModels.ts';
import { knownSpelling } from './modelSpelling.ts';
import { BUILTIN_CHAT } from './pricing/builtinPrices.ts';
import type { ReasoningEffort } from './reasoning/models.ts';

/** Discord shows at most 25 autocomplete choices. */
const MAX_CHOICES = 25;

/** Models the bot knows besides its price table, e.g. fine-tuned ones; registered by the service that knows them. */
export type ModelSource = (guildId: string) => readonly string[];

/** Where a setting's value came from, shown by `/settings show`. */
export type SettingSource = 'channel' | 'parent' | 'server' | 'config';

export interface Setting<T> {
  value: T;
  source: SettingSource;
}

export interface ChannelScope {
  guildId: string | null;
  channelId: string;
  /** A thread's parent channel: threads inherit its settings unless set themselves. */
  parentId: string | null;
}

/** `notAllowed`: the model set here (or on the parent) that ALLOWED_MODELS no longer allows; `value` is then DEFAULT_MODEL. */
export type ModelSetting = Setting<string> & { notAllowed?: Setting<string> };

export interface EffectiveChannelSettings {
  model: ModelSetting;
  systemPrompt: Setting<string>;
  voiceTranscription: Setting<boolean>;
  /** `default`: no effort is sent, the model uses its own. */
  reasoningEffort: Setting<ReasoningEffort | 'default'>;
}

/** The effort to send for a channel's `/settings reasoning-effort`: none when unset, so the model uses its own. */
export function effortToSend(settings: Pick<EffectiveChannelSettings, 'reasoningEffort'>): ReasoningEffort | undefined {
  const { value } = settings.reasoningEffort;
  return value === 'default' ? undefined : value;
}

/** Channel settings with inheritance (thread → parent channel → bot config), and server-wide defaults. */
export class SettingsService {
  private readonly modelSources: ModelSource[] = [];
  private listedModels: readonly string[] = [];

  constructor(private readonly store: SettingsStore, private readonly config: Config, private readonly now: () => number = Date.now) {}

  /** Adds models to `/settings model` suggestions (fine-tuned models, a local server's list...). */
  addModelSource(source: ModelSource): void {
    this.modelSources.push(source);
  }

  /** The AI service's model ids (its GET /models at start-up): the spellings it answers to. */
  learnListedModels(ids: readonly string[]): void {
    this.listedModels = ids;
  }

  /**
   * `typed` as spelled by a model the bot knows (the AI service's list, this server's fine-tunes, ALLOWED_MODELS,
   * DEFAULT_MODEL, the price-table key `pricedAs`) when the two differ only in case; undefined otherwise (modelSpelling.ts).
   */
  spellingOf(guildId: string, typed: string, pricedAs?: string): string | undefined {
    return knownSpelling(typed, [
      ...this.listedModels,
      ...this.modelSources.flatMap((source) => source(guildId)),
      ...exactAllowedModels(this.config.allowedModels),
      this.config.defaultModel,
      ...(pricedAs === undefined ? [] : [pricedAs]),
    ]);
  }

  /** Whether servers may choose `model` (ALLOWED_MODELS; every model when unset). */
  allowsModel(model: string): boolean {
    return isModelAllowed(this.config.allowedModels, model);
  }

  /** Whether a model fine-tuned from `base` could be allowed (ALLOWED_MODELS): training one that never could is refused. */
  allowsFineTunesOf(base: string): boolean {
    return mayAllowFineTunesOf(this.config.allowedModels, base);
  }

  /**
   * Suggestions for `/settings model`: the default model, models this server already uses, other known
   * ones, then the price table's chat models (its `ft:` rows are prices for fine-tunes, not models); only those `usable`
   * says can answer here, and ALLOWED_MODELS allows.
   */
  modelChoices(guildId: string, query: string, usable: (model: string) => boolean = () => true): string[] {
    const all = new Set([
      this.config.defaultModel,
      ...this.store.channelModels(guildId),
      ...this.modelSources.flatMap((source) => source(guildId)),
      ...exactAllowedModels(this.config.allowedModels),
      ...Object.keys(BUILTIN_CHAT).filter((name) => !name.startsWith('ft:')),
    ]);
    const needle = query.trim().toLowerCase();
    return [...all].filter((name) => name.toLowerCase().includes(needle) && this.allowsModel(name) && usable(name)).slice(0, MAX_CHOICES);
  }

  forChannel(scope: ChannelScope): EffectiveChannelSettings {
    const own = this.store.channel(scope.channelId);
    const parent = scope.parentId ? this.store.channel(scope.parentId) : undefined;
    const pick = <K extends keyof ChannelSettingsPatch, F = NonNullable<ChannelSettingsPatch[K]>>(key: K, fallback: F): Setting<NonNullable<ChannelSettingsPatch[K]> | F> => {
      const mine = own?.[key];
      if (mine !== null && mine !== undefined) return { value: mine as NonNullable<ChannelSettingsPatch[K]>, source: 'channel' };
      const inherited = parent?.[key];
      if (inherited !== null && inherited !== undefined) return { value: inherited as NonNullable<ChannelSettingsPatch[K]>, source: 'parent' };
      return { value: fallback, source: 'config' };
    };
    return {
      model: this.allowedModel(pick('model', this.config.defaultModel)),
      systemPrompt: pick('systemPrompt', this.config.systemPrompt),
      voiceTranscription: pick('voiceTranscription', false),
      reasoningEffort: pick('reasoningEffort', 'default' as const),
    };
  }

  /**
   * The one rule for every paid call that reads a channel's model (ask, mentions, threads, translate, vision): a model
   * set before ALLOWED_MODELS left it out is never used; DEFAULT_MODEL (always on the list) answers instead.
   */
  private allowedModel(model: Setting<string>): ModelSetting {
    if (model.source === 'config' || this.allowsModel(model.value)) return model;
    return { value: this.config.defaultModel, source: 'config', notAllowed: model };
  }

  /** Sets (or, with null, clears) settings of one channel; returns what was there before. */
  updateChannel(scope: ChannelScope & { guildId: string }, patch: ChannelSettingsPatch, actorId: string) {
    return this.store.updateChannel(scope.channelId, scope.guildId, patch, actorId, this.now());
  }

  translateLanguage(guildId: string | null): string | undefined {
    return (guildId && this.store.guild(guildId)?.translateLanguage) || undefined;
  }

  setTranslateLanguage(guildId: string, language: string | null): void {
    this.store.setGuild(guildId, 'translateLanguage', language);
  }

  timeZone(guildId: string | null): string | undefined {
    return (guildId && this.store.guild(guildId)?.timeZone) || undefined;
  }
}
