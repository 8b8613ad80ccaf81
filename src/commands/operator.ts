import { DiscordAPIError, InteractionContextType, MessageFlags, RESTJSONErrorCodes, Routes, SlashCommandBuilder, type ChatInputCommandInteraction, type SlashCommandStringOption } from 'discord.js';
import type { BotContext } from '../context.ts';
import { formatLimit } from '../services/budget/format.ts';
import { parseAmount } from '../services/budget/amounts.ts';
import type { Period } from '../services/budget/periods.ts';
import { catalogueLanguageOf, type CatalogueLanguage } from '../services/i18n.ts';
import { choice, described } from '../services/discord/commandText.ts';
import type { ChartImage } from '../services/charts/spendCharts.ts';
import { editReplyWithChart } from '../services/discord/chartReply.ts';
import { describeOperatorStatus } from '../services/operator/statusText.ts';
import { operatorText } from '../services/operator/text.ts';
import type { SlashCommand } from './types.ts';
import { deferFirst } from '../services/discord/acknowledgeFirst.ts';
import { NO_MENTIONS } from '../services/discord/sinks.ts';

/** Servers and members /operator status lists: the biggest spenders, a screenful. */
const STATUS_ENTRIES = 10;

/** The catalogue (locales/<language>/operator.json) of this command's texts. */
const NS = 'operator';
const server = (o: SlashCommandStringOption) => described(o.setName('server'), NS, 'command.server').setRequired(true).setMaxLength(20);

type Reply = string | string[] | { content: string[]; chart: () => Promise<ChartImage | null> };
type Handler = (interaction: ChatInputCommandInteraction, ctx: BotContext, language: CatalogueLanguage) => Promise<Reply>;

function serverId(interaction: ChatInputCommandInteraction, language: CatalogueLanguage): { id: string; name: string } | string {
  const id = interaction.options.getString('server', true).trim();
  if (!/^\d{17,20}$/.test(id)) return operatorText('badServerId', language, { id: id.slice(0, 40).replace(/`/g, 'ˋ') });
  const name = interaction.client.guilds.cache.get(id)?.name;
  return { id, name: name ? ` (${name})` : '' };
}

const HANDLERS: Record<string, Handler> = {
  status: async (interaction, ctx, language) => {
    // On several hosts, the coordinator's figures are the bot-wide ones (the chart reads this host's own ledger).
    const { overview, thisHostOnly } = await ctx.services.hosts.overview(STATUS_ENTRIES);
    const names = (id: string) => interaction.client.guilds.cache.get(id)?.name;
    const { charts } = ctx.services;
    const chart = async () => charts.draw(charts.bot({ period: overview.period, limit: overview.bot, names }, language));
    const status = describeOperatorStatus(overview, names, language);
    return { content: thisHostOnly ? [operatorText('thisHostOnly', language), ...status] : status, chart };
  },

  'server-limit': async (interaction, ctx, language) => {
    const target = serverId(interaction, language);
    if (typeof target === 'string') return target;
    const { ledger, hosts } = ctx.services;
    const typed = interaction.options.getString('amount', true).trim().toLowerCase();
    const period = (interaction.options.getString('period') ?? 'day') as Period;
    if (typed === 'default') {
      hosts.setServerCeiling(target.id, 'default', interaction.user.id);
      const limit = ledger.serverCeiling(target.id);
      return operatorText('ceilingDefault', language, { ...target, limit: limit ? formatLimit(limit, language) : operatorText('unlimited', language) });
    }
    if (typed === 'unlimited') {
      hosts.setServerCeiling(target.id, { amountMicros: null, period }, interaction.user.id);
      return operatorText('ceilingLifted', language, target);
    }
    const amount = parseAmount(typed, language);
    if (!amount.ok) return amount.message;
    hosts.setServerCeiling(target.id, { amountMicros: amount.micros, period }, interaction.user.id);
    return operatorText('ceilingSet', language, { ...target, limit: formatLimit({ amountMicros: amount.micros, period }, language) });
  },

  leave: async (interaction, ctx, language) => {
    const target = serverId(interaction, language);
    if (typeof target === 'string') return target;
    const guildName = interaction.client.guilds.cache.get(target.id)?.name;
    // Asked of Discord, not this process's cache: with several shards the server may be served by another one.
    try {
      await interaction.client.rest.delete(Routes.userGuild(target.id));
    } catch (error) {
      if (error instanceof DiscordAPIError && error.code === RESTJSONErrorCodes.UnknownGuild) return operatorText('notInServer', language, target);
      ctx.logger.warn({ err: error, guildId: target.id }, '/operator leave: Discord refused');
      return operatorText('leaveFailed', language, target);
    }
    ctx.logger.info({ guildId: target.id, guildName, by: interaction.user.id }, 'left a server on the operator\'s request');
    return operatorText('left', language, target);
  },

  allow: async (interaction, ctx, language) => {
    const target = serverId(interaction, language);
    if (typeof target === 'string') return target;
    const { ledger, hosts } = ctx.services;
    if (!ledger.usesAllowList) return operatorText('noAllowList', language);
    // On every host: the server may be on any of them.
    return operatorText(hosts.allowGuild(target.id, interaction.user.id) ? 'allowed' : 'alreadyAllowed', language, target);
  },
};

export const command: SlashCommand = {
  kind: 'slash',
  data: described(new SlashCommandBuilder().setName('operator'), NS, 'command.description')
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM, InteractionContextType.PrivateChannel)
    .addSubcommand((s) => described(s.setName('status'), NS, 'command.status'))
    .addSubcommand((s) => described(s.setName('server-limit'), NS, 'command.serverLimit')
      .addStringOption(server)
      .addStringOption((o) => described(o.setName('amount'), NS, 'command.serverLimit.amount').setRequired(true).setMaxLength(32))
      .addStringOption((o) => described(o.setName('period'), NS, 'command.serverLimit.period')
        .addChoices(choice(NS, 'command.choice.day', 'day'), choice(NS, 'command.choice.week', 'week'), choice(NS, 'command.choice.month', 'month'))))
    .addSubcommand((s) => described(s.setName('leave'), NS, 'command.leave').addStringOption(server))
    .addSubcommand((s) => described(s.setName('allow'), NS, 'command.allow').addStringOption(server))
    .toJSON(),

  async execute(interaction, ctx) {
    const language = catalogueLanguageOf(interaction.locale);
    const send = async (reply: Reply) => {
      const { content, chart } = typeof reply === 'string' ? { content: [reply] } : Array.isArray(reply) ? { content: reply } : reply;
      const [first = '', ...rest] = content;
      if (chart) await editReplyWithChart(interaction, { content: first, allowedMentions: NO_MENTIONS }, chart, ctx.logger);
      else await interaction.editReply({ content: first, allowedMentions: NO_MENTIONS });
      for (const more of rest) await interaction.followUp({ content: more, flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
    };
    // Asking Discord who the owner is can take a moment: acknowledge first, privately.
    await deferFirst(interaction, { flags: MessageFlags.Ephemeral });
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
