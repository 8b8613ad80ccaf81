import { describe, expect, test } from 'vitest';
import { pino } from 'pino';
import { EditPacer } from '../../../src/services/discord/editPacer.ts';
import { ReplyStream, type MessageSink } from '../../../src/services/discord/replyStream.ts';

const log = pino({ level: 'silent' });

function recordingSink() {
  const writes: { index: number; content: string }[] = [];
  const sink: MessageSink = { write: async (index, content) => { writes.push({ index, content }); } };
  return { sink, writes };
}

describe('ReplyStream and the shared edit budget', () => {
  test('a stream holds a share of the budget only while it streams', async () => {
    const pacer = new EditPacer(20);
    const { sink } = recordingSink();
    const refused = new ReplyStream(sink, pacer, log); // e.g. over budget: never gets text
    expect(pacer.activeStreams).toBe(0);
    const streaming = new ReplyStream(sink, pacer, log);
    streaming.update('hello');
    expect(pacer.activeStreams).toBe(1);
    await streaming.finish('hello world');
    expect(pacer.activeStreams).toBe(0);
    void refused;
  });

  test('the interval stretches as more answers stream at once', () => {
    const pacer = new EditPacer(20);
    const leaves = Array.from({ length: 40 }, () => pacer.join());
    expect(pacer.intervalMs()).toBe(2000); // 40 streams sharing 20 edits a second
    leaves.slice(0, 30).forEach((leave) => leave());
    expect(pacer.intervalMs()).toBe(1000); // never faster than once a second
  });

  test('the first text is shown at once and the final text replaces it; finished chunks become new messages', async () => {
    const pacer = new EditPacer(20);
    const { sink, writes } = recordingSink();
    const stream = new ReplyStream(sink, pacer, log);
    stream.update('first words');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(writes).toEqual([{ index: 0, content: 'first words' }]);
    const long = `${'line of text\n'.repeat(200)}end`;
    await stream.finish(long);
    expect(writes.length).toBeGreaterThanOrEqual(3);
    expect(writes.filter((w) => w.index === 1)).toHaveLength(1);
    for (const w of writes) expect([...w.content].length).toBeLessThanOrEqual(2000);
  });
});
