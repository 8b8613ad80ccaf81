import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { COMMANDS, loadCommands } from '../../src/commands/index.ts';
import type { Command } from '../../src/commands/types.ts';

const FOLDER = resolve(import.meta.dirname, '../../src/commands');

describe('the command list (commands/index.ts: a list, so the bot can be bundled)', () => {
  test('holds the command of every file in src/commands: a new command file that is not listed fails here', async () => {
    const files = readdirSync(FOLDER).filter((file) => file.endsWith('.ts') && !['index.ts', 'types.ts'].includes(file));
    const fromFiles = await Promise.all(files.map(async (file) => ((await import(join(FOLDER, file))) as { command?: Command }).command));
    expect(fromFiles.every(Boolean)).toBe(true);
    expect(new Set(COMMANDS)).toEqual(new Set(fromFiles));
    expect(COMMANDS).toHaveLength(files.length);
  });

  test('two commands with one name are refused', () => {
    const ask = COMMANDS.find((command) => command.data.name === 'ask')!;
    expect(() => loadCommands([ask, ask])).toThrow('Two commands are named /ask');
    expect([...loadCommands().keys()]).toHaveLength(COMMANDS.length);
  });
});
