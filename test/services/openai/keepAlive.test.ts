import { describe, expect, test } from 'vitest';
import { WatchedBytes } from '../../../src/services/openai/keepAlive.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

function watch(...pieces: string[]): { ended: boolean; heard: number } {
  let heard = 0;
  const watched = new WatchedBytes(() => { heard += 1; });
  for (const piece of pieces) watched.seen(bytes(piece));
  return { ended: watched.endedWithDone, heard };
}

describe('WatchedBytes', () => {
  test.each([
    ['[DONE] at the end', ['data: {"choices":[]}\n\n', 'data: [DONE]\n\n'], true],
    ['[DONE] cut across two reads', ['data: {"choices":[]}\n\ndata: [DO', 'NE]\n\n'], true],
    ['[DONE] without the space or the blank line', ['data:[DONE]'], true],
    ['no [DONE] (Ollama after a failure)', ['data: {"choices":[{"delta":{"content":"half"}}]}\n\n'], false],
    ['"[DONE]" written by the model, not at the end', ['data: {"choices":[{"delta":{"content":"[DONE]"}}]}\n\n'], false],
    ['keep-alive comments only', [':\n\n', ':\n\n'], false],
  ])('%s', (_name, pieces, ended) => {
    const seen = watch(...pieces);
    expect(seen.ended).toBe(ended);
    // Every read, comments included, tells the caller the server is there.
    expect(seen.heard).toBe(pieces.length);
  });
});
