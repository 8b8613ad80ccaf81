import {
  InteractionContextType, MessageFlags, PermissionFlagsBits, SlashCommandBuilder,
  type ChatInputCommandInteraction, type SlashCommandRoleOption, type SlashCommandStringOption, type SlashCommandSubcommandBuilder,
} from 'discord.js';
import { catalogueLanguageOf, type CatalogueLanguage } from '../services/i18n.ts';
import { choice, described } from '../services/discord/commandText.ts';
import type { BotContext } from '../context.ts';
import type { ChartImage } from '../services/charts/spendCharts.ts';
import { editReplyWithChart } from '../services/discord/chartReply.ts';
import { replyPrivately } from '../services/discord/privateReply.ts';
import type { BudgetAdmin, LimitTarget } from '../services/budget/admin.ts';
import { budgetRefusal, describeExemptChange, describeLimitChange, describeOperatorCeiling, describeTimeZoneChange } from '../services/budget/adminText.ts';
import { parseAmount } from '../services/budget/amounts.ts';
import { describeHistory, describeOverview, describeTop } from '../services/budget/overviewText.ts';
import type { Period } from '../services/budget/periods.ts';
import { suggestTimeZones } from '../services/budget/timeZone.ts';
import type { SlashCommand } from './types.ts';
import { deferFirst } from '../services/discord/acknowledgeFirst.ts';
import { NO_MENTIONS } from '../services/discord/sinks.ts';

/** Entries /budget history and top show: enough to read at a glance, few enough for one or two messages. */
const HISTORY_ENTRIES = 25;
const TOP_ENTRIES = 10;
/** Subcommands whose reply carries a chart (private, like their text). */
const CHARTED = new Set(['show']);

/** The catalogue (locales/<language>/budget.json) of this command's texts. */
const NS = 'budget';
const amount = (o: SlashCommandStringOption) => described(o.setName('amount'), NS, 'command.amount').setRequired(true).setMaxLength(32);
const period = (o: SlashCommandStringOption, required = true) => described(o.setName('period'), NS, 'command.period').setRequired(required)
  .addChoices(choice(NS, 'command.choice.day', 'day'), choice(NS, 'command.choice.week', 'week'), choice(NS, 'command.choice.month', 'month'));
const role = (o: SlashCommandRoleOption, required = true) => described(o.setName('role'), NS, 'command.role').setRequired(required);
const sub = (name: string, key: string) => (s: SlashCommandSubcommandBuilder) => described(s.setName(name), NS, key);

type Reply = { content: string[]; public?: boolean; chart?: (ctx: BotContext) => Promise<ChartImage | null> };
type Handler = (interaction: ChatInputCommandInteraction<'cached' | 'raw'>, admin: BudgetAdmin, language: CatalogueLanguage) => Reply;
const say = (...content: string[]): Reply => ({ content });

function setLimit(target: (i: ChatInputCommandInteraction) => LimitTarget | string): Handler {
  return (interaction, admin, language) => {
    const resolved = target(interaction);
    if (typeof resolved === 'string') return say(resolved);
    const parsed = parseAmount(interaction.options.getString('amount', true), language);
    if (!parsed.ok) return say(parsed.message);
    const value = { amountMicros: parsed.micros, period: interaction.options.getString('period', true) as Period };
    const change = describeLimitChange(resolved, admin.setLimit(interaction.guildId, interaction.user.id, resolved, value), language);
    return say(change + describeOperatorCeiling(resolved, value, admin.operatorLimits(interaction.guildId), language));
  };
}

/** A role limit for @everyone would never apply (payers' role lists leave it out); the default is the way. */
const roleTarget = (i: ChatInputCommandInteraction): LimitTarget | string => {
  const id = i.options.getRole('role', true).id;
  return id === i.guildId ? budgetRefusal('everyoneLimit', catalogueLanguageOf(i.locale)) : { scope: 'role', targetId: id };
};

function clearTarget(i: ChatInputCommandInteraction): LimitTarget | string {
  const language = catalogueLanguageOf(i.locale);
  const scope = i.options.getString('target', true) as LimitTarget['scope'];
  const targetId = scope === 'user' ? i.options.getUser('user')?.id : scope === 'role' ? i.options.getRole('role')?.id : '';
  if (targetId === undefined) return budgetRefusal(scope === 'user' ? 'needUser' : 'needRole', language);
  return { scope, targetId };
}

