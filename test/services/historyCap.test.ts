/**
 * HISTORY_MAX_TOKENS in the history builder: one more bound beside the window, combined with the context-too-long
 * retry's cap (the smaller wins), counting earlier images sent again as the window does; 0 reads no turn at all.
 */
import { describe, expect, test } from 'vitest';
import { openDatabase } from '../../src/db/connection.ts';
import { HistoryStore } from '../../src/db/history.ts';
import { migrate } from '../../src/db/migrate.ts';
import { HistoryService } from '../../src/services/history.ts';
import { TokenCounter } from '../../src/services/tokens.ts';
import { tempDatabasePath } from '../support/tempDb.ts';

const alice = { id: '1', name: 'Alice' };
const base = { channelId: 'c', model: 'gpt-4o-mini', systemPrompt: 'Be brief.', speaker: alice, prompt: 'Q', outputReserve: 1000 };
const WORDS = 'lorem ipsum dolor sit amet '.repeat(40); // ~200 tokens a question
const image = (n: number) => ({ url: `https://cdn.discordapp.com/attachments/1/2/${n}.png`, contentType: 'image/png', size: 100, width: 512, height: 512 });

/** A channel of 40 exchanges (80 turns, ~210 tokens each way), each question with an image; builders with the given caps. */
function setup() {
  const db = openDatabase(tempDatabasePath());
  migrate(db);
  const store = new HistoryStore(db);
  const tokens = new TokenCounter(8192);
  const writer = new HistoryService(store, tokens);
  for (let i = 0; i < 40; i += 1) writer.record({ channelId: 'c', speaker: alice, prompt: `${i} ${WORDS}`, answer: `answer ${i} ${WORDS}`, model: 'gpt-4o-mini', images: [image(i)] });
  const capped = (max: number | null) => new HistoryService(store, tokens, Date.now, max);
  const build = (service: HistoryService, extra: object = {}) => {
    const result = service.build({ ...base, ...extra });
    if (!result.ok) throw new Error('expected a context');
    return result;
  };
  return { store, tokens, capped, build };
}

describe('HistoryService with HISTORY_MAX_TOKENS', () => {
  test('the newest whole turns that fit the cap are sent, and one more would not fit', () => {
    const { capped, build } = setup();
    const result = build(capped(2000));
    expect(result.historyTokens).toBeLessThanOrEqual(2000);
    expect(result.historyTokens).toBeGreaterThan(2000 - 2 * 215);
    expect(result.messages.at(-2)?.content).toMatch(/^answer 39 /);
    expect(result.messages[1]?.content).toMatch(/^Alice: \d+ lorem/);
    expect(result.promptTokens - result.historyTokens).toBe(build(capped(0)).promptTokens);
  });

  test.each([
    ['the operator\'s cap is the smaller', 1500, 4000, 1500],
    ['the retry\'s cap is the smaller', 4000, 1500, 1500],
    ['both the same', 3000, 3000, 3000],
  ])('with the retry\'s cap too, the smaller wins: %s', (_name, operator, retry, bound) => {
    const { capped, build } = setup();
    const result = build(capped(operator), { historyTokenCap: retry });
    expect(result.historyTokens).toBeLessThanOrEqual(bound);
    expect(result.historyTokens).toBeGreaterThan(bound - 2 * 215);
  });

  test('earlier images sent again count toward the cap, as they do toward the window', () => {
    const { capped, build } = setup();
    const share = (images: readonly unknown[]) => images.length * 150;
    const plain = build(capped(3000));
    const counted = build(capped(3000), { pastImageContextTokens: share });
    const kept = counted.pastImages.flatMap((p) => p.images);
    expect(kept.length).toBeGreaterThan(0);
    expect(counted.historyTokens + share(kept)).toBeLessThanOrEqual(3000);
    expect(counted.historyTurns).toBeLessThan(plain.historyTurns);
  });

  test('0 sends only the system prompt and the question, and reads no stored turn', () => {
    const { store, tokens, build } = setup();
    const untouched = new Proxy(store, {
      get(target, key, receiver) {
        if (['newestTurns', 'imagesOfNewest'].includes(String(key))) throw new Error(`${String(key)} read with HISTORY_MAX_TOKENS=0`);
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    const result = build(new HistoryService(untouched, tokens, Date.now, 0), { pastImageContextTokens: () => 150 });
    expect(result.messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(result).toMatchObject({ historyTokens: 0, historyTurns: 0, pastImages: [] });
  });

  test('unlimited (null) sends what the window alone allows, as before the cap', () => {
    const { store, tokens, capped, build } = setup();
    const before = build(new HistoryService(store, tokens));
    const unlimited = build(capped(null));
    expect(unlimited.messages).toEqual(before.messages);
    expect(unlimited.historyTurns).toBe(80);
    // A cap above what the window leaves changes nothing either.
    expect(build(capped(1_000_000)).messages).toEqual(before.messages);
  });
});
