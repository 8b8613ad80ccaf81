import {
  InteractionContextType, MessageFlags, PermissionFlagsBits, SlashCommandBuilder,
  type ChatInputCommandInteraction, type SlashCommandRoleOption, type SlashCommandStringOption, type SlashCommandSubcommandBuilder,
} from 'discord.js';
import type { BotContext } from '../context.ts';
import { languageOf, type Language } from '../services/failureMessages.ts';
import { catalogueLanguageOf } from '../services/i18n.ts';
import type { ChartImage } from '../services/charts/spendCharts.ts';
import { editReplyWithChart } from '../services/discord/chartReply.ts';
import type { BudgetAdmin, LimitTarget } from '../services/budget/admin.ts';
import { BUDGET_TEXT, describeExemptChange, describeLimitChange, describeOperatorCeiling, describeTimeZoneChange } from '../services/budget/adminText.ts';
import { parseAmount } from '../services/budget/amounts.ts';
import { describeHistory, describeOverview, describeTop } from '../services/budget/overviewText.ts';
import type { Period } from '../services/budget/periods.ts';
import { suggestTimeZones } from '../services/budget/timeZone.ts';
import type { SlashCommand } from './types.ts';

/** Entries /budget history and top show: enough to read at a glance, few enough for one or two messages. */
const HISTORY_ENTRIES = 25;
const TOP_ENTRIES = 10;
/** Subcommands whose reply carries a chart (private, like their text). */
const CHARTED = new Set(['show']);

const zh = (text: string) => ({ 'zh-TW': text });
const amount = (o: SlashCommandStringOption) => o.setName('amount').setDescription('US dollars, e.g. 0.5 or $2; 0 blocks paid commands')
  .setDescriptionLocalizations(zh('美元金額，例如 0.5 或 $2；0 代表禁止使用付費指令')).setRequired(true).setMaxLength(32);
const period = (o: SlashCommandStringOption, required = true) => o.setName('period').setDescription('How often the amount renews')
  .setDescriptionLocalizations(zh('額度多久重設一次')).setRequired(required)
  .addChoices({ name: 'day', value: 'day', name_localizations: zh('每日') }, { name: 'week', value: 'week', name_localizations: zh('每週') }, { name: 'month', value: 'month', name_localizations: zh('每月') });
const role = (o: SlashCommandRoleOption, required = true) => o.setName('role').setDescription('The role').setDescriptionLocalizations(zh('身分組')).setRequired(required);
const sub = (name: string, en: string, zhText: string) => (s: SlashCommandSubcommandBuilder) => s.setName(name).setDescription(en).setDescriptionLocalizations(zh(zhText));

type Reply = { content: string[]; public?: boolean; chart?: (ctx: BotContext) => Promise<ChartImage | null> };
type Handler = (interaction: ChatInputCommandInteraction<'cached' | 'raw'>, admin: BudgetAdmin, language: Language) => Reply;
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
  return id === i.guildId ? BUDGET_TEXT.everyoneLimit[languageOf(i.locale)] : { scope: 'role', targetId: id };
};

