import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { secretScrubber } from './secretScrub.ts';

/**
 * Stack traces of the compiled bot name its TypeScript lines, mapped when an error is logged rather than by
 * `node --enable-source-maps`, which maps every stack Node or a library reads, logged or not: Node reads the stack
 * of every error a stream is destroyed with, and each idle keep-alive socket that undici closes after a burst of
 * answers (one per concurrent request) cost 0.2–0.5 ms there, 50–70 ms per burst of 100 /ask, often in the middle of the next burst.
 *
 * Frames are named as in the TypeScript too. V8 names a method's class by its constructor's minified name (`at cK.take`),
 * and a function by its minified name until keepNames has named it (a chunk's functions called while it loads). Node's own
 * mapping takes the name esbuild's map has where the enclosing function starts, else at the caller's call: on esbuild's
 * output, an arrow's first parameter or what the caller called it (`at reason`, `at f`), and never the class. The build
 * keeps each renamed class and function declaration instead (scripts/sourceMaps.mjs), and a frame's name is looked up there.
 */

/** A frame's position in a JavaScript file: `file:///app/dist/chunk-X.js:12:345` or `/app/dist/chunk-X.js:12:345`. */
const FRAME = /(file:\/\/\/[^\s()]+?\.js|\/[^\s()]+?\.js):(\d+):(\d+)/g;
/**
 * A frame that names what ran, as V8 writes it: `    at [async ][new ]Xe.handle[ [as run]] (…/chunk-X.js:12:345)`, the
 * receiver's class (`Xe`) before the dot; group 2 is that name.
 */
const NAMED_FRAME = /^(\s*at (?:async )?(?:new )?)([\w$]+(?:\.[^\s()]+)?)((?: \[as [^\]\s]+\])? \()(file:\/\/\/[^\s()]+?\.js|\/[^\s()]+?\.js):(\d+):(\d+)\)$/gm;
/** The field scripts/sourceMaps.mjs writes the renamed declarations in (RENAMED_FIELD there). */
const RENAMED_FIELD = 'x_renamedDeclarations';

/** A class or function the minifier renamed, where its bundle name is declared: 0-based line and column in the bundle. */
interface Renamed {
  line: number;
  column: number;
  kind: 'class' | 'function';
  bundled: string;
  original: string;
}
interface LoadedMap {
  map: SourceMap;
  url: URL;
  /** In the order of the bundle. */
  renamed: Renamed[];
}
type Payload = ConstructorParameters<typeof SourceMap>[0] & { [RENAMED_FIELD]?: unknown };

/** Files seen in stacks with their map (null: none beside them); bounded by the number of files the bot loads. */
const maps = new Map<string, LoadedMap | null>();

function renamedOf(field: unknown): Renamed[] {
  if (!Array.isArray(field)) return []; // a map written before the names were kept
  return field.filter((entry): entry is [number, number, Renamed['kind'], string, string] => Array.isArray(entry) && entry.length === 5)
    .map(([line, column, kind, bundled, original]) => ({ line, column, kind, bundled, original }));
}

function mapOf(file: string): LoadedMap | null {
  let found = maps.get(file);
  if (found !== undefined) return found;
  const path = file.startsWith('file:') ? fileURLToPath(file) : file;
  try {
    const url = pathToFileURL(`${path}.map`);
    const { [RENAMED_FIELD]: renamed, ...payload } = JSON.parse(readFileSync(url, 'utf8')) as Payload;
    // Node's SourceMap keeps a copy of what it is given: the names are kept once, here.
    found = { map: new SourceMap(payload), url, renamed: renamedOf(renamed) };
  } catch {
    found = null;
  }
  maps.set(file, found);
  return found;
}

/** Whether a declaration comes at or before a 0-based position in the bundle. */
function atOrBefore(entry: Renamed, line: number, column: number): boolean {
  return entry.line < line || (entry.line === line && entry.column <= column);
}

/**
 * A frame's name with the minifier's names put back. `Xe.handle`: the receiver's class, declared as `Xe` (the nearest
 * declaration before the frame, whose class body it is in; else the only one in the file, as for an inherited method).
 * A bare `Ye` (a function, or `new Ye`): the function or class whose code the frame is in, which is the nearest
 * declaration before it, if that one is `Ye`; anything else (a method's own name, keepNames' name) stays as V8 wrote it.
 */
