import { describe, expect, test } from 'vitest';
import { openDatabase } from '../../src/db/connection.ts';
import { HistoryStore } from '../../src/db/history.ts';
import { migrate } from '../../src/db/migrate.ts';
import { HistoryService, MAX_CONTEXT_TURNS } from '../../src/services/history.ts';
import { TokenCounter, tokenizerOf } from '../../src/services/tokens.ts';
import { tempDatabasePath } from '../support/tempDb.ts';

function setup(unknownWindow = 8192) {
  const db = openDatabase(tempDatabasePath());
  migrate(db);
  const tokens = new TokenCounter(unknownWindow);
  return { db, tokens, history: new HistoryService(new HistoryStore(db), tokens) };
}

const alice = { id: '1', name: 'Alice' };
const bob = { id: '2', name: '小明' };
const base = { model: 'gpt-4o-mini', systemPrompt: 'Be brief.', outputReserve: 1000 };

describe('HistoryService', () => {
  test('the context is the system prompt, the stored turns oldest first, then the new question with its speaker', () => {
    const { history } = setup();
    history.record({ channelId: 'c1', speaker: alice, prompt: 'Hi', answer: 'Hello Alice', model: 'gpt-4o-mini' });
    history.record({ channelId: 'c1', speaker: bob, prompt: '你好', answer: '你好，小明', model: 'gpt-4o-mini' });
    history.record({ channelId: 'other', speaker: bob, prompt: 'elsewhere', answer: 'x', model: 'gpt-4o-mini' });
    const result = history.build({ ...base, channelId: 'c1', speaker: alice, prompt: 'What did Bob say?' });
    expect(result.ok && result.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Alice: Hi' },
      { role: 'assistant', content: 'Hello Alice' },
      { role: 'user', content: '小明: 你好' },
      { role: 'assistant', content: '你好，小明' },
      { role: 'user', content: 'Alice: What did Bob say?' },
    ]);
  });

  test('a private ask (no channel) gets no history', () => {
    const { history } = setup();
    history.record({ channelId: 'c1', speaker: alice, prompt: 'secret', answer: 'ok', model: 'gpt-4o-mini' });
    const result = history.build({ ...base, channelId: null, speaker: alice, prompt: 'Q' });
    expect(result.ok && result.messages.map((m) => m.content)).toEqual(['Be brief.', 'Alice: Q']);
  });

  test('only the newest turns that fit the window minus the output reserve are sent', () => {
    const { history } = setup(2000);
    const words = 'lorem ipsum dolor sit amet '.repeat(40); // ~200 tokens a turn
    for (let i = 0; i < 30; i += 1) history.record({ channelId: 'c', speaker: alice, prompt: `${i} ${words}`, answer: `answer ${i}`, model: 'local-llama' });
    const result = history.build({ ...base, model: 'local-llama', channelId: 'c', speaker: alice, prompt: 'Q' });
    if (!result.ok) throw new Error('expected a context');
    expect(result.promptTokens).toBeLessThanOrEqual(2000 - base.outputReserve);
    expect(result.historyTurns).toBeGreaterThan(0);
    expect(result.historyTurns).toBeLessThan(60);
    expect(result.messages.at(-2)).toEqual({ role: 'assistant', content: 'answer 29' });
    expect(result.messages[1]?.role).toBe('user');
  });

  test('the cheap ceiling counts earlier images (as the vision service bounds them) and the question\'s images at their billed count', () => {
    const { history } = setup(100_000);
    const words = 'lorem ipsum dolor sit amet '.repeat(40); // ~200 tokens a turn
    const image = (n: number) => ({ url: `https://cdn.discordapp.com/attachments/1/2/${n}.png`, contentType: 'image/png', size: 100, width: 512, height: 512 });
    for (let i = 0; i < 30; i += 1) {
      history.record({ channelId: 'c', speaker: alice, prompt: `${i} ${words}`, answer: `answer ${i}`, model: 'local-llama', images: i % 3 === 0 ? [image(i)] : [] });
    }
    const ceiling = 3000;
    const bound = (images: readonly unknown[]) => images.length * 150;
    const build = (extra: object) => {
      const result = history.build({ ...base, model: 'local-llama', channelId: 'c', speaker: alice, prompt: 'Q', cheapPromptCeiling: ceiling, ...extra });
      if (!result.ok) throw new Error('expected a context');
      return result;
    };
    const plain = build({});
    const counted = build({ pastImageTokens: bound });
    const keptImages = counted.pastImages.flatMap((p) => p.images);
    expect(keptImages.length).toBeGreaterThan(0);
    expect(counted.promptTokens + bound(keptImages)).toBeLessThanOrEqual(ceiling);
    expect(plain.promptTokens + bound(plain.pastImages.flatMap((p) => p.images))).toBeGreaterThan(ceiling);
    // The question's images: their share of the window is 100 tokens, but they bill 600.
    const billed = build({ extraPromptTokens: 100, billedExtraTokens: 600 });
    expect(billed.promptTokens - 100 + 600).toBeLessThanOrEqual(ceiling);
    expect(build({ extraPromptTokens: 100 }).promptTokens - 100 + 600).toBeGreaterThan(ceiling);
  });

  test('earlier images sent again count in the window, beside the output reserve, with or without a cheap ceiling', () => {
    const { history } = setup(3000);
    const words = 'lorem ipsum dolor sit amet '.repeat(40); // ~200 tokens a turn
    const image = (n: number) => ({ url: `https://cdn.discordapp.com/attachments/1/2/${n}.png`, contentType: 'image/png', size: 100, width: 512, height: 512 });
    for (let i = 0; i < 30; i += 1) {
      history.record({ channelId: 'c', speaker: alice, prompt: `${i} ${words}`, answer: `answer ${i}`, model: 'local-llama', images: [image(i)] });
    }
    const share = (images: readonly unknown[]) => images.length * 150;
    const build = (extra: object) => {
      const result = history.build({ ...base, model: 'local-llama', channelId: 'c', speaker: alice, prompt: 'Q', ...extra });
      if (!result.ok) throw new Error('expected a context');
      return result;
    };
    const room = 3000 - base.outputReserve;
    // Without the images counted, the text alone fills the room and the images would push the request past the window.
    const plain = build({});
    expect(plain.promptTokens).toBeLessThanOrEqual(room);
    expect(plain.promptTokens + share(plain.pastImages.flatMap((p) => p.images))).toBeGreaterThan(room);
    for (const counted of [build({ pastImageContextTokens: share }), build({ pastImageContextTokens: share, cheapPromptCeiling: 100_000, pastImageTokens: share })]) {
      const kept = counted.pastImages.flatMap((p) => p.images);
      expect(kept.length).toBeGreaterThan(0);
      expect(counted.promptTokens + share(kept)).toBeLessThanOrEqual(room);
      // The longest that fits: one more exchange (~200 tokens and an image) would not.
      expect(counted.promptTokens + share(kept)).toBeGreaterThan(room - 2 * (210 + 150));
    }
  });

  test('a prompt too long on its own is refused with its size and the limit', () => {
    const { history } = setup(1000);
    const result = history.build({ ...base, model: 'local-llama', outputReserve: 200, channelId: 'c', speaker: alice, prompt: 'word '.repeat(2000) });
    expect(result).toMatchObject({ ok: false, reason: 'prompt_too_long', limit: 800 });
    expect(!result.ok && result.promptTokens).toBeGreaterThan(2000);
  });

  test('an unknown model is counted with a safety margin over the real tokenizer', () => {
    const { tokens } = setup();
    const counts = tokens.countMessage('The quick brown fox jumps over the lazy dog. '.repeat(20));
    expect(tokens.weigh(counts, 'llama3.1:8b')).toBeGreaterThan(tokens.weigh(counts, 'gpt-4o-mini'));
    expect(tokens.limits('llama3.1:8b')).toEqual({ contextWindow: 8192, known: false });
    expect(tokens.limits('gpt-4o-mini-2024-07-18')).toEqual({ contextWindow: 128000, known: true });
    expect(tokens.limits('ft:gpt-4o-mini-2024-07-18:acme::abc123').known).toBe(true);
  });

  test('legacy models are weighed with their own tokenizer (cl100k counts Chinese differently)', () => {
    const { tokens } = setup();
    const counts = tokens.countMessage('你好，世界。今天天氣很好，我們去公園散步吧。');
    expect(tokens.weigh(counts, 'gpt-3.5-turbo')).toBe(counts.tokensCl100k);
    expect(tokens.weigh(counts, 'gpt-4o')).toBe(counts.tokens);
    expect(counts.tokensCl100k).not.toBe(counts.tokens);
  });

  test('reset forgets one channel only, and history survives reopening the file', () => {
    const path = tempDatabasePath();
    const db = openDatabase(path);
    migrate(db);
    const history = new HistoryService(new HistoryStore(db), new TokenCounter(8192));
    history.record({ channelId: 'a', speaker: alice, prompt: 'one', answer: 'two', model: 'gpt-4o-mini' });
    history.record({ channelId: 'b', speaker: alice, prompt: 'three', answer: 'four', model: 'gpt-4o-mini' });
    expect(history.reset('a')).toBe(2);
    db.close();
    const reopened = openDatabase(path);
    migrate(reopened);
    const again = new HistoryService(new HistoryStore(reopened), new TokenCounter(8192));
    const a = again.build({ ...base, channelId: 'a', speaker: alice, prompt: 'Q' });
    const b = again.build({ ...base, channelId: 'b', speaker: alice, prompt: 'Q' });
    expect(a.ok && a.historyTurns).toBe(0);
    expect(b.ok && b.historyTurns).toBe(2);
    reopened.close();
  });

  test(`at most ${MAX_CONTEXT_TURNS} stored turns are read, however large the window`, () => {
    const { history, db } = setup();
    const insert = db.prepare("INSERT INTO turns (channel_id, role, content, tokens, tokens_cl100k, created_at) VALUES ('big', ?, 'x', 5, 5, 0)");
    db.transaction(() => { for (let i = 0; i < MAX_CONTEXT_TURNS + 100; i += 1) insert.run(i % 2 === 0 ? 'user' : 'assistant'); })();
    const result = history.build({ ...base, model: 'gpt-4.1', channelId: 'big', speaker: alice, prompt: 'Q' });
    expect(result.ok && result.historyTurns).toBe(MAX_CONTEXT_TURNS);
  });
});

