import { countTokens as countO200k } from 'gpt-tokenizer';
import { countTokens as countCl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { describe, expect, test } from 'vitest';
import { autoEpochs } from '../../../src/services/finetune/limits.ts';
import { checkTrainingFile, countTrainingTokens, type TrainingProblem } from '../../../src/services/finetune/trainingFile.ts';
import { TokenCounter } from '../../../src/services/tokens.ts';

const example = (answer = 'Aaron2') => JSON.stringify({ messages: [{ role: 'system', content: '中央大學' }, { role: 'user', content: '誰最帥' }, { role: 'assistant', content: answer }] });
const file = (...lines: string[]) => new TextEncoder().encode(lines.join('\n'));
const nine = Array.from({ length: 9 }, () => example());

describe('checkTrainingFile', () => {
  test('ten good examples pass, with a trailing newline, CRLF line ends and a BOM', () => {
    const result = checkTrainingFile(new TextEncoder().encode(`\uFEFF${[...nine, example('Aaron0')].join('\r\n')}\r\n\r\n`));
    expect(result).toEqual({ ok: true, examples: [...nine.map(() => ['中央大學', '誰最帥', 'Aaron2']), ['中央大學', '誰最帥', 'Aaron0']] });
  });

  test.each<[string, string, TrainingProblem]>([
    ['not JSON', '{"messages": [', { kind: 'bad_json', line: 10 }],
    ['an array, not an object', '[1, 2]', { kind: 'not_object', line: 10 }],
    ['no messages', '{"prompt": "hi", "completion": "there"}', { kind: 'no_messages', line: 10 }],
    ['an empty messages array', '{"messages": []}', { kind: 'no_messages', line: 10 }],
    ['a message that is a string', '{"messages": ["hi"]}', { kind: 'bad_message', line: 10, message: 1 }],
    ['an unknown role', '{"messages": [{"role": "user", "content": "a"}, {"role": "bot", "content": "b"}]}', { kind: 'bad_role', line: 10, message: 2, role: 'bot' }],
    ['a missing role', '{"messages": [{"content": "a"}]}', { kind: 'bad_role', line: 10, message: 1, role: '' }],
    ['content that is not text', '{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": null}]}', { kind: 'bad_content', line: 10, message: 2 }],
    ['no assistant message', '{"messages": [{"role": "system", "content": "a"}, {"role": "user", "content": "b"}]}', { kind: 'no_assistant', line: 10 }],
    // Fields OpenAI trains on and bills, which the count leaves out: refused, so the reservation covers the bill.
    ['tool definitions', '{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}], "tools": []}', { kind: 'extra_field', line: 10, field: 'tools' }],
    ['a message name', '{"messages": [{"role": "user", "content": "a", "name": "n"}, {"role": "assistant", "content": "b"}]}', { kind: 'extra_message_field', line: 10, message: 1, field: 'name' }],
    ['tool calls', '{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "", "tool_calls": []}]}', { kind: 'extra_message_field', line: 10, message: 2, field: 'tool_calls' }],
    ['a field name with backticks, echoed without them and cut short', `{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}], "\`${'x'.repeat(60)}": 1}`,
      { kind: 'extra_field', line: 10, field: `'${'x'.repeat(39)}` }],
    ['a weight other than 0 or 1', '{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b", "weight": 0.5}]}', { kind: 'bad_weight', line: 10, message: 2 }],
  ])('%s is reported with its line number', (_name, line, problem) => {
    expect(checkTrainingFile(file(...nine, line))).toEqual({ ok: false, problems: [problem] });
  });

  test('an assistant message may carry OpenAI\'s weight 0 or 1, which adds no tokens', () => {
    const weighted = (weight: number) => JSON.stringify({ messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b', weight }] });
    expect(checkTrainingFile(file(...nine.slice(1), weighted(0), weighted(1)))).toMatchObject({ ok: true });
  });

  test('line numbers count blank lines; too few examples comes first; every bad line is reported', () => {
    expect(checkTrainingFile(file(example(), '', 'oops', example(), '{}'))).toEqual({
      ok: false, problems: [{ kind: 'too_few', examples: 4 }, { kind: 'bad_json', line: 3 }, { kind: 'no_messages', line: 5 }],
    });
  });

  test.each([
    ['an empty file', new Uint8Array(0), 'empty'],
    ['only blank lines', file('', '  ', ''), 'empty'],
    ['bytes that are not UTF-8', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), 'not_utf8'],
  ])('%s', (_name, bytes, kind) => {
    expect(checkTrainingFile(bytes)).toEqual({ ok: false, problems: [{ kind }] });
  });
});

describe('countTrainingTokens', () => {
  test('each message with 4 framing tokens, plus 3 priming each reply, under both tokenizers', async () => {
    const counts = await countTrainingTokens([['中央大學', '誰最帥', 'Aaron2'], ['hello']], new TokenCounter(8192));
    const texts = ['中央大學', '誰最帥', 'Aaron2', 'hello'];
    expect(counts).toEqual({
      tokens: texts.reduce((sum, t) => sum + countO200k(t) + 4, 0) + 2 * 3,
      tokensCl100k: texts.reduce((sum, t) => sum + countCl100k(t) + 4, 0) + 2 * 3,
    });
  });
});

describe('autoEpochs (OpenAI\'s rule for n_epochs "auto")', () => {
  test.each([
    [1, 25], [10, 10], [20, 5], [33, 3], [34, 3], [1000, 3], [8333, 3], [8334, 2], [30_000, 1],
  ])('%i examples → %i epochs', (examples, epochs) => {
    expect(autoEpochs(examples)).toBe(epochs);
  });
});
