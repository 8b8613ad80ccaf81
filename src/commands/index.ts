import { command as ask } from './ask.ts';
import { command as budget } from './budget.ts';
import { command as finetune } from './finetune.ts';
import { command as forgetMe } from './forget-me.ts';
import { command as imagine } from './imagine.ts';
import { command as operator } from './operator.ts';
import { command as reset } from './reset.ts';
import { command as settings } from './settings.ts';
import { command as tokens } from './tokens.ts';
import { command as transcribe } from './transcribe.ts';
import { command as transcribeMenu } from './transcribeMenu.ts';
import { command as translate } from './translate.ts';
import { command as translateMenu } from './translateMenu.ts';
import { command as usage } from './usage.ts';
import type { Command } from './types.ts';

/**
 * Every command the bot has. A list, not a folder listing, so that the compiled bot can be one bundle
 * (scripts/build.mjs); a new command file is added here.
 */
export const COMMANDS: readonly Command[] = [ask, budget, finetune, forgetMe, imagine, operator, reset, settings, tokens, transcribe, transcribeMenu, translate, translateMenu, usage];

/** The commands by name; two with one name are refused. */
export function loadCommands(list: readonly Command[] = COMMANDS): Map<string, Command> {
  const commands = new Map<string, Command>();
  for (const command of list) {
    if (commands.has(command.data.name)) throw new Error(`Two commands are named /${command.data.name}`);
    commands.set(command.data.name, command);
  }
  return commands;
}
