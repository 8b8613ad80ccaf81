import { InteractionContextType, MessageFlags, SlashCommandBuilder, type ChatInputCommandInteraction, type SlashCommandStringOption } from 'discord.js';
import type { BotContext } from '../context.ts';
import { formatLimit } from '../services/budget/format.ts';
import { parseAmount } from '../services/budget/amounts.ts';
import type { Period } from '../services/budget/periods.ts';
import { languageOf, type Language } from '../services/failureMessages.ts';
import { catalogueLanguageOf } from '../services/i18n.ts';
import type { ChartImage } from '../services/charts/spendCharts.ts';
import { editReplyWithChart } from '../services/discord/chartReply.ts';
import { describeOperatorStatus } from '../services/operator/statusText.ts';
import { operatorText } from '../services/operator/text.ts';
import type { SlashCommand } from './types.ts';

/** Servers and members /operator status lists: the biggest spenders, a screenful. */
const STATUS_ENTRIES = 10;

const zh = (text: string) => ({ 'zh-TW': text });
const server = (o: SlashCommandStringOption) => o.setName('server').setDescription('Server ID').setDescriptionLocalizations(zh('伺服器 ID')).setRequired(true).setMaxLength(20);

type Reply = string | string[] | { content: string[]; chart: () => Promise<ChartImage | null> };
type Handler = (interaction: ChatInputCommandInteraction, ctx: BotContext, language: Language) => Promise<Reply>;

function serverId(interaction: ChatInputCommandInteraction, language: Language): { id: string; name: string } | string {
  const id = interaction.options.getString('server', true).trim();
  if (!/^\d{17,20}$/.test(id)) return operatorText('badServerId', language, { id: id.slice(0, 40).replace(/`/g, 'ˋ') });
  const name = interaction.client.guilds.cache.get(id)?.name;
  return { id, name: name ? ` (${name})` : '' };
}

const HANDLERS: Record<string, Handler> = {
  status: async (interaction, ctx, language) => {
    const view = ctx.services.ledger.overview(STATUS_ENTRIES);
    const names = (id: string) => interaction.client.guilds.cache.get(id)?.name;
    const { charts } = ctx.services;
    const chart = async () => charts.draw(charts.bot({ period: view.period, limit: view.bot, names }, catalogueLanguageOf(interaction.locale)));
    return { content: describeOperatorStatus(view, names, language), chart };
  },

  'server-limit': async (interaction, ctx, language) => {
    const target = serverId(interaction, language);
    if (typeof target === 'string') return target;
    const { ledger } = ctx.services;
    const typed = interaction.options.getString('amount', true).trim().toLowerCase();
    const period = (interaction.options.getString('period') ?? 'day') as Period;
    if (typed === 'default') {
      ledger.setServerCeiling(target.id, 'default', interaction.user.id);
      const limit = ledger.serverCeiling(target.id);
      return operatorText('ceilingDefault', language, { ...target, limit: limit ? formatLimit(limit, language) : operatorText('unlimited', language) });
    }
    if (typed === 'unlimited') {
      ledger.setServerCeiling(target.id, { amountMicros: null, period }, interaction.user.id);
      return operatorText('ceilingLifted', language, target);
    }
    const amount = parseAmount(typed, language);
    if (!amount.ok) return amount.message;
    ledger.setServerCeiling(target.id, { amountMicros: amount.micros, period }, interaction.user.id);
    return operatorText('ceilingSet', language, { ...target, limit: formatLimit({ amountMicros: amount.micros, period }, language) });
  },

  leave: async (interaction, ctx, language) => {
    const target = serverId(interaction, language);
    if (typeof target === 'string') return target;
    const guild = interaction.client.guilds.cache.get(target.id);
    if (!guild) return operatorText('notInServer', language, target);
    try {
      await guild.leave();
    } catch (error) {
      ctx.logger.warn({ err: error, guildId: target.id }, '/operator leave: Discord refused');
      return operatorText('leaveFailed', language, target);
    }
    ctx.logger.info({ guildId: target.id, guildName: guild.name, by: interaction.user.id }, 'left a server on the operator\'s request');
    return operatorText('left', language, target);
  },

  allow: async (interaction, ctx, language) => {
    const target = serverId(interaction, language);
    if (typeof target === 'string') return target;
    const { ledger } = ctx.services;
    if (!ledger.usesAllowList) return operatorText('noAllowList', language);
    return operatorText(ledger.allowGuild(target.id, interaction.user.id) ? 'allowed' : 'alreadyAllowed', language, target);
  },
};

export const command: SlashCommand = {
  kind: 'slash',
  data: new SlashCommandBuilder()
    .setName('operator')
    .setDescription("For whoever runs the bot: the whole bot's spending, server ceilings and which servers may use it")
    .setDescriptionLocalizations(zh('給架設機器人的人：整體花費、伺服器上限，以及哪些伺服器可以使用'))
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM, InteractionContextType.PrivateChannel)
    .addSubcommand((s) => s.setName('status').setDescription('Spend this period: total, by server, top members, against each limit').setDescriptionLocalizations(zh('本期花費：總計、各伺服器、花費最多的成員與各項上限')))
    .addSubcommand((s) => s.setName('server-limit').setDescription("Raise or lower one server's ceiling").setDescriptionLocalizations(zh('調高或調低某個伺服器的上限'))
      .addStringOption(server)
      .addStringOption((o) => o.setName('amount').setDescription('US dollars, "unlimited", or "default" (SERVER_LIMIT_USD)').setDescriptionLocalizations(zh('美元金額、"unlimited" 或 "default"（SERVER_LIMIT_USD）')).setRequired(true).setMaxLength(32))
      .addStringOption((o) => o.setName('period').setDescription('How often it renews (default: day)').setDescriptionLocalizations(zh('多久重設一次（預設：每日）'))
        .addChoices({ name: 'day', value: 'day', name_localizations: zh('每日') }, { name: 'week', value: 'week', name_localizations: zh('每週') }, { name: 'month', value: 'month', name_localizations: zh('每月') })))
    .addSubcommand((s) => s.setName('leave').setDescription('Make the bot leave a server').setDescriptionLocalizations(zh('讓機器人離開某個伺服器')).addStringOption(server))
    .addSubcommand((s) => s.setName('allow').setDescription('Add a server to the allow-list').setDescriptionLocalizations(zh('把伺服器加入允許清單')).addStringOption(server))
    .toJSON(),

  async execute(interaction, ctx) {
    const language = languageOf(interaction.locale);
    const send = async (reply: Reply) => {
      const { content, chart } = typeof reply === 'string' ? { content: [reply] } : Array.isArray(reply) ? { content: reply } : reply;
      const [first = '', ...rest] = content;
      if (chart) await editReplyWithChart(interaction, { content: first, allowedMentions: { parse: [] } }, chart, ctx.logger);
      else await interaction.editReply({ content: first, allowedMentions: { parse: [] } });
      for (const more of rest) await interaction.followUp({ content: more, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
    };
    // Asking Discord who the owner is can take a moment: acknowledge first, privately.
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    let isOwner: boolean;
    try {
      isOwner = await ctx.services.owner.is(interaction.client, interaction.user.id);
    } catch (error) {
      ctx.logger.warn({ err: error }, 'could not read the application owner from Discord');
      return void (await send(operatorText('ownerUnknown', language)));
    }
    if (!isOwner) return void (await send(operatorText('notOwner', language)));
    const handler = HANDLERS[interaction.options.getSubcommand(true)];
    if (!handler) throw new Error(`unknown /operator subcommand ${interaction.options.getSubcommand(true)}`);
    await send(await handler(interaction, ctx, language));
  },
};
