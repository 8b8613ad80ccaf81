import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * Stack traces of the compiled bot name its TypeScript lines, mapped when an error is logged rather than by
 * `node --enable-source-maps`, which maps every stack Node or a library reads, logged or not: Node reads the stack
 * of every error a stream is destroyed with, and each idle keep-alive socket that undici closes after a burst of
 * answers (one per concurrent request) cost 0.2–0.5 ms there, 50–70 ms per burst of 100 /ask, often in the middle of the next burst.
 */

/** A frame's position in a JavaScript file: `file:///app/dist/chunk-X.js:12:345` or `/app/dist/chunk-X.js:12:345`. */
const FRAME = /(file:\/\/\/[^\s()]+?\.js|\/[^\s()]+?\.js):(\d+):(\d+)/g;
/** Files seen in stacks with their map (null: none beside them); bounded by the number of files the bot loads. */
const maps = new Map<string, { map: SourceMap; url: URL } | null>();

function mapOf(file: string): { map: SourceMap; url: URL } | null {
  let found = maps.get(file);
  if (found !== undefined) return found;
  const path = file.startsWith('file:') ? fileURLToPath(file) : file;
  try {
    const url = pathToFileURL(`${path}.map`);
    found = { map: new SourceMap(JSON.parse(readFileSync(url, 'utf8')) as ConstructorParameters<typeof SourceMap>[0]), url };
  } catch {
    found = null;
  }
  maps.set(file, found);
  return found;
}

/** The stack with each frame in a file that has a source map (dist/, built by scripts/build.mjs) shown at its TypeScript line. */
export function mapStack(stack: string): string {
  if (!stack.includes('.js:')) return stack;
  return stack.replace(FRAME, (frame, file: string, line: string, column: string) => {
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

/**
 * A crash's stack printed with TypeScript lines, then exit code 1, as Node's own report does; nothing if a handler is
 * already there (start.mjs installs this before loading the bot, so a module that fails to load is reported too).
 */
export function reportCrashesMapped(): void {
  if (process.listenerCount('uncaughtException') > 0) return;
  process.on('uncaughtException', (error) => {
    process.stderr.write(`${error instanceof Error && error.stack ? mapStack(error.stack) : String(error)}\n`);
    process.exit(1);
  });
}
