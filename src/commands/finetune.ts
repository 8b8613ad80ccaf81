import {
  ChannelType, InteractionContextType, MessageFlags, PermissionFlagsBits, SlashCommandBuilder,
  type AutocompleteInteraction, type ChatInputCommandInteraction, type SlashCommandStringOption,
} from 'discord.js';
import type { BotContext } from '../context.ts';
import { payerOf } from '../services/discord/payer.ts';
import { described } from '../services/discord/commandText.ts';
import { replyPrivately, replyPrivatelyInParts, replyRefused } from '../services/discord/privateReply.ts';
import { catalogueLanguageOf, type CatalogueLanguage } from '../services/i18n.ts';
import type { FineTuneJobRow } from '../db/fineTunes.ts';
import {
  FINE_TUNABLE_MODELS, JOBS_LISTED, MAX_CHOICES, MAX_EPOCHS, MIN_TRAINING_EXAMPLES, SUFFIX_MAX_LENGTH, SUFFIX_PATTERN, SUGGESTIONS_SCANNED,
  UPLOAD_REPLY_ROOM_MS,
} from '../services/finetune/limits.ts';
import { INTERACTION_TOKEN_LIFETIME_MS, INTERACTION_TOKEN_SAFETY_MS } from '../services/discord/limits.ts';
import { text } from '../services/finetune/messages.ts';
import {
  describeApiFailure, describeCancel, describeList, describeLost, describeStart, describeStatus, describeUpload, describeUploadFailure, statusWord,
} from '../services/finetune/present.ts';
import type { SlashCommand } from './types.ts';
import { deferFirst } from '../services/discord/acknowledgeFirst.ts';

/** The catalogue (locales/<language>/finetune.json) of this command's descriptions. */
const NS = 'finetune';
/** Discord caps autocomplete names and values at 100 characters; echoed ids are cut to it too. */
const DISCORD_CHOICE_MAX_LENGTH = 100;

type Interaction = ChatInputCommandInteraction<'cached' | 'raw'>;
type Handler = (interaction: Interaction, ctx: BotContext, language: CatalogueLanguage) => Promise<void>;

/** Only the admin sees `/finetune` replies; long ones continue in private follow-ups. */
const show = (interaction: Interaction, content: string) => replyPrivatelyInParts(interaction, content);

/** Calls to OpenAI or downloads can pass Discord's 3-second deadline: acknowledge first, privately. */
const defer = (interaction: Interaction) => deferFirst(interaction, { flags: MessageFlags.Ephemeral });

/** An upload that outlived the interaction's token could never tell the admin how it went: its attempts and waits end in time. */
const uploadDeadline = (interaction: ChatInputCommandInteraction) =>
  interaction.createdTimestamp + INTERACTION_TOKEN_LIFETIME_MS - INTERACTION_TOKEN_SAFETY_MS - UPLOAD_REPLY_ROOM_MS;

