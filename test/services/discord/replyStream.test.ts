import { describe, expect, test } from 'vitest';
import { Writable } from 'node:stream';
import { DiscordAPIError } from 'discord.js';
import { pino } from 'pino';
import { EditPacer } from '../../../src/services/discord/editPacer.ts';
import { ReplyStream, type MessageSink } from '../../../src/services/discord/replyStream.ts';
import { InteractionExpiredError } from '../../../src/services/discord/deadEnd.ts';

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

describe('a status line before the answer (the thinking line)', () => {
  test('shown paced while no text has come, replaced by the first text, never shown again, never part of an interruption', async () => {
    const pacer = new EditPacer(20);
    const writes: { index: number; content: string; components?: unknown }[] = [];
    const sink: MessageSink = { write: async (index, content, components) => { writes.push({ index, content, ...(components ? { components } : {}) }); } };
    const stream = new ReplyStream(sink, pacer, log);
    stream.showStatus('thinking 0 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
    stream.showStatus('thinking 1 s');
    stream.update('The answer');
    stream.showStatus('thinking 2 s');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(writes.map((w) => w.content)).toEqual(['thinking 0 s', 'The answer']);
    const button = [{ type: 1, components: [{ type: 2, style: 2, label: 'Show reasoning', custom_id: 'ask:reasoning:x' }] }];
    await stream.finish('The answer', button as never);
    expect(writes.at(-1)).toEqual({ index: 0, content: 'The answer', components: button });

    const interrupted: string[] = [];
    const other = new ReplyStream({ write: async (_index, content) => { interrupted.push(content); } }, pacer, log);
    other.showStatus('thinking 3 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
    await other.interrupt('The bot restarted.');
    expect(interrupted).toEqual(['thinking 3 s', 'The bot restarted.']);
  });
});

const apiError = (status: number, code: number, message: string) =>
  new DiscordAPIError({ code, message }, code, status, 'PATCH', 'http://127.0.0.1/api/v10/channels/1/messages/2', { body: undefined, files: undefined });

describe('a reply Discord refuses for good stops at once', () => {
  test.each([
    [403, 50013, 'Missing Permissions'],
    [403, 50001, 'Missing Access'],
    [404, 10003, 'Unknown Channel'],
    [404, 10008, 'Unknown Message'],
    [404, 10015, 'Unknown Webhook'],
    [404, 10062, 'Unknown interaction'],
    [401, 50027, 'Invalid Webhook Token'],
  ])('%i %i %s: no further edit, no final edit, no follow-up, one warning', async (status, code, message) => {
    const pacer = new EditPacer(20);
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, new Writable({ write: (chunk, _e, done) => { lines.push(String(chunk)); done(); } }));
    const writes: number[] = [];
    const sink: MessageSink = { write: async (index) => { writes.push(index); if (writes.length > 1) throw apiError(status, code, message); } };
    const stream = new ReplyStream(sink, pacer, logger);
    stream.update('first words');
    await new Promise((resolve) => setTimeout(resolve, 20));
    stream.update('first words and more'); // the second write (a progress edit) is refused
    await new Promise((resolve) => setTimeout(resolve, 1100));
    stream.update('first words and more and more'); // ignored: the stream has stopped
    await stream.finish(`${'line of text\n'.repeat(300)}end`); // would need an edit and follow-ups
    expect(writes).toEqual([0, 0]);
    expect(pacer.activeStreams).toBe(0);
    const warnings = lines.map((l) => JSON.parse(l) as { level: number; status?: number; code?: number }).filter((l) => l.level === 40);
    expect(warnings).toEqual([expect.objectContaining({ status, code })]);
  });

  test('a refused final edit ends quietly; other failures still reach the caller', async () => {
    const refused = new ReplyStream({ write: async () => { throw apiError(403, 50013, 'Missing Permissions'); } }, new EditPacer(20), log);
    await expect(refused.finish('text')).resolves.toBeUndefined();
    const expired = new ReplyStream({ write: async () => { throw new InteractionExpiredError(); } }, new EditPacer(20), log);
    await expect(expired.finish('text')).resolves.toBeUndefined();
    const broken = new ReplyStream({ write: async () => { throw apiError(500, 0, 'Internal Server Error'); } }, new EditPacer(20), log);
    await expect(broken.finish('text')).rejects.toThrow(/Internal Server Error/);
  });
});
