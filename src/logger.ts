import { createRequire } from 'node:module';
import { pino, type Logger } from 'pino';
import type { Config } from './config.ts';
import { safeErrorSerializer } from './logErrors.ts';
import { REDACTED, secretScrubber } from './secretScrub.ts';
import { mappedErrorSerializer } from './stackTrace.ts';

export type { Logger };

/** pino-pretty is loaded only for a terminal (or LOG_FORMAT=pretty). */
const requireCjs = createRequire(import.meta.url);

/** Field names that hold credentials wherever they appear in a log object. */
const REDACT_PATHS = [
  'token', '*.token', 'discordToken', '*.discordToken', 'openaiApiKey', '*.openaiApiKey', 'apiKey', '*.apiKey',
  'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization', 'headers.Authorization', '*.headers.Authorization',
];

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