function clearTarget(i: ChatInputCommandInteraction): LimitTarget | string {
  const language = languageOf(i.locale);
  const scope = i.options.getString('target', true) as LimitTarget['scope'];
  const targetId = scope === 'user' ? i.options.getUser('user')?.id : scope === 'role' ? i.options.getRole('role')?.id : '';
  if (targetId === undefined) return scope === 'user' ? BUDGET_TEXT.needUser[language] : BUDGET_TEXT.needRole[language];
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
    if (roleId === i.guildId) return say(BUDGET_TEXT.everyoneExempt[language]);
    return say(describeExemptChange(roleId, admin.setExempt(i.guildId, i.user.id, roleId, i.options.getBoolean('exempt', true)), language));
  },
  show: (i, admin, language) => {
    const view = admin.overview(i.guildId);
    const names = (id: string) => i.guild?.members.cache.get(id)?.displayName ?? i.client.users.cache.get(id)?.displayName;
    const limit = view.server?.status?.limit ?? null;
    const chart = async (ctx: BotContext) => ctx.services.charts.draw(ctx.services.charts.server(
      { guildId: i.guildId, limit, timeZone: view.timeZone, names }, catalogueLanguageOf(i.locale)));
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
  data: new SlashCommandBuilder()
    .setName('budget')
    .setDescription('Spending limits for the AI commands (admins)')
    .setDescriptionLocalizations(zh('AI 指令的花費額度（管理員）'))
    .setContexts(InteractionContextType.Guild)
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
    .addSubcommand((s) => sub('set-user', "Set one member's own limit (wins over roles and the default)", '設定單一成員的個人額度（優先於身分組與預設額度）')(s)
      .addUserOption((o) => o.setName('user').setDescription('The member').setDescriptionLocalizations(zh('成員')).setRequired(true)).addStringOption(amount).addStringOption((o) => period(o)))
    .addSubcommand((s) => sub('set-role', 'Set the limit of each member with a role', '設定某身分組每位成員的額度')(s)
      .addRoleOption((o) => role(o)).addStringOption(amount).addStringOption((o) => period(o)))
    .addSubcommand((s) => sub('set-default', 'Set the limit of every member without their own or a role limit', '設定沒有個人或身分組額度的成員的預設額度')(s)
      .addStringOption(amount).addStringOption((o) => period(o)))
    .addSubcommand((s) => sub('set-server', 'Set the cap on what all members together may spend', '設定全體成員合計的花費上限')(s)
      .addStringOption(amount).addStringOption((o) => period(o)))
    .addSubcommand((s) => sub('clear', 'Remove a limit', '移除一項額度')(s)
      .addStringOption((o) => o.setName('target').setDescription('Which limit').setDescriptionLocalizations(zh('哪一項額度')).setRequired(true).addChoices(
        { name: 'user', value: 'user', name_localizations: zh('成員') }, { name: 'role', value: 'role', name_localizations: zh('身分組') },
        { name: 'default', value: 'default', name_localizations: zh('預設額度') }, { name: 'server', value: 'server', name_localizations: zh('伺服器總額度') }))
      .addUserOption((o) => o.setName('user').setDescription('The member (target: user)').setDescriptionLocalizations(zh('成員（對象為成員時）')))
      .addRoleOption((o) => role(o, false).setDescription('The role (target: role)').setDescriptionLocalizations(zh('身分組（對象為身分組時）'))))
    .addSubcommand((s) => sub('exempt', "Free a role's members from personal limits (the server cap still applies)", '讓身分組成員不受個人額度限制（伺服器總額度仍適用）')(s)
      .addRoleOption((o) => role(o)).addBooleanOption((o) => o.setName('exempt').setDescription('true to exempt, false to undo').setDescriptionLocalizations(zh('true 為豁免，false 為取消')).setRequired(true)))
    .addSubcommand((s) => sub('show', 'Every limit in this server, with spend and reset times', '列出本伺服器所有額度、花費與重設時間')(s))
    .addSubcommand((s) => sub('top', 'Members who spent the most', '花費最多的成員')(s).addStringOption((o) => period(o, false).setDescription('Which period (default: month)').setDescriptionLocalizations(zh('哪個週期（預設：每月）'))))
    .addSubcommand((s) => sub('history', 'Who changed which limit, newest first', '誰變更了哪些額度，由新到舊')(s))
    .addSubcommand((s) => sub('timezone', 'Time zone in which days, weeks and months start (default UTC)', '每日、每週、每月開始計算的時區（預設 UTC）')(s)
      .addStringOption((o) => o.setName('zone').setDescription('A time zone name, e.g. Asia/Taipei').setDescriptionLocalizations(zh('時區名稱，例如 Asia/Taipei')).setRequired(true).setMaxLength(64).setAutocomplete(true)))
    .toJSON(),

  async execute(interaction, ctx) {
    const language = languageOf(interaction.locale);
    const refuse = (content: string) => interaction.reply({ content, flags: MessageFlags.Ephemeral });
    if (!interaction.inGuild()) return void (await refuse(BUDGET_TEXT.guildOnly[language]));
    // A server can loosen the command's default permission in its settings; the rule is checked here again.
    if (!interaction.memberPermissions.has(PermissionFlagsBits.ManageGuild)) return void (await refuse(BUDGET_TEXT.denied[language]));
    const handler = HANDLERS[interaction.options.getSubcommand(true)];
    if (!handler) throw new Error(`unknown /budget subcommand ${interaction.options.getSubcommand(true)}`);
    // A reply with a chart is acknowledged first: drawing it stays off Discord's 3 s deadline.
    const charted = CHARTED.has(interaction.options.getSubcommand(true));
    if (charted) await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const reply = handler(interaction, ctx.services.budget, language);
    const flags = reply.public ? undefined : MessageFlags.Ephemeral;
    const [first = '', ...rest] = reply.content;
    const { chart } = reply;
    if (charted) await editReplyWithChart(interaction, { content: first, allowedMentions: { parse: [] } }, async () => (chart ? chart(ctx) : null), ctx.logger);
    else await interaction.reply({ content: first, flags, allowedMentions: { parse: [] } });
    for (const content of rest) await interaction.followUp({ content, flags, allowedMentions: { parse: [] } });
  },

  async autocomplete(interaction) {
    const typed = interaction.options.getFocused();
    await interaction.respond(suggestTimeZones(typed).map((zone) => ({ name: zone, value: zone })));
  },
};