function originalName(name: string, renamed: readonly Renamed[], line: number, column: number): string {
  const dot = name.indexOf('.');
  if (dot < 0) {
    const enclosing = renamed.findLast((entry) => atOrBefore(entry, line, column));
    return enclosing?.bundled === name ? enclosing.original : name;
  }
  const type = name.slice(0, dot);
  const classes = renamed.filter((entry) => entry.kind === 'class' && entry.bundled === type);
  const declared = classes.findLast((entry) => atOrBefore(entry, line, column)) ?? (classes.length === 1 ? classes[0] : undefined);
  return declared ? `${declared.original}${name.slice(dot)}` : name;
}

/**
 * The stack with each frame in a file that has a source map (dist/, built by scripts/build.mjs) shown at its TypeScript
 * line, and named with the bot's own class and function names where the minifier changed them.
 */
export function mapStack(stack: string): string {
  if (!stack.includes('.js:')) return stack;
  const named = stack.replace(NAMED_FRAME, (frame, before: string, name: string, after: string, file: string, line: string, column: string) => {
    const found = mapOf(file);
    const position = [Number(line) - 1, Number(column) - 1] as const;
    const entry = found?.map.findEntry(...position);
    if (!found || !entry || !('originalSource' in entry) || !entry.originalSource) return frame;
    return `${before}${originalName(name, found.renamed, ...position)}${after}${file}:${line}:${column})`;
  });
  return named.replace(FRAME, (frame, file: string, line: string, column: string) => {
    const found = mapOf(file);
    const entry = found?.map.findEntry(Number(line) - 1, Number(column) - 1);
    if (!found || !entry || !('originalSource' in entry) || !entry.originalSource) return frame;
    return `${fileURLToPath(new URL(entry.originalSource, found.url))}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
  });
}

/** pino's error serializer, with the stack (and each cause's) mapped. */
export function mappedErrorSerializer(serialize: (error: Error) => Record<string, unknown>): (error: Error) => Record<string, unknown> {
  const mapDeep = (value: Record<string, unknown>): Record<string, unknown> => {
    if (typeof value.stack === 'string') value.stack = mapStack(value.stack);
    if (value.cause && typeof value.cause === 'object') mapDeep(value.cause as Record<string, unknown>);
    return value;
  };
  return (error) => mapDeep(serialize(error));
}

/** Causes a crash report follows (as pino's `caused by:` does in a logged error); past them, or at a loop, it stops. */
const MAX_CRASH_CAUSES = 5;

/** A crash's stack and its causes', mapped. */
function crashReport(error: unknown): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  for (let current = error; current !== undefined && !seen.has(current) && parts.length <= MAX_CRASH_CAUSES; current = (current as { cause?: unknown } | null)?.cause) {
    seen.add(current);
    parts.push(current instanceof Error && current.stack ? mapStack(current.stack) : String(current));
  }
  return parts.join('\ncaused by: ');
}

/**
 * A crash's stack printed with TypeScript lines, then exit code 1, as Node's own report does; nothing if a handler is
 * already there (start.mjs installs this before loading the bot, so a module that fails to load is reported too).
 * It is scrubbed of the secrets the log lines are: an error's message can hold a URL with an interaction token, or a
 * header with the key. The values are read when it crashes, as .env is loaded after this is installed.
 */
export function reportCrashesMapped(): void {
  if (process.listenerCount('uncaughtException') > 0) return;
  process.on('uncaughtException', (error) => {
    const { DISCORD_TOKEN, OPENAI_API_KEY, LEDGER_SECRET } = process.env;
    const scrub = secretScrubber([DISCORD_TOKEN ?? '', OPENAI_API_KEY ?? '', LEDGER_SECRET ?? '']);
    let report: string;
    try {
      report = crashReport(error);
    } catch {
      report = 'uncaught exception (a value whose report could not be written)'; // a toString that throws, say
    }
    process.stderr.write(`${scrub(report)}\n`);
    process.exit(1);
  });
}
