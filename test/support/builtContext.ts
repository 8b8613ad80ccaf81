import { Writable } from 'node:stream';
import { buildContext } from '../../src/buildContext.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { tempDatabasePath } from './tempDb.ts';

/** The bot's context as src/app.ts builds it (no Discord login, no call to OpenAI) on a fresh database, and what it logged. */
export async function builtContext(env: Record<string, string>, now?: () => number) {
  const config = loadConfig({ DISCORD_TOKEN: 'test-discord-token', OPENAI_API_KEY: 'sk-test-key', LOG_FORMAT: 'json', DATABASE_PATH: tempDatabasePath(), ...env });
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk, _encoding, done) => { lines.push(String(chunk)); done(); } });
  const ctx = await buildContext(config, createLogger(config, sink), now);
  const close = () => { ctx.services.ledger.stop(); ctx.db.close(); };
  return { ctx, lines, close };
}
