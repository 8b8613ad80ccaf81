import { Events, MessageFlags, type Client, type Interaction, type RepliableInteraction } from 'discord.js';
import type { Command } from '../commands/types.ts';
import type { BotContext } from '../context.ts';
import { requestLogger, type Logger } from '../logger.ts';
import { t } from '../services/failureMessages.ts';
import { catalogue, catalogueLanguageOf, type CatalogueLanguage } from '../services/i18n.ts';
import { INTERACTION_ACK_DEADLINE_MS } from '../services/discord/limits.ts';
import { isInteractionGone } from '../services/discord/deadEnd.ts';
import { noteOutcome } from '../services/metrics/outcome.ts';
import { acknowledgements } from '../services/discord/acknowledgeFirst.ts';
import { NO_MENTIONS } from '../services/discord/sinks.ts';

const text = catalogue<'unknownCommand'>('events');

/**
 * Tells the member something went wrong, whatever state the interaction was left in. `replaceShown`: a deferred
 * reply already showing something (progress) is replaced, as that is where the member waits for the result.
 */
async function tell(interaction: RepliableInteraction, content: string, log: Logger, replaceShown = false): Promise<void> {
  try {
    if (interaction.deferred && (replaceShown || !interaction.replied)) await interaction.editReply({ content, allowedMentions: NO_MENTIONS });
    else if (interaction.replied) await interaction.followUp({ content, flags: MessageFlags.Ephemeral });
    else await interaction.reply({ content, flags: MessageFlags.Ephemeral });
  } catch (error) {
    log.warn({ err: error }, 'could not tell the member about the failure');
  }
}

const apologize = (interaction: RepliableInteraction, content: string, log: Logger) => tell(interaction, content, log);
/** The bot is stopping and this command did not finish: say so where the member is waiting. */
const tellRestarted = (interaction: RepliableInteraction, language: CatalogueLanguage, log: Logger) => tell(interaction, t('restarted', language), log, true);

async function dispatch(interaction: Interaction, ctx: BotContext, commands: Map<string, Command>): Promise<void> {
  if (!interaction.isCommand() && !interaction.isAutocomplete() && !interaction.isButton()) return;
  // A button's custom_id starts with the name of the command that posted it, e.g. `forget-me:confirm`.
  const name = interaction.isButton() ? interaction.customId.split(':', 1)[0]! : interaction.commandName;
  const command = commands.get(name);
  const logger = requestLogger(ctx.logger, {
    command: name, interactionId: interaction.id, userId: interaction.user.id, guildId: interaction.guildId ?? undefined,
  });
  const scoped: BotContext = { ...ctx, logger };

  if (interaction.isAutocomplete()) {
    if (command?.kind !== 'slash' || !command.autocomplete) return void (await interaction.respond([]).catch(() => undefined));
    await command.autocomplete(interaction, scoped).catch((error: unknown) => logger.warn({ err: error }, 'autocomplete failed'));
    return;
  }

  const language = catalogueLanguageOf(interaction.locale);
  if (!ctx.services.lifecycle.accepting) {
    noteOutcome(interaction, 'shutting_down');
    return apologize(interaction, t('shuttingDown', language), logger);
  }
  if (!command) {
    noteOutcome(interaction, 'unknown_command');
    logger.warn('interaction for a command this bot does not have');
    return apologize(interaction, text('unknownCommand', language), logger);
  }
  const started = performance.now();
  // Past half of Discord's 3 s deadline on arrival, the acknowledgement is at risk: the bot is overloaded or its clock is off.
  const lateMs = Date.now() - interaction.createdTimestamp;
  if (lateMs > INTERACTION_ACK_DEADLINE_MS / 2) logger.warn({ lateMs }, 'interaction reached the bot late; Discord drops it after 3 s');
  // Answers that stream register a precise notice under the same key; this one covers every other command.
  const done = ctx.services.lifecycle.answering(() => tellRestarted(interaction, language, logger), interaction.id);
  try {
    if (interaction.isButton()) {
      if (command.kind === 'slash' && command.button) await command.button(interaction, scoped);
      else return apologize(interaction, text('unknownCommand', language), logger);
    } else if (command.kind === 'slash' && interaction.isChatInputCommand()) await command.execute(interaction, scoped);
    else if (command.kind === 'message-menu' && interaction.isMessageContextMenuCommand()) await command.execute(interaction, scoped);
    else {
      noteOutcome(interaction, 'unknown_command');
      return apologize(interaction, text('unknownCommand', language), logger);
    }
    logger.debug({ ms: Math.round(performance.now() - started) }, 'command finished');
  } catch (error) {
    noteOutcome(interaction, 'error');
    logger.error({ err: error }, 'command failed');
    // An expired or unknown interaction would refuse the apology too: one more invalid request, nothing shown.
    if (!isInteractionGone(error)) await apologize(interaction, t('unexpected', language), logger);
  } finally {
    done();
  }
}

/** The one dispatcher: routes every interaction to its command, with one safety net around it. */
export function registerInteractionCreate(client: Client, ctx: BotContext, commands: Map<string, Command>): void {
  client.on(Events.InteractionCreate, (interaction) => {
    acknowledgements.arrived(interaction.id);
    // Commands are counted by name and outcome (a name the bot does not have as 'unknown'); autocomplete is not.
    const work = interaction.isCommand()
      ? ctx.services.metrics.interaction(commands.has(interaction.commandName) ? interaction.commandName : 'unknown', interaction, () => dispatch(interaction, ctx, commands))
      : dispatch(interaction, ctx, commands);
    void ctx.services.lifecycle.track(work.finally(() => acknowledgements.settled(interaction.id)));
  });
}
