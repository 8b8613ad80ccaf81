/** Limits and choices for `/finetune`. Each value says why it is what it is. */

/**
 * The API takes training files up to 512 MB, but the bot holds the file in memory and counts every
 * token before uploading; 50 MB (about 12 million tokens) keeps that to seconds. Larger sets belong
 * in OpenAI's dashboard.
 */
export const MAX_TRAINING_FILE_BYTES = 50 * 1024 * 1024;

/** A 50 MB attachment from Discord's CDN normally arrives in seconds; a minute means a stuck transfer. */
export const TRAINING_DOWNLOAD_TIMEOUT_MS = 60_000;

/** Sending 50 MB to OpenAI can take longer than a chat call's timeout; the interaction token lasts 15 minutes. */
export const TRAINING_UPLOAD_TIMEOUT_MS = 5 * 60_000;

/** Kept after the upload (every attempt and wait) to post its short reply before the 15-minute interaction token runs out. */
export const UPLOAD_REPLY_ROOM_MS = 30_000;

/** OpenAI refuses a training file with fewer examples than this. */
export const MIN_TRAINING_EXAMPLES = 10;

/** Problems shown when a file is refused: enough to fix a pattern, short enough for one message. */
export const MAX_PROBLEMS_SHOWN = 10;

/** Roles a chat fine-tuning example may use (tool calls are not supported by this command). */
export const TRAINING_ROLES = ['system', 'user', 'assistant'] as const;

/**
 * The only fields an example and its messages may have: the ones whose tokens the bot counts (`weight`, OpenAI's
 * 0-or-1 switch for training on an assistant message, adds none). OpenAI also trains on, and bills, `tools`,
 * `functions`, `parallel_tool_calls` and a message's `name`, `tool_calls`, `function_call`: a file holding them
 * would cost more than its reservation, so it is refused.
 */
export const EXAMPLE_FIELDS = ['messages'] as const;
export const MESSAGE_FIELDS = ['role', 'content', 'weight'] as const;
export const TRAINING_WEIGHTS = [0, 1] as const;

/** The API accepts 1–50 epochs; past 25 a small file is memorised rather than learned. */
export const MAX_EPOCHS = 25;

/**
 * OpenAI's rule for `n_epochs: "auto"` as its cookbook writes it ("Data preparation and analysis for chat model
 * fine-tuning": TARGET_EPOCHS, MIN/MAX_TARGET_EXAMPLES, MIN/MAX_DEFAULT_EPOCHS): 3 epochs, raised for small files so
 * about 100 examples are seen (the tutorial's 10 examples trained 10), lowered for huge ones. The cookbook calls it
 * an estimate, and the API reference bounds `auto` by nothing but the 1–50 any job takes ("decides the optimal number
 * of epochs based on the size of the dataset"): a job sent `auto` could bill up to 50 epochs. So the bot never sends
 * `auto`: a start without epochs sends this rule's number, and its bill is known (tokens × epochs) before it starts.
 */
export const AUTO_EPOCHS = { target: 3, minExamplesSeen: 100, maxExamplesSeen: 25_000, min: 1, max: 25 } as const;

/** Events read to find how far a cancelled or failed job trained: its newest `Step N/M` metrics event is among them. */
export const PROGRESS_EVENTS_READ = 100;

/** Base models OpenAI fine-tunes for chat, pinned snapshots as its docs list them; gpt-3.5-turbo is the tutorial's. */
export const FINE_TUNABLE_MODELS = ['gpt-4o-mini-2024-07-18', 'gpt-4.1-mini-2025-04-14', 'gpt-4.1-nano-2025-04-14', 'gpt-3.5-turbo'] as const;

/** OpenAI allows 64 characters; only letters, digits, `-` and `_`, so the model name works in `/settings model`. */
export const SUFFIX_MAX_LENGTH = 64;
export const SUFFIX_PATTERN = /^[A-Za-z0-9_-]+$/;

