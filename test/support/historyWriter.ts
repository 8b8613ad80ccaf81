/**
 * A second connection writing conversation turns as fast as it can, for backups taken while the bot
 * writes. Run with `node --import tsx test/support/historyWriter.ts <db>`: it writes one exchange
 * (a question and its answer, one transaction) after another, prints {"ready":true} after the first 100,
 * and stops when its stdin closes, printing {"exchanges":n}.
 */
import { openDatabase } from '../../src/db/connection.ts';
import { HistoryStore } from '../../src/db/history.ts';

const db = openDatabase(process.argv[2]!);
const store = new HistoryStore(db);
const turn = { channelId: 'writer', content: 'w'.repeat(300), tokens: 1, tokensCl100k: 1, createdAt: Date.now() };
let exchanges = 0;
let running = true;
process.stdin.on('end', () => { running = false; });
process.stdin.resume();

while (running) {
  store.addExchange([{ ...turn, role: 'user', authorId: 'writer' }, { ...turn, role: 'assistant' }]);
  exchanges += 1;
  if (exchanges === 100) process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
  await new Promise((resolve) => setImmediate(resolve));
}
process.stdout.write(`${JSON.stringify({ exchanges })}\n`);
db.close();
