import { describe, expect, test } from 'vitest';
import { openDatabase } from '../../src/db/connection.ts';
import { HistoryStore } from '../../src/db/history.ts';
import { migrate } from '../../src/db/migrate.ts';
import { memberHasher } from '../../src/services/budget/shared/memberHash.ts';
import { CATCH_UP_IDLE_MS } from '../../src/services/hashedAuthors.ts';
import { HistoryService } from '../../src/services/history.ts';
import { TokenCounter } from '../../src/services/tokens.ts';
import { tempDatabasePath } from '../support/tempDb.ts';

const START = Date.parse('2026-12-01T10:00:00Z');
const MEMBERS = Array.from({ length: 50 }, (_, n) => String(400000000000001000n + BigInt(n)));
const hashed = memberHasher('a-shared-ledger-secret-of-forty-characters!');

/** A host's history with every member's question stored at START, and the hasher it is given, counting its calls. */
function host() {
  const db = openDatabase(tempDatabasePath());
  migrate(db);
  const store = new HistoryStore(db);
  const clock = { now: START + 1_000 };
  const history = new HistoryService(store, new TokenCounter(128_000), () => clock.now);
  const say = (authorId: string, at: number) => store.addExchange([
    { channelId: 'c1', role: 'user', authorId, content: 'q', tokens: 1, tokensCl100k: 1, createdAt: at },
    { channelId: 'c1', role: 'assistant', content: 'a', tokens: 1, tokensCl100k: 1, createdAt: at },
  ]);
  for (const member of MEMBERS) say(member, START);
  const hash = Object.assign((id: string) => { hash.calls += 1; return hashed(id); }, { calls: 0 });
  return { db, store, clock, history, say, hash };
}
const tombstone = (seq: number, member: string, at: number) => ({ seq, member: hashed(member), at });

describe('/forget-me tombstones on a host catching up: each batch costs its requests, not every member again', () => {
  test('the first batch hashes every member once; the next, a lease renewal later, hashes none and still matches', () => {
    const { store, clock, history, hash } = host();
    expect(history.forgetTombstones([tombstone(1, MEMBERS[3]!, START + 10), tombstone(2, MEMBERS[7]!, START + 10)], hash)).toBe(2);
    expect(hash.calls).toBe(MEMBERS.length);
    clock.now += 20_000;
    expect(history.forgetTombstones([tombstone(3, MEMBERS[9]!, START + 10), tombstone(4, 'a member never seen here', START + 10)], hash)).toBe(1);
    expect(hash.calls).toBe(MEMBERS.length);
    expect([3, 7, 9].map((n) => store.countQuestionsBy(MEMBERS[n]!))).toEqual([0, 0, 0]);
    expect(store.countQuestionsBy(MEMBERS[0]!)).toBe(1);
  });

  test('a request made after the list was built: hashed anew, so a member who first asked since is found', () => {
    const { store, clock, history, say, hash } = host();
    history.forgetTombstones([tombstone(1, MEMBERS[0]!, START + 10)], hash);
    const newcomer = '400000000000009999';
    clock.now += 20_000;
    say(newcomer, clock.now - 1);
    expect(history.forgetTombstones([tombstone(2, newcomer, clock.now)], hash)).toBe(1);
    // Built twice: every member, then the 49 left with questions and the newcomer.
    expect(hash.calls).toBe(MEMBERS.length + (MEMBERS.length - 1) + 1);
    expect(store.countQuestionsBy(newcomer)).toBe(0);
  });

  test('a catch-up idle for longer than CATCH_UP_IDLE_MS starts over: the list is not kept for nothing', () => {
    const { clock, history, hash } = host();
    history.forgetTombstones([tombstone(1, MEMBERS[0]!, START + 10)], hash);
    clock.now += CATCH_UP_IDLE_MS;
    history.forgetTombstones([tombstone(2, MEMBERS[1]!, START + 10)], hash);
    expect(hash.calls).toBe(MEMBERS.length);
    clock.now += CATCH_UP_IDLE_MS + 1;
    expect(history.forgetTombstones([tombstone(3, MEMBERS[2]!, START + 10)], hash)).toBe(1);
    // Built again: the 48 members left with questions.
    expect(hash.calls).toBe(MEMBERS.length + (MEMBERS.length - 2));
  });
});