const handlers: Record<string, Handler> = {
  async upload(interaction, ctx, language) {
    const attachment = interaction.options.getAttachment('file', true);
    await defer(interaction);
    const result = await ctx.services.fineTunes.upload({ url: attachment.url, filename: attachment.name, size: attachment.size }, interaction.guildId, interaction.user.id, ctx.logger, uploadDeadline(interaction));
    await show(interaction, result.ok ? describeUpload(result.file, result.estimates, language) : describeUploadFailure(result, attachment.name, language));
  },

  async start(interaction, ctx, language) {
    const suffix = interaction.options.getString('suffix')?.trim() || undefined;
    if (suffix !== undefined && !SUFFIX_PATTERN.test(suffix)) return show(interaction, text('badSuffix', language, { max: SUFFIX_MAX_LENGTH }));
    const model = interaction.options.getString('model', true);
    // ALLOWED_MODELS: paying for training a model /finetune use would refuse to set is refused before anything is spent.
    if (!ctx.services.settings.allowsFineTunesOf(model)) return show(interaction, text('startNotAllowed', language, { model: model.slice(0, DISCORD_CHOICE_MAX_LENGTH) }));
    await defer(interaction);
    const result = await ctx.services.fineTunes.start({
      guildId: interaction.guildId, channelId: interaction.channelId, language, model, suffix, log: ctx.logger,
      payer: payerOf(interaction.guildId, interaction.channelId, interaction.user, interaction.member),
      fileId: interaction.options.getString('file', true).trim(), epochs: interaction.options.getInteger('epochs') ?? undefined,
    });
    if (result.ok) return show(interaction, describeStart(result, language));
    switch (result.reason) {
      case 'unknown_file': return show(interaction, text('unknownFile', language, { file: interaction.options.getString('file', true).trim().slice(0, DISCORD_CHOICE_MAX_LENGTH) }));
      case 'bad_model': return show(interaction, text('badModel', language, { model: model.slice(0, DISCORD_CHOICE_MAX_LENGTH), models: FINE_TUNABLE_MODELS.map((m) => `\`${m}\``).join(', ') }));
      case 'bad_epochs': return show(interaction, text('badEpochs', language, { max: MAX_EPOCHS }));
      case 'over_budget': return replyRefused(interaction, result.refusal, language);
      case 'api_failed': return show(interaction, describeApiFailure(result.failure, language, model, result.refused));
    }
  },

  async status(interaction, ctx, language) {
    await defer(interaction);
    const job = interaction.options.getString('job')?.trim() || null;
    const result = await ctx.services.fineTunes.status(interaction.guildId, job);
    if (!result.ok) return show(interaction, text(result.reason === 'no_jobs' ? 'noJobs' : 'unknownJob', language, { job: job?.slice(0, DISCORD_CHOICE_MAX_LENGTH) ?? '' }));
    await show(interaction, describeStatus(result.check, result.events, language, (model) => ctx.services.settings.allowsModel(model)));
  },

  async list(interaction, ctx, language) {
    const jobs = ctx.services.fineTunes.jobs(interaction.guildId, JOBS_LISTED + 1);
    if (jobs.length === 0) return show(interaction, text('noJobs', language));
    await show(interaction, describeList(jobs.slice(0, JOBS_LISTED), jobs.length > JOBS_LISTED, language));
  },

  async cancel(interaction, ctx, language) {
    const job = interaction.options.getString('job', true).trim();
    await defer(interaction);
    const result = await ctx.services.fineTunes.cancel(interaction.guildId, job);
    if (result.ok) return show(interaction, describeCancel(result.job, language));
    switch (result.reason) {
      case 'no_jobs': case 'unknown_job': return show(interaction, text('unknownJob', language, { job: job.slice(0, DISCORD_CHOICE_MAX_LENGTH) }));
      case 'finished': return show(interaction, text('alreadyFinished', language, { job, status: statusWord(result.job.status, language) }));
      case 'unconfirmed': return show(interaction, text('cancelUnconfirmed', language, { job }));
      case 'gone': return show(interaction, text('cancelGone', language, { job }));
      case 'lost': return show(interaction, describeLost('cancelLost', result.job, language));
      case 'api_failed': return show(interaction, describeApiFailure(result.failure, language));
    }
  },

  async use(interaction, ctx, language) {
    const job = interaction.options.getString('job', true).trim();
    const channel = interaction.options.getChannel('channel');
    await defer(interaction);
    const result = await ctx.services.fineTunes.fineTunedModel(interaction.guildId, job);
    if (!result.ok) {
      if (result.reason === 'lost') return show(interaction, describeLost('useLost', result.job, language));
      if (result.reason === 'gone') return show(interaction, text('useGone', language, { job }));
      if (result.reason !== 'not_ready') return show(interaction, text('unknownJob', language, { job: job.slice(0, DISCORD_CHOICE_MAX_LENGTH) }));
      return show(interaction, text('notReady', language, { job, status: statusWord(result.job.status, language) }));
    }
    // The setting is stored per channel; a thread's parent only matters when settings are read.
    const channelId = channel?.id ?? interaction.channelId;
    // ALLOWED_MODELS binds fine-tunes too: a model the channel could never be answered with is not set.
    if (!ctx.services.settings.allowsModel(result.model)) return show(interaction, text('useNotAllowed', language, { channel: channelId, model: result.model }));
    ctx.services.settings.updateChannel({ guildId: interaction.guildId, channelId, parentId: null }, { model: result.model }, interaction.user.id);
    await show(interaction, text('used', language, { channel: channelId, model: result.model }));
  },
};

const JOB_FILTERS: Record<string, (job: FineTuneJobRow) => boolean> = {
  cancel: (job) => job.closedAt === null,
  use: (job) => job.status === 'succeeded',
};

