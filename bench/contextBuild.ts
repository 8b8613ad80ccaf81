import { openDatabase } from '../src/db/connection.ts';
import { HistoryStore } from '../src/db/history.ts';
import { migrate } from '../src/db/migrate.ts';
import { HistoryService } from '../src/services/history.ts';
import { TokenCounter } from '../src/services/tokens.ts';
import { tempDatabasePath } from '../test/support/tempDb.ts';
import { summary } from './stats.ts';

const TURNS = 100_000;

/** Time to build the context for a channel holding 100,000 stored turns (goal < 2 ms). */
export function benchContextBuild(): void {
  const db = openDatabase(tempDatabasePath());
  migrate(db);
  const insert = db.prepare(`INSERT INTO turns (channel_id, role, author_id, author_name, content, tokens, tokens_cl100k, created_at) VALUES ('busy', ?, '1', 'Alice', ?, ?, ?, 0)`);
  db.transaction(() => {
    for (let n = 0; n < TURNS; n += 1) insert.run(n % 2 === 0 ? 'user' : 'assistant', `Turn ${n}: a typical sentence of chat, about twenty tokens long or so, give or take.`, 24, 25);
  })();
  const history = new HistoryService(new HistoryStore(db), new TokenCounter(8192));
  // As /ask builds it: with the bound of earlier images in the window (none stored here, but looked up).
  const request = { channelId: 'busy', model: 'gpt-4o-mini', systemPrompt: 'You are helpful.', speaker: { id: '1', name: 'Alice' }, prompt: 'What did we say?', outputReserve: 1024, pastImageContextTokens: () => 0 };
  for (let n = 0; n < 50; n += 1) history.build(request);
  const times: number[] = [];
  let turns = 0;
  for (let n = 0; n < 500; n += 1) {
    const t = performance.now();
    const result = history.build(request);
    times.push(performance.now() - t);
    if (result.ok) turns = result.historyTurns;
  }
  console.log(`\ncontext build, channel with ${TURNS.toLocaleString()} stored turns (gpt-4o-mini, 128k window: ${turns} turns sent)`);
  console.log(`  ${summary('build', times)}   (goal < 2 ms)`);
  db.close();
}
