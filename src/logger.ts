import { createRequire } from 'node:module';
import { pino, type Logger } from 'pino';
import type { Config } from './config.ts';
import { safeErrorSerializer } from './logErrors.ts';
import { mappedErrorSerializer } from './stackTrace.ts';

export type { Logger };

/** pino-pretty is loaded only for a terminal (or LOG_FORMAT=pretty). */
const requireCjs = createRequire(import.meta.url);

const REDACTED = '[REDACTED]';
/** Field names that hold credentials wherever they appear in a log object. */
const REDACT_PATHS = [
  'token', '*.token', 'discordToken', '*.discordToken', 'openaiApiKey', '*.openaiApiKey', 'apiKey', '*.apiKey',
  'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization', 'headers.Authorization', '*.headers.Authorization',
];

/**
 * The token segment of an interaction or webhook path (`/webhooks/<id>/<token>`, `/interactions/<id>/<token>/callback`),
 * in discord.js error URLs and webhook URLs alike. The id before it is kept: it is not a secret and helps reading logs.
 */
const TOKEN_IN_PATH = /(\/(?:webhooks|interactions)\/\d+\/)[^/?#\s"'\\]+/g;
/** Interaction tokens are base64 of "interaction:…", so they all start like this wherever they end up. */
const INTERACTION_TOKEN_PREFIX = 'aW50ZXJhY3Rpb246';
const INTERACTION_TOKEN = /aW50ZXJhY3Rpb246[\w+=-]*/g;

/** Removes interaction tokens and webhook tokens; the cheap `includes` checks skip the regexes on almost every line. */
export function scrubDiscordTokens(line: string): string {
  let text = line;
  if (text.includes('/webhooks/') || text.includes('/interactions/')) text = text.replace(TOKEN_IN_PATH, `$1${REDACTED}`);
  if (text.includes(INTERACTION_TOKEN_PREFIX)) text = text.replace(INTERACTION_TOKEN, REDACTED);
  return text;
}

/**
 * Removes every known secret value from a serialized log line, whatever field or message it ended up in: as written, and
 * as JSON writes it inside a string (a `"` or `\` in the value is escaped there).
 */
export function secretScrubber(secrets: string[]): (line: string) => string {
  const values = [...new Set(secrets.filter((s) => s.length >= 6).flatMap((s) => [JSON.stringify(s).slice(1, -1), s]))];
  return (line) => values.reduce((text, secret) => (text.includes(secret) ? text.split(secret).join(REDACTED) : text), scrubDiscordTokens(line));
}

export function createLogger(config: Pick<Config, 'logLevel' | 'logFormat' | 'discordToken' | 'openaiApiKey'> & Partial<Pick<Config, 'ledger'>>, destination?: NodeJS.WritableStream): Logger {
  const pretty = config.logFormat === 'pretty' || (config.logFormat === 'auto' && !destination && process.stdout.isTTY === true);
  const scrub = secretScrubber([config.discordToken, config.openaiApiKey, config.ledger?.secret ?? '']);
  const options = {
    level: config.logLevel,
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    hooks: { streamWrite: scrub },
    // Stacks name the TypeScript lines of the compiled bot (see stackTrace.ts).
    serializers: { err: safeErrorSerializer(mappedErrorSerializer(pino.stdSerializers.err)) },
    base: undefined,
  };
  if (pretty) {
    // In this thread, written at once: as a pino transport it ran on a worker thread, a second V8 instance (about 11 MB).
    const prettyStream = requireCjs('pino-pretty') as (options: Record<string, unknown>) => pino.DestinationStream;
    const colorize = !destination && process.stdout.isTTY === true;
    return pino(options, prettyStream({ colorize, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname', sync: true, destination: destination ?? 1 }));
  }
  return destination ? pino(options, destination as pino.DestinationStream) : pino(options);
}

/**
 * `parent.child(bindings)`, made on first use. pino passes every binding through the redaction paths, which
 * costs 35-200 µs per child (measured), before an interaction's acknowledgement; most requests log nothing at
 * the configured level. A call at a level the parent does not write is a no-op and makes no child.
 */
export function requestLogger(parent: Logger, bindings: pino.Bindings): Logger {
  let child: Logger | undefined;
  return new Proxy(parent, {
    get(_parent, key) {
      if (!child && typeof key === 'string' && key in parent.levels.values && !parent.isLevelEnabled(key)) return noop;
      child ??= parent.child(bindings);
      const value: unknown = Reflect.get(child, key, child);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(child) : value;
    },
    set(_parent, key, value) {
      child ??= parent.child(bindings);
      return Reflect.set(child, key, value, child);
    },
  });
}

const noop = (): void => undefined;