/** Suggestions for `file` (this server's uploads) and `job` (its jobs: unfinished ones to cancel, finished ones to use). */
function choices(interaction: AutocompleteInteraction, ctx: BotContext): { name: string; value: string }[] {
  const guildId = interaction.guildId;
  if (!guildId || !interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild)) return [];
  const focused = interaction.options.getFocused(true);
  const language = catalogueLanguageOf(interaction.locale);
  const needle = focused.value.trim().toLowerCase();
  const label = (parts: string[]) => parts.join(' · ').slice(0, DISCORD_CHOICE_MAX_LENGTH);
  const { fineTunes } = ctx.services;
  if (focused.name === 'file') {
    return fineTunes.files(guildId, SUGGESTIONS_SCANNED).filter((f) => `${f.filename} ${f.fileId}`.toLowerCase().includes(needle)).slice(0, MAX_CHOICES)
      .map((f) => ({ name: label([f.filename, text('suggestion.examples', language, { count: f.examples }), f.fileId]), value: f.fileId }));
  }
  if (focused.name !== 'job') return [];
  const wanted = JOB_FILTERS[interaction.options.getSubcommand(false) ?? ''] ?? (() => true);
  return fineTunes.jobs(guildId, SUGGESTIONS_SCANNED).filter((j) => wanted(j) && `${j.jobId} ${j.fineTunedModel ?? ''}`.toLowerCase().includes(needle))
    .slice(0, MAX_CHOICES).map((j) => ({ name: label([j.jobId, statusWord(j.status, language), j.fineTunedModel ?? j.baseModel]), value: j.jobId }));
}

const jobOption = (required: boolean) => (o: SlashCommandStringOption) =>
  described(o.setName('job'), NS, 'command.job').setRequired(required).setMaxLength(DISCORD_CHOICE_MAX_LENGTH).setAutocomplete(true);

export const command: SlashCommand = {
  kind: 'slash',
  data: described(new SlashCommandBuilder().setName('finetune'), NS, 'command.description')
    .setContexts(InteractionContextType.Guild)
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
    .addSubcommand((s) => described(s.setName('upload'), NS, 'command.upload')
      .addAttachmentOption((o) => described(o.setName('file'), NS, 'command.upload.file', { min: MIN_TRAINING_EXAMPLES }).setRequired(true)))
    .addSubcommand((s) => described(s.setName('start'), NS, 'command.start')
      .addStringOption((o) => described(o.setName('file'), NS, 'command.start.file').setRequired(true).setMaxLength(DISCORD_CHOICE_MAX_LENGTH).setAutocomplete(true))
      .addStringOption((o) => described(o.setName('model'), NS, 'command.start.model').setRequired(true)
        .addChoices(...FINE_TUNABLE_MODELS.map((m) => ({ name: m, value: m }))))
      .addIntegerOption((o) => described(o.setName('epochs'), NS, 'command.start.epochs').setMinValue(1).setMaxValue(MAX_EPOCHS))
      .addStringOption((o) => described(o.setName('suffix'), NS, 'command.start.suffix').setMaxLength(SUFFIX_MAX_LENGTH)))
    .addSubcommand((s) => described(s.setName('status'), NS, 'command.status').addStringOption(jobOption(false)))
    .addSubcommand((s) => described(s.setName('list'), NS, 'command.list'))
    .addSubcommand((s) => described(s.setName('cancel'), NS, 'command.cancel').addStringOption(jobOption(true)))
    .addSubcommand((s) => described(s.setName('use'), NS, 'command.use').addStringOption(jobOption(true))
      .addChannelOption((o) => described(o.setName('channel'), NS, 'command.use.channel')
        .addChannelTypes(ChannelType.GuildText, ChannelType.GuildAnnouncement, ChannelType.PublicThread, ChannelType.PrivateThread, ChannelType.AnnouncementThread)))
    .toJSON(),

  async execute(interaction, ctx) {
    const language = catalogueLanguageOf(interaction.locale);
    if (!interaction.inGuild()) return replyPrivately(interaction, text('guildOnly', language));
    // Admins can loosen the default permission in server settings; the rule is checked here again.
    if (!interaction.memberPermissions.has(PermissionFlagsBits.ManageGuild)) return show(interaction, text('denied', language));
    const name = interaction.options.getSubcommand(true);
    const handler = handlers[name];
    if (!handler) throw new Error(`/finetune has no handler for ${name}`);
    await handler(interaction, ctx, language);
  },

  async autocomplete(interaction, ctx) {
    await interaction.respond(choices(interaction, ctx));
  },
};
