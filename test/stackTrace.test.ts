import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { buildSync } from 'esbuild';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createLogger } from '../src/logger.ts';
import { mapStack } from '../src/stackTrace.ts';
import { spawnSync } from 'node:child_process';

/** A TypeScript file whose error is thrown on line 5, compiled (with a linked map, as scripts/build.mjs does) to dist/. */
const SOURCE = ['type Reason = string;', '', 'export function fail(reason: Reason): Error {', '  const text = `failed: ${reason}`;', '  return new Error(text);', '}', ''].join('\n');
let root: string;
/** The stack Node gives that error without source maps (vitest maps stacks itself, so it is written out here). */
let rawStack: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'stack-map-'));
  writeFileSync(join(root, 'fail.ts'), SOURCE);
  buildSync({ entryPoints: [join(root, 'fail.ts')], outdir: join(root, 'dist'), bundle: true, format: 'esm', sourcemap: 'linked', sourcesContent: false, minifyWhitespace: true, logLevel: 'silent' });
  const compiled = readFileSync(join(root, 'dist', 'fail.js'), 'utf8').split('\n');
  const line = compiled.findIndex((text) => text.includes('new Error'));
  const column = compiled[line]!.indexOf('new Error');
  rawStack = `Error: failed: no quota\n    at fail (${pathToFileURL(join(root, 'dist', 'fail.js')).href}:${line + 1}:${column + 1})\n    at main (${join(root, 'dist', 'fail.js')}:${line + 1}:${column + 1})`;
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** An error as the compiled bot would log it, with a cause. */
function compiledError(): Error {
  const error = new Error('outer', { cause: Object.assign(new Error('failed: no quota'), { stack: rawStack }) });
  error.stack = rawStack.replace('failed: no quota', 'outer');
  return error;
}

describe('stack traces of the compiled bot name its TypeScript lines, mapped only when logged', () => {
  test('a frame in a file with a map (as a file URL or a path) is shown at the TypeScript line', () => {
    const mapped = mapStack(rawStack);
    expect(mapped.split('\n').slice(1)).toEqual([`    at fail (${join(root, 'fail.ts')}:5:10)`, `    at main (${join(root, 'fail.ts')}:5:10)`]);
  });

  test('frames in files without a map (Node, libraries, this test) are left as they are', () => {
    const stack = 'Error: x\n    at inner (node:internal/streams/destroy:47:3)\n    at outer (file:///nowhere/lib.js:10:20)\n    at /nowhere/other.js:1:2';
    expect(mapStack(stack)).toBe(stack);
  });

  test('the logger writes the mapped stack of a logged error and of its cause', () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk: Buffer, _encoding, done) { lines.push(chunk.toString()); done(); } });
    const logger = createLogger({ logLevel: 'info', logFormat: 'json', discordToken: 'discord-token-x', openaiApiKey: 'openai-key-x' }, sink);
    logger.error({ err: compiledError() }, 'command failed');
    const logged = JSON.parse(lines[0]!) as { err: { message: string; stack: string } };
    expect(logged.err.message).toBe('outer: failed: no quota');
    // pino writes the cause's stack after the error's own ("caused by: …"): both frames mapped.
    expect(logged.err.stack.match(/fail\.ts:5:10/g)?.length).toBeGreaterThanOrEqual(4);
    expect(logged.err.stack).not.toContain('fail.js');
  });

  test('a crash (an uncaught exception) is reported with the mapped stack and exit code 1, as Node would report it', () => {
    const script = [
      `import { reportCrashesMapped } from ${JSON.stringify(join(import.meta.dirname, '..', 'src', 'stackTrace.ts'))};`,
      'reportCrashesMapped();',
      'reportCrashesMapped(); // a second call adds no second report',
      `setTimeout(() => { throw Object.assign(new Error('failed: no quota'), { stack: ${JSON.stringify(rawStack)} }); }, 1);`,
    ].join('\n');
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', cwd: join(import.meta.dirname, '..') });
    expect(run.status).toBe(1);
    expect(run.stderr.match(/fail\.ts:5:10/g)).toHaveLength(2);
    expect(run.stderr).not.toContain('fail.js');
  }, 30_000);

  test('a crash report holds no secret (the settings\' values, interaction and webhook tokens) and says what caused it', () => {
    const secrets = { DISCORD_TOKEN: 'MTIzNDU2.crash-report-discord-token', OPENAI_API_KEY: 'sk-crash-report-fake-key', LEDGER_SECRET: 'crash-report-ledger-secret-0123456789abcdef' };
    const interactionToken = 'aW50ZXJhY3Rpb246MTIzNDU2Nzg5OmNyYXNo';
    const script = [
      `import { reportCrashesMapped } from ${JSON.stringify(join(import.meta.dirname, '..', 'src', 'stackTrace.ts'))};`,
      'reportCrashesMapped();',
      // What fetch says of a header it cannot send, and what a library's error can say of the request it made.
      'const cause = new TypeError(`Headers.append: "Bearer ${process.env.OPENAI_API_KEY}" is an invalid header value.`);',
      `setTimeout(() => { throw new Error(\`PATCH /api/v10/webhooks/123456789/${interactionToken}/messages/@original failed (Bot \${process.env.DISCORD_TOKEN}, \${process.env.LEDGER_SECRET})\`, { cause }); }, 1);`,
    ].join('\n');
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', cwd: join(import.meta.dirname, '..'), env: { ...process.env, ...secrets } });
    expect(run.status).toBe(1);
    for (const secret of [...Object.values(secrets), interactionToken]) expect(run.stderr).not.toContain(secret);
    expect(run.stderr).toContain('PATCH /api/v10/webhooks/123456789/[REDACTED]/messages/@original failed (Bot [REDACTED], [REDACTED])');
    expect(run.stderr).toContain('caused by: TypeError: Headers.append: "Bearer [REDACTED]" is an invalid header value.');
  }, 30_000);
});