test('a context window from the pricing table (PRICING_FILE) wins over the unknown-model default', () => {
  const tokens = new TokenCounter(8192, (model) => (model === 'llama3.1:8b' ? 131072 : undefined));
  expect(tokens.limits('llama3.1:8b')).toEqual({ contextWindow: 131072, known: true });
  expect(tokens.limits('other-local')).toEqual({ contextWindow: 8192, known: false });
  // Its tokenizer is still unknown, so counts keep their safety margin.
  const counts = tokens.countMessage('hello world '.repeat(50));
  expect(tokens.weigh(counts, 'llama3.1:8b')).toBeGreaterThan(counts.tokens);
});

test.each([
  ['gpt-3.5-turbo-16k', 'cl100k'], ['gpt-3.5-turbo-0613', 'cl100k'], ['gpt-4', 'cl100k'], ['gpt-4-32k', 'cl100k'], ['ft:gpt-3.5-turbo-0613:personal::8BliK0o7', 'cl100k'],
  ['gpt-4o-mini', 'o200k'], ['gpt-4.1-mini-2025-04-14', 'o200k'], ['o3-mini', 'o200k'], ['ft:gpt-4o-mini-2024-07-18:acme::x', 'o200k'],
  ['llama3.1:8b', 'unknown'], ['qwen2.5', 'unknown'],
] as const)('tokenizerOf(%s) is %s', (model, expected) => {
  expect(tokenizerOf(model)).toBe(expected);
});

describe('HistoryService.forget (/forget-me)', () => {
  test('deletes a member\'s questions and the answers to them in every channel; others\' exchanges and context stay whole', () => {
    const { db, history } = setup();
    const exchange = (channelId: string, speaker: typeof alice, prompt: string) => history.record({ channelId, speaker, prompt, answer: `re: ${prompt}`, model: 'gpt-4o-mini' });
    exchange('c1', alice, 'a1');
    exchange('c1', bob, 'b1');
    exchange('c1', alice, 'a2');
    exchange('dm-alice', alice, 'a3');
    exchange('c2', bob, 'b2');
    expect(history.storedBy(alice.id)).toBe(3);
    expect(history.forget(alice.id)).toEqual({ questions: 3, answers: 3 });
    expect(history.storedBy(alice.id)).toBe(0);
    expect(db.prepare('SELECT content FROM turns ORDER BY id').pluck().all()).toEqual(['b1', 're: b1', 'b2', 're: b2']);
    const result = history.build({ ...base, channelId: 'c1', speaker: bob, prompt: 'Q' });
    expect(result.ok && result.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(history.forget(alice.id)).toEqual({ questions: 0, answers: 0 });
  });
});