const HANDLERS: Record<string, Handler> = {
  'set-user': setLimit((i) => ({ scope: 'user', targetId: i.options.getUser('user', true).id })),
  'set-role': setLimit(roleTarget),
  'set-default': setLimit(() => ({ scope: 'default', targetId: '' })),
  'set-server': setLimit(() => ({ scope: 'server', targetId: '' })),
  clear: (i, admin, language) => {
    const target = clearTarget(i);
    return say(typeof target === 'string' ? target : describeLimitChange(target, admin.clearLimit(i.guildId, i.user.id, target), language));
  },
  exempt: (i, admin, language) => {
    const roleId = i.options.getRole('role', true).id;
    if (roleId === i.guildId) return say(budgetRefusal('everyoneExempt', language));
    return say(describeExemptChange(roleId, admin.setExempt(i.guildId, i.user.id, roleId, i.options.getBoolean('exempt', true)), language));
  },
  show: (i, admin, language) => {
    const view = admin.overview(i.guildId);
    const names = (id: string) => i.guild?.members.cache.get(id)?.displayName ?? i.client.users.cache.get(id)?.displayName;
    const limit = view.server?.status?.limit ?? null;
    const chart = async (ctx: BotContext) => ctx.services.charts.draw(ctx.services.charts.server(
      { guildId: i.guildId, limit, timeZone: view.timeZone, names }, language));
    return { content: describeOverview(view, language), chart };
  },
  top: (i, admin, language) => {
    const chosen = (i.options.getString('period') ?? 'month') as Period;
    return { content: [describeTop(admin.topSpenders(i.guildId, chosen, TOP_ENTRIES), chosen, language)], public: true };
  },
  history: (i, admin, language) => say(...describeHistory(admin.history(i.guildId, HISTORY_ENTRIES), language)),
  timezone: (i, admin, language) => say(describeTimeZoneChange(admin.setTimeZone(i.guildId, i.user.id, i.options.getString('zone', true)), language)),
};

export const command: SlashCommand = {
  kind: 'slash',
  data: described(new SlashCommandBuilder().setName('budget'), NS, 'command.description')
    .setContexts(InteractionContextType.Guild)
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
    .addSubcommand((s) => sub('set-user', 'command.setUser')(s)
      .addUserOption((o) => described(o.setName('user'), NS, 'command.setUser.user').setRequired(true)).addStringOption(amount).addStringOption((o) => period(o)))
    .addSubcommand((s) => sub('set-role', 'command.setRole')(s)
      .addRoleOption((o) => role(o)).addStringOption(amount).addStringOption((o) => period(o)))
    .addSubcommand((s) => sub('set-default', 'command.setDefault')(s)
      .addStringOption(amount).addStringOption((o) => period(o)))
    .addSubcommand((s) => sub('set-server', 'command.setServer')(s)
      .addStringOption(amount).addStringOption((o) => period(o)))
    .addSubcommand((s) => sub('clear', 'command.clear')(s)
      .addStringOption((o) => described(o.setName('target'), NS, 'command.clear.target').setRequired(true).addChoices(
        choice(NS, 'command.choice.user', 'user'), choice(NS, 'command.choice.role', 'role'),
        choice(NS, 'command.choice.default', 'default'), choice(NS, 'command.choice.server', 'server')))
      .addUserOption((o) => described(o.setName('user'), NS, 'command.clear.user'))
      .addRoleOption((o) => described(role(o, false), NS, 'command.clear.role')))
    .addSubcommand((s) => sub('exempt', 'command.exempt')(s)
      .addRoleOption((o) => role(o)).addBooleanOption((o) => described(o.setName('exempt'), NS, 'command.exempt.exempt').setRequired(true)))
    .addSubcommand((s) => sub('show', 'command.show')(s))
    .addSubcommand((s) => sub('top', 'command.top')(s).addStringOption((o) => described(period(o, false), NS, 'command.top.period')))
    .addSubcommand((s) => sub('history', 'command.history')(s))
    .addSubcommand((s) => sub('timezone', 'command.timezone')(s)
      .addStringOption((o) => described(o.setName('zone'), NS, 'command.timezone.zone').setRequired(true).setMaxLength(64).setAutocomplete(true)))
    .toJSON(),

  async execute(interaction, ctx) {
    const language = catalogueLanguageOf(interaction.locale);
    if (!interaction.inGuild()) return replyPrivately(interaction, budgetRefusal('guildOnly', language));
    // A server can loosen the command's default permission in its settings; the rule is checked here again.
    if (!interaction.memberPermissions.has(PermissionFlagsBits.ManageGuild)) return replyPrivately(interaction, budgetRefusal('denied', language));
    const handler = HANDLERS[interaction.options.getSubcommand(true)];
    if (!handler) throw new Error(`unknown /budget subcommand ${interaction.options.getSubcommand(true)}`);
    // A reply with a chart is acknowledged first: drawing it stays off Discord's 3 s deadline.
    const charted = CHARTED.has(interaction.options.getSubcommand(true));
    if (charted) await deferFirst(interaction, { flags: MessageFlags.Ephemeral });
    const reply = handler(interaction, ctx.services.budget, language);
    const flags = reply.public ? undefined : MessageFlags.Ephemeral;
    const [first = '', ...rest] = reply.content;
    const { chart } = reply;
    if (charted) await editReplyWithChart(interaction, { content: first, allowedMentions: NO_MENTIONS }, async () => (chart ? chart(ctx) : null), ctx.logger);
    else await interaction.reply({ content: first, flags, allowedMentions: NO_MENTIONS });
    for (const content of rest) await interaction.followUp({ content, flags, allowedMentions: NO_MENTIONS });
  },

  async autocomplete(interaction) {
    const typed = interaction.options.getFocused();
    await interaction.respond(suggestTimeZones(typed).map((zone) => ({ name: zone, value: zone })));
  },
};
