import { DEFAULT_HISTORY_MAX_TOKENS } from '../src/config.ts';
import { openDatabase } from '../src/db/connection.ts';
import { HistoryStore } from '../src/db/history.ts';
import { migrate } from '../src/db/migrate.ts';
import { HistoryService } from '../src/services/history.ts';
import { TokenCounter } from '../src/services/tokens.ts';
import { tempDatabasePath } from '../test/support/tempDb.ts';
import { summary } from './stats.ts';

const TURNS = 100_000;
const SHORT_TURN = 'a typical sentence of chat, about twenty tokens long or so, give or take.';
/** ~400 tokens: 200 of them (MAX_CONTEXT_TURNS) pass HISTORY_MAX_TOKENS' default several times over. */
const LONG_TURN = 'A longer answer that explains something step by step, with an example or two. '.repeat(25);

/** Time to build the context for a channel holding 100,000 stored turns (goal < 2 ms), as the bot is configured by default and with the cap off. */
export function benchContextBuild(): void {
  const db = openDatabase(tempDatabasePath());
  migrate(db);
  const insert = db.prepare(`INSERT INTO turns (channel_id, role, author_id, author_name, content, tokens, tokens_cl100k, created_at) VALUES (?, ?, '1', 'Alice', ?, ?, ?, 0)`);
  db.transaction(() => {
    for (let n = 0; n < TURNS; n += 1) {
      const role = n % 2 === 0 ? 'user' : 'assistant';
      insert.run('busy', role, `Turn ${n}: ${SHORT_TURN}`, 24, 25);
      insert.run('long', role, `Turn ${n}: ${LONG_TURN}`, 404, 405);
    }
  })();
  const store = new HistoryStore(db);
  const counter = new TokenCounter(8192);
  console.log(`\ncontext build, channels with ${TURNS.toLocaleString()} stored turns (gpt-4o-mini, 128k window)   (goal < 2 ms)`);
  for (const [channelId, cap] of [['busy', DEFAULT_HISTORY_MAX_TOKENS], ['long', DEFAULT_HISTORY_MAX_TOKENS], ['long', null]] as const) {
    const history = new HistoryService(store, counter, Date.now, cap);
    // As /ask builds it: with the bound of earlier images in the window (none stored here, but looked up).
    const request = { channelId, model: 'gpt-4o-mini', systemPrompt: 'You are helpful.', speaker: { id: '1', name: 'Alice' }, prompt: 'What did we say?', outputReserve: 1024, pastImageContextTokens: () => 0 };
    for (let n = 0; n < 50; n += 1) history.build(request);
    const times: number[] = [];
    let sent = '';
    for (let n = 0; n < 500; n += 1) {
      const t = performance.now();
      const result = history.build(request);
      times.push(performance.now() - t);
      if (result.ok) sent = `${result.historyTurns} turns, ${result.historyTokens.toLocaleString()} tokens sent`;
    }
    const label = `${channelId === 'busy' ? '~24-token turns' : '~400-token turns'}, HISTORY_MAX_TOKENS=${cap ?? 'unlimited'}`;
    console.log(`  ${label} (${sent})\n    ${summary('build', times)}`);
  }
  db.close();
}
