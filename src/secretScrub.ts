/**
 * Secrets scrubbed out of text written where people read it: every log line (src/logger.ts) and a crash's report
 * (src/stackTrace.ts). No imports: start.mjs loads the crash report before anything else.
 */

export const REDACTED = '[REDACTED]';

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
