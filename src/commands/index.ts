import { readdir } from 'node:fs/promises';
import type { Command } from './types.ts';

const NOT_COMMANDS = new Set(['index', 'types']);

/** Loads every command file in this folder; each exports `command` (a `data` + `execute` pair). */
export async function loadCommands(): Promise<Map<string, Command>> {
  const folder = new URL('.', import.meta.url);
  const files = (await readdir(folder)).filter((f) => /\.(ts|js)$/.test(f) && !f.endsWith('.d.ts') && !NOT_COMMANDS.has(f.replace(/\.(ts|js)$/, ''))).sort();
  const commands = new Map<string, Command>();
  for (const file of files) {
    const module = (await import(new URL(file, folder).href)) as { command?: Command };
    if (!module.command) throw new Error(`src/commands/${file} does not export a \`command\``);
    if (commands.has(module.command.data.name)) throw new Error(`Two command files define /${module.command.data.name}`);
    commands.set(module.command.data.name, module.command);
  }
  return commands;
}
