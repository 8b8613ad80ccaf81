import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, test } from 'vitest';
import { backupDatabase, checkIntegrity } from '../../src/db/backup.ts';
import { openDatabase, type Db } from '../../src/db/connection.ts';
import { migrate } from '../../src/db/migrate.ts';
import { MIGRATIONS } from '../../src/db/migrations/index.ts';
import { tempDatabasePath } from '../support/tempDb.ts';

const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const SCRIPT = fileURLToPath(new URL('../../scripts/backup.ts', import.meta.url));
const WRITER = fileURLToPath(new URL('../support/historyWriter.ts', import.meta.url));

/** A migrated database holding `turns` conversation turns of ~300 bytes each. */
function botDatabase(path: string, turns: number): Db {
  const db = openDatabase(path);
  migrate(db);
  const insert = db.prepare(`INSERT INTO turns (channel_id, role, author_id, content, tokens, tokens_cl100k, created_at) VALUES ('c1', 'user', 'u1', ?, 1, 1, 0)`);
  db.transaction(() => { for (let n = 0; n < turns; n += 1) insert.run(`turn ${n} ${'x'.repeat(300)}`); })();
  return db;
}

/** Runs `npm run backup`'s entry (node --import tsx scripts/backup.ts) in a clean environment: no token, no API key. */
async function runScript(args: string[], cwd: string, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', TSX, SCRIPT, ...args], { cwd, env: { PATH: process.env.PATH ?? '', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => { stdout += String(chunk); });
  child.stderr.on('data', (chunk: Buffer) => { stderr += String(chunk); });
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

describe('backupDatabase', () => {
  test('a copy taken while another connection keeps writing is consistent and holds every row committed before it started', async () => {
    const path = tempDatabasePath();
    const db = botDatabase(path, 30_000);
    const writer = spawn(process.execPath, ['--import', 'tsx', WRITER, path], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = createInterface({ input: writer.stdout })[Symbol.asyncIterator]();
    expect(JSON.parse(String((await lines.next()).value))).toEqual({ ready: true });

    const maxId = () => db.prepare('SELECT MAX(id) FROM turns').pluck().get() as number;
    const before = maxId();
    const destination = join(mkdtempSync(join(tmpdir(), 'bot-backup-')), 'copy.sqlite');
    const result = await backupDatabase(path, destination);
    const after = maxId();
    writer.stdin.end();
    const finished = JSON.parse(String((await lines.next()).value)) as { exchanges: number };
    await once(writer, 'exit');

    if (!result.ok) throw new Error(result.message);
    console.log(`backup: ${(result.bytes / 1e6).toFixed(1)} MB in ${result.ms} ms while a writer added ${finished.exchanges} exchanges`);
    expect(after).toBeGreaterThan(before); // the writer kept committing during the copy
    expect(checkIntegrity(destination)).toEqual({ ok: true });
    const copy = new Database(destination, { readonly: true });
    const { count, max } = copy.prepare('SELECT COUNT(*) AS count, MAX(id) AS max FROM turns').get() as { count: number; max: number };
    const writerTurns = copy.prepare(`SELECT COUNT(*) FROM turns WHERE channel_id = 'writer'`).pluck().get() as number;
    expect(copy.pragma('user_version', { simple: true })).toBe(MIGRATIONS.at(-1)!.version);
    copy.close();
    db.close();
    expect(max).toBeGreaterThanOrEqual(before);
    expect(max).toBeLessThanOrEqual(after);
    expect(count).toBe(max); // no row missing below the newest: one snapshot
    expect(writerTurns % 2).toBe(0); // every exchange whole: a question never without its answer
  }, 60_000);

  test('refuses the database itself, a missing source and a missing folder, without writing anything', async () => {
    const path = tempDatabasePath();
    botDatabase(path, 10).close();
    expect(await backupDatabase(path, path, { force: true })).toMatchObject({ ok: false, message: expect.stringContaining('the database itself') });
    expect(await backupDatabase(`${path}.missing`, `${path}.copy`)).toMatchObject({ ok: false, message: expect.stringContaining('There is no database') });
    expect(await backupDatabase(path, join(path, '..', 'nope', 'copy.sqlite'))).toMatchObject({ ok: false, message: expect.stringContaining('does not exist') });
  });
});

describe('npm run backup (scripts/backup.ts)', () => {
  test('reads DATABASE_PATH from .env without a token or API key; refuses to overwrite unless --force; --check finds damage', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'bot-backup-cli-'));
    mkdirSync(join(folder, 'data'));
    botDatabase(join(folder, 'data', 'bot.sqlite'), 2_000).close();
    writeFileSync(join(folder, '.env'), 'DATABASE_PATH=data/bot.sqlite\n');

    const made = await runScript(['copy.sqlite'], folder);
    expect(made).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Backed up data\/bot\.sqlite to copy\.sqlite: [\d.]+ MB \([\d,]+ pages\) in \d+ ms; integrity_check ok\.\n$/) });
    expect(checkIntegrity(join(folder, 'copy.sqlite'))).toEqual({ ok: true });

    writeFileSync(join(folder, 'keep.txt'), 'keep me');
    const refused = await runScript(['keep.txt'], folder);
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringContaining('keep.txt already exists; choose a new file name, or add --force') });
    expect(readFileSync(join(folder, 'keep.txt'), 'utf8')).toBe('keep me');
    expect((await runScript(['keep.txt', '--force'], folder)).code).toBe(0);
    expect(checkIntegrity(join(folder, 'keep.txt'))).toEqual({ ok: true });

    expect((await runScript(['--check', 'copy.sqlite'], folder)).code).toBe(0);
    const damaged = readFileSync(join(folder, 'copy.sqlite'));
    damaged.fill(0x5a, 4096 * 3, 4096 * 12);
    writeFileSync(join(folder, 'damaged.sqlite'), damaged);
    const check = await runScript(['--check', 'damaged.sqlite'], folder);
    expect(check).toMatchObject({ code: 1, stderr: expect.stringContaining('damaged.sqlite: integrity_check failed:') });
  }, 120_000);

  test('exits non-zero on a bad path or a missing database, and 2 on wrong arguments', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'bot-backup-cli-'));
    botDatabase(join(folder, 'bot.sqlite'), 10).close();
    const env = { DATABASE_PATH: join(folder, 'bot.sqlite') };
    expect(await runScript([join(folder, 'no', 'such', 'folder.sqlite')], folder, env)).toMatchObject({ code: 1, stderr: expect.stringContaining('does not exist') });
    expect(await runScript(['copy.sqlite'], folder, { DATABASE_PATH: join(folder, 'missing.sqlite') })).toMatchObject({ code: 1, stderr: expect.stringContaining('There is no database') });
    expect(await runScript([], folder, env)).toMatchObject({ code: 2, stderr: expect.stringContaining('Usage: npm run backup -- <file>') });
  }, 120_000);
});
