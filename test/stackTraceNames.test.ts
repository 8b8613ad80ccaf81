import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { buildSync, type BuildOptions } from 'esbuild';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bundleOptions, slimSourceMaps } from '../scripts/build.mjs';
import { mapStack } from '../src/stackTrace.ts';
import { BUILD_TIMEOUT_MS, freshBuild } from './support/freshBuild.ts';

const ROOT = resolve(import.meta.dirname, '..');
/** esbuild on two small files: well under a second, more on a busy machine. */
const BUNDLE_TIMEOUT_MS = 60_000;

/** Classes and functions the minifier renames; each `// line N` is where the stack below expects its frame. */
const ASK = [
  'export class AskCommand {',
  '  constructor(private readonly prefix: string) {}',
  '  handle(prompt: string): string {',
  '    if (prompt.length > 3) throw new Error(`${this.prefix}: too long`); // line 4',
  '    return prompt;',
  '  }',
  "  static create(): AskCommand { return new AskCommand('ask'); }",
  '  async later(): Promise<never> {',
  '    await null;',
  "    throw new Error('later'); // line 10",
  '  }',
  '}',
  'export class RetryingAsk extends AskCommand {',
  '  again(prompt: string): string { return this.handle(prompt); } // line 14',
  '}',
  'export class PlainCommand {',
  "  run(): never { throw new Error('plain'); } // line 17",
  '}',
  'export function runAsk(prompt: string): string {',
  '  return AskCommand.create().handle(prompt); // line 20',
  '}',
  '// Called while the module loads, before keepNames has set the names of the functions below.',
  'export const early = stackOf(loadEarly);',
  'function loadEarly(): never {',
  '  return failEarly(); // line 25',
  '}',
  'function failEarly(): never {',
  "  throw new Error('early'); // line 28",
  '}',
  'export function stackOf(run: () => unknown): string {',
  '  try {',
  '    run();',
  '  } catch (error) {',
  '    return (error as Error).stack ?? "";',
  '  }',
  "  return '';",
  '}',
  '',
].join('\n');
const MAIN = [
  "import { AskCommand, PlainCommand, RetryingAsk, early, runAsk, stackOf } from './ask.ts';",
  'const later = await new AskCommand("x").later().catch((error: Error) => error.stack);',
  "const stacks = { method: stackOf(() => runAsk('too long')), inherited: stackOf(() => new RetryingAsk('r').again('too long')), plain: stackOf(() => new PlainCommand().run()), early, later };",
  'process.stdout.write(JSON.stringify(stacks));',
  '',
].join('\n');

let work: string;
/** The stacks as the bundle's Node writes them (no source maps), by case. */
let raw: Record<'method' | 'inherited' | 'plain' | 'early' | 'later', string>;

/** The frames (`at …` lines) of a stack that point into the fixture's own code, without the column (the maps keep lines). */
const ownFrames = (stack: string) => stack.split('\n').map((line) => line.trim()).filter((line) => line.startsWith('at ') && line.includes(work))
  .map((line) => line.replace(/:(\d+):\d+\)$/, ':$1)'));

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'stack-names-'));
  writeFileSync(join(work, 'ask.ts'), ASK);
  writeFileSync(join(work, 'main.ts'), MAIN);
  const shared = mkdtempSync(join(work, 'aliases-'));
  // Bundled and its maps cut down exactly as scripts/build.mjs does for the bot.
  buildSync({ ...(bundleOptions(ROOT, shared) as BuildOptions), entryPoints: { main: join(work, 'main.ts') }, outdir: join(work, 'dist') });
  slimSourceMaps(join(work, 'dist'));
  const run = spawnSync(process.execPath, [join(work, 'dist', 'main.js')], { encoding: 'utf8' });
  expect(run.stderr).toBe('');
  raw = JSON.parse(run.stdout) as typeof raw;
}, BUNDLE_TIMEOUT_MS);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('logged stacks of the bundle name the original classes and functions', () => {
  test('the bundle itself names a method by the minified class and an early function by its minified name (what this fixes)', () => {
    expect(raw.method).toMatch(/at (?!AskCommand\.)[\w$]+\.handle \(/);
    expect(raw.early).not.toContain('failEarly');
    expect(raw.early).not.toContain('loadEarly');
  });

  test('a class method: Class.method at its TypeScript line, and the named function that called it', () => {
    expect(ownFrames(mapStack(raw.method)).slice(0, 2)).toEqual([
      `at AskCommand.handle (${join(work, 'ask.ts')}:4)`,
      `at runAsk (${join(work, 'ask.ts')}:20)`,
    ]);
  });

  test('an inherited method is named by the class of the object it ran on, as V8 names it; a class without a self-reference too', () => {
    expect(ownFrames(mapStack(raw.inherited)).slice(0, 2)).toEqual([
      `at RetryingAsk.handle (${join(work, 'ask.ts')}:4)`,
      `at RetryingAsk.again (${join(work, 'ask.ts')}:14)`,
    ]);
    expect(ownFrames(mapStack(raw.plain))[0]).toBe(`at PlainCommand.run (${join(work, 'ask.ts')}:17)`);
  });

  test('functions that ran before keepNames named them, and an async method, get their original names', () => {
    expect(ownFrames(mapStack(raw.early)).slice(0, 3)).toEqual([
      `at failEarly (${join(work, 'ask.ts')}:28)`,
      `at loadEarly (${join(work, 'ask.ts')}:25)`,
      `at stackOf (${join(work, 'ask.ts')}:32)`,
    ]);
    expect(ownFrames(mapStack(raw.later))[0]).toBe(`at AskCommand.later (${join(work, 'ask.ts')}:10)`);
  });

  test('names the minifier did not change, and frames outside the bot\'s code, stay as V8 wrote them', () => {
    const mapped = mapStack(raw.method);
    const others = mapped.split('\n').filter((line) => line.trim().startsWith('at ') && !line.includes(work));
    expect(others).toEqual(raw.method.split('\n').filter((line) => line.trim().startsWith('at ') && !line.includes(work)));
    expect(mapStack('Error: x\n    at e.handle (file:///nowhere/lib.js:10:20)')).toBe('Error: x\n    at e.handle (file:///nowhere/lib.js:10:20)');
    expect(readFileSync(join(work, 'dist', 'main.js.map'), 'utf8')).toContain('"AskCommand"');
  });
});

/** The 1-based line of the first line of a file under src/ that contains `text`. */
function lineOf(file: string, text: string): number {
  const line = readFileSync(join(ROOT, 'src', file), 'utf8').split('\n').findIndex((candidate) => candidate.includes(text));
  expect(line, `${text} in src/${file}`).toBeGreaterThanOrEqual(0);
  return line + 1;
}

/** The JSON lines the bot logged, by message. */
function logged(stdout: string): Map<string, { err: { stack: string } }> {
  const lines = stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { msg: string; err: { stack: string } });
  return new Map(lines.map((line) => [line.msg, line]));
}

