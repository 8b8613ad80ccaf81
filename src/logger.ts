import { pino, type Logger } from 'pino';
import type { Config } from './config.ts';

export type { Logger };

const REDACTED = '[REDACTED]';
/** Field names that hold credentials wherever they appear in a log object. */
const REDACT_PATHS = [
  'token', '*.token', 'discordToken', '*.discordToken', 'openaiApiKey', '*.openaiApiKey', 'apiKey', '*.apiKey',
  'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization', 'headers.Authorization', '*.headers.Authorization',
];

/** Removes every known secret value from a serialized log line, whatever field or message it ended up in. */
export function secretScrubber(secrets: string[]): (line: string) => string {
  const values = secrets.filter((s) => s.length >= 6);
  return (line) => values.reduce((text, secret) => text.split(secret).join(REDACTED), line);
}

export function createLogger(config: Pick<Config, 'logLevel' | 'logFormat' | 'discordToken' | 'openaiApiKey'>, destination?: NodeJS.WritableStream): Logger {
  const pretty = config.logFormat === 'pretty' || (config.logFormat === 'auto' && !destination && process.stdout.isTTY === true);
  const scrub = secretScrubber([config.discordToken, config.openaiApiKey]);
  const options = {
    level: config.logLevel,
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    hooks: { streamWrite: scrub },
    base: undefined,
  };
  if (pretty) {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' } } });
  }
  return destination ? pino(options, destination as pino.DestinationStream) : pino(options);
}
