import type { Client } from 'discord.js';
import type { Logger } from '../../logger.ts';
import type { CatalogueLanguage } from '../i18n.ts';
import type { BotLimitNotice } from '../budget/ledger.ts';
import { formatLimit } from '../budget/format.ts';
import { relativeTime } from '../budget/messages.ts';
import { NO_MENTIONS } from '../discord/sinks.ts';
import { formatUsd } from '../pricing/index.ts';
import type { ApplicationOwner } from './owner.ts';
import { operatorText } from './text.ts';

/** A DM's reader has no known Discord locale (only interactions carry one): the notice comes in the bot's two home languages. */
const NOTICE_LANGUAGES: readonly CatalogueLanguage[] = ['en', 'zh-TW'];

/** The bot-limit notice as the operator reads it: English, then Traditional Chinese. */
export function describeBotLimitNotice(notice: BotLimitNotice): string {
  const { status, percent } = notice;
  return NOTICE_LANGUAGES.map((language) => operatorText(percent === 100 ? 'notice100' : 'notice80', language, {
    spent: formatUsd(status.spentMicros), limit: formatLimit(status.limit, language), percent, resets: relativeTime(status.resetsAt),
  })).join('\n\n');
}

/** Sends each bot-limit notice to the application's owner by DM; closed DMs are logged, never retried. */
export function botLimitNotifier(client: Client, owner: ApplicationOwner, log: Logger): (notice: BotLimitNotice) => void {
  return (notice) => {
    log.warn({ percent: notice.percent, spentMicros: notice.status.spentMicros, limitMicros: notice.status.limit.amountMicros }, 'the bot passed a share of BOT_LIMIT_USD');
    void (async () => {
      try {
        const user = await client.users.fetch(await owner.id(client));
        await user.send({ content: describeBotLimitNotice(notice), allowedMentions: NO_MENTIONS });
      } catch (error) {
        log.warn({ err: error }, "could not DM the bot's owner about the bot limit (DMs closed?); the notice is only in this log");
      }
    })();
  };
}