describe('the bot\'s own bundle (dist/, as npm start runs it) logs its classes and functions by their names', () => {
  beforeAll(async () => { await freshBuild(); }, BUILD_TIMEOUT_MS);

  test('an error in a method of a bundled class and one in a bundled function, logged by the bundled logger', () => {
    // The bundle's shared chunks export what several entry points use, under minified export names; keepNames gives each its name.
    const script = [
      "import { readdirSync } from 'node:fs';",
      `const dist = ${JSON.stringify(join(ROOT, 'dist'))};`,
      'const exported = new Map();',
      "for (const file of readdirSync(dist).filter((name) => /^chunk-\\w+\\.js$/.test(name))) {",
      "  for (const value of Object.values(await import(`${dist}/${file}`))) if (typeof value === 'function') exported.set(value.name, value);",
      '}',
      "const need = (name) => exported.get(name) ?? (() => { throw new Error(`the bundle's chunks export no ${name}`); })();",
      "const logger = need('createLogger')({ logLevel: 'info', logFormat: 'json', discordToken: 'discord-token-x', openaiApiKey: 'openai-key-x' });",
      "try { await Object.create(need('DownloadGate').prototype).take(1); } catch (err) { logger.error({ err }, 'method'); }",
      "try { need('loadConfig')({}); } catch (err) { logger.error({ err }, 'function'); }",
    ].join('\n');
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', cwd: ROOT });
    expect(run.stderr).toBe('');
    const logs = logged(run.stdout);
    const frame = (message: string) => logs.get(message)?.err.stack.split('\n').map((line) => line.trim()).find((line) => line.startsWith('at '));
    // Without the names V8 writes `at cK.take (…/dist/chunk-….js:234:4256)`.
    expect(frame('method')).toMatch(new RegExp(`^at DownloadGate\\.take \\(${join(ROOT, 'src', 'services', 'discord', 'downloadGate.ts')}:${lineOf('services/discord/downloadGate.ts', 'this.line.length === 0')}:\\d+\\)$`));
    expect(frame('function')).toMatch(new RegExp(`^at loadConfig \\(${join(ROOT, 'src', 'config.ts')}:${lineOf('config.ts', 'throw new ConfigError(problems)')}:\\d+\\)$`));
  }, BUILD_TIMEOUT_MS);

  test('a start-up that fails while the bundle loads (no text catalogues) logs frames named as in their TypeScript files', () => {
    // The bundle alone, beside the libraries but without locales/: the chunks that read the catalogues as they load fail.
    const copy = mkdtempSync(join(tmpdir(), 'bot-no-locales-'));
    try {
      cpSync(join(ROOT, 'dist'), join(copy, 'dist'), { recursive: true });
      symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
      const env = { PATH: process.env.PATH ?? '', DISCORD_TOKEN: 'discord-token-x', OPENAI_API_KEY: 'openai-key-x', LOG_FORMAT: 'json', DATABASE_PATH: join(copy, 'bot.sqlite'), DISCORD_API_URL: 'http://127.0.0.1:9/api' };
      const run = spawnSync(process.execPath, [join(copy, 'dist', 'index.js')], { encoding: 'utf8', cwd: copy, env, timeout: 60_000 });
      // A bot that never started exits 1, so a supervisor restarting on failure (or a health check) sees it.
      expect(run.status).toBe(1);
      const stack = logged(run.stdout).get("the bot's code failed to load")?.err.stack ?? `nothing logged: ${run.stdout}${run.stderr}`;
      expect(stack).toContain('text catalogues');
      // Functions called while their chunk loads run before keepNames has named them (V8 wrote `at hE`, a minified name).
      const own = [...stack.matchAll(/^ {4}at (?:async )?(?:new )?([\w$.<>]+) \((\/[^\s()]+\.ts):\d+:\d+\)$/gm)];
      expect(own.length).toBeGreaterThanOrEqual(2);
      for (const [, name, file] of own) {
        const source = readFileSync(join(ROOT, relative(copy, file!)), 'utf8');
        for (const part of name!.split('.').filter((word) => word !== '<anonymous>')) expect(source, `${part} in ${file}`).toMatch(new RegExp(`\\b${part.replace(/\$/g, '\\$')}\\b`));
      }
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  }, BUILD_TIMEOUT_MS);
});
