import { ChannelType, ThreadAutoArchiveDuration, type Channel, type NewsChannel, type TextChannel } from 'discord.js';
import type { Logger } from '../../logger.ts';
import type { ThreadOrigin } from '../../db/botThreads.ts';
import { deadEndDetails, isDeadEnd } from '../discord/deadEnd.ts';
import type { ExchangeRecord, HistoryService } from '../history.ts';
import type { CatalogueLanguage } from '../i18n.ts';
import { firstTimeWithout, missingThreadPermissions, permissionsBack } from './permissions.ts';
import type { ThreadService } from './service.ts';
import { threadText } from './texts.ts';
import { threadNameFrom } from './threadName.ts';

/** Discord takes 60, 1440, 4320 or 10080 minutes: a day keeps a quiet conversation in the channel list until tomorrow. */
export const THREAD_AUTO_ARCHIVE_MINUTES = ThreadAutoArchiveDuration.OneDay;

/** Channels whose messages can carry a public thread (Discord: text and announcement channels). */
export type ThreadParent = TextChannel | NewsChannel;

export type ThreadWish =
  | { kind: 'none' }
  | { kind: 'open'; channel: ThreadParent; origin: Extract<ThreadOrigin, 'ask' | 'auto'> }
  /** Asked for with `thread:true` where no thread can be opened: the asker is told why. */
  | { kind: 'impossible' };

/**
 * Whether an answer opens a thread: `thread:true` asks for one, `thread:false` refuses one, and without the
 * option the channel's auto-thread setting decides. A private answer, a DM, a thread or a voice channel's chat
 * can't carry one.
 */
export function threadWish(channel: Channel | null, explicit: boolean | null, isPrivate: boolean, threads: ThreadService): ThreadWish {
  if (explicit === false) return { kind: 'none' };
  // Already in a thread: the answer simply stays in it.
  if (channel?.isThread()) return { kind: 'none' };
  const parent = !isPrivate && (channel?.type === ChannelType.GuildText || channel?.type === ChannelType.GuildAnnouncement) ? channel : undefined;
  if (explicit === true) return parent ? { kind: 'open', channel: parent, origin: 'ask' } : { kind: 'impossible' };
  return parent && threads.autoThread(parent.id) ? { kind: 'open', channel: parent, origin: 'auto' } : { kind: 'none' };
}

export interface ThreadOpening {
  channel: ThreadParent;
  origin: Extract<ThreadOrigin, 'ask' | 'auto'>;
  /** The answer's first message: the thread hangs on it. */
  startMessageId: string;
  /** The exchange just answered: it becomes the first turn of the thread's own history. */
  exchange: Omit<ExchangeRecord, 'channelId'>;
  language: CatalogueLanguage;
  /** Says in the channel, once, why no thread was opened. */
  note: (content: string) => Promise<unknown>;
  log: Logger;
}

export interface ThreadDependencies {
  threads: ThreadService;
  history: HistoryService;
}

/** Tells the channel once (per running bot, until the permissions come back) that it got no thread, and why. */
async function noteOnce(opening: ThreadOpening): Promise<void> {
  const { channel, language, log } = opening;
  if (!firstTimeWithout(channel.client, channel.id)) return;
  await opening.note(threadText('noPermission', language)).catch((error: unknown) => log.warn(deadEndDetails(error), 'could not say why no thread was opened'));
}

/**
 * Opens a public thread on the answer, named from the question, records it as the bot's, and copies the
 * exchange into its history. Without the permissions (read from the cache, no REST probe) the answer stays
 * in the channel. Never retried: a refusal is logged and the answer stays where it is. Returns the thread's id.
 */
export async function openAnswerThread(opening: ThreadOpening, deps: ThreadDependencies): Promise<string | undefined> {
  const { channel, exchange, log } = opening;
  const missing = missingThreadPermissions(channel);
  if (missing.length > 0) {
    log.info({ channelId: channel.id, missing }, 'no thread opened: the bot lacks thread permissions here; the answer stays in the channel');
    await noteOnce(opening);
    return undefined;
  }
  permissionsBack(channel.client, channel.id);
  const name = threadNameFrom(exchange.prompt, threadText('fallbackName', opening.language, { name: exchange.speaker.name }));
  let threadId: string;
  try {
    const thread = await channel.threads.create({ startMessage: opening.startMessageId, name, autoArchiveDuration: THREAD_AUTO_ARCHIVE_MINUTES });
    threadId = thread.id;
  } catch (error) {
    if (!isDeadEnd(error)) return void log.warn({ err: error }, 'Discord did not open the thread; the answer stays in the channel');
    // 403: the cache was behind a permission change; 404: the answer was deleted meanwhile.
    log.warn(deadEndDetails(error), 'Discord refused to open the thread; the answer stays in the channel');
    if ((error as { status?: number }).status === 403) await noteOnce(opening);
    return undefined;
  }
  deps.threads.remember({ threadId, guildId: channel.guildId, parentId: channel.id, origin: opening.origin, openedFor: exchange.speaker.id });
  try {
    deps.history.record({ ...exchange, channelId: threadId });
  } catch (error) {
    log.error({ err: error, threadId }, 'could not copy the opening exchange into the thread\'s history');
  }
  log.debug({ threadId, origin: opening.origin }, 'opened a thread on the answer');
  return threadId;
}