/** A job takes minutes to hours; checking each once a minute is plenty and far inside the API's rate limits. */
export const POLL_INTERVAL_MS = 60_000;

/**
 * A job OpenAI answers 404 for (the key, organisation or AI service changed since it started) is asked this often
 * instead of every minute: a key put back is noticed within the hour, and a job out of reach costs 24 failing calls a
 * day instead of 1,440 (a call refused with a 404 is not repeated at the poll's pace).
 */
export const MISSING_JOB_RECHECK_MS = 60 * 60_000;

/**
 * After this long of nothing but 404s a job is settled as lost. A key swapped by mistake is put back within days,
 * and the reservation can't be held forever against the admin's limits; it is charged, never released, because the
 * job may still train (and bill) under the key that started it. A week covers a weekend and a holiday's delay.
 */
export const MISSING_JOB_LOST_AFTER_MS = 7 * 24 * 60 * 60_000;

/** Events shown by `/finetune status`, like the tutorial's `list_events(limit=10)`. */
export const EVENTS_SHOWN = 10;

/** Jobs shown by `/finetune list`: one message's worth. */
export const JOBS_LISTED = 15;

/** Discord shows at most 25 autocomplete choices. */
export const MAX_CHOICES = 25;

/** Newest uploads or jobs searched for suggestions: a server rarely keeps more, and the query stays cheap. */
export const SUGGESTIONS_SCANNED = 100;

/** Statuses after which a job never changes (OpenAI's `FineTuningJob.status`). */
export const FINISHED_STATUSES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'cancelled']);

/** The number of epochs OpenAI picks for `auto`, for a file of this many examples. */
export function autoEpochs(examples: number): number {
  const { target, minExamplesSeen, maxExamplesSeen, min, max } = AUTO_EPOCHS;
  if (examples * target < minExamplesSeen) return Math.min(max, Math.floor(minExamplesSeen / Math.max(1, examples)));
  if (examples * target > maxExamplesSeen) return Math.max(min, Math.floor(maxExamplesSeen / examples));
  return target;
}

/**
 * A job create is answered in a second or two: a 5xx this quick came before the job was stored, so it is repeated.
 * A slower one, a timeout or a dropped connection may have started a paid job: OpenAI's list is searched instead.
 */
export const JOB_CREATE_FAST_SERVER_ERROR_MS = 10_000;

/** Repeats of a job create start within this long of the first attempt; the admin's interaction lasts 15 minutes. */
export const JOB_CREATE_RETRY_WINDOW_MS = 2 * 60_000;

/** Newest jobs read to find one whose create answer was lost: an organisation starts far fewer within minutes. */
export const CREATED_JOB_SEARCH_LIMIT = 100;

/** OpenAI's clock and ours may differ: a job stamped this much before our send still counts as the one we sent. */
export const CREATED_AT_SKEW_SECONDS = 120;

/**
 * A create whose answer was lost and whose job OpenAI's list does not show is given this long (from its send) to
 * appear, as a request still being worked on when our timeout fired would; only then is its reservation released.
 */
export const UNCONFIRMED_RELEASE_AFTER_MS = 30 * 60_000;

/** Metadata key each created job carries: a one-time tag that tells this request's job apart in OpenAI's list. */
export const START_TAG_KEY = 'discord_bot_start';

/** Status of a job whose create may have reached OpenAI but could not be confirmed; and of one found never created. */
export const UNCONFIRMED_STATUS = 'unconfirmed';
export const NOT_CREATED_STATUS = 'not_created';
/** Status of a job settled as lost: OpenAI answered 404 for it for MISSING_JOB_LOST_AFTER_MS; never checked again. */
export const LOST_STATUS = 'lost';

/** Newest training files read to find an upload whose answer was lost: uploads come one at a time from admins. */
export const UPLOADED_FILE_SEARCH_LIMIT = 100;
