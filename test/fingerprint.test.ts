import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, test } from 'vitest';
import { buildState, fingerprintOf, FINGERPRINT_FILE, sourceFingerprint } from '../scripts/fingerprint.mjs';

/** A project with two sources and a build stamp written as scripts/build.mjs writes it (no compiling needed here). */
let root: string;
const stamp = (text: string) => writeFileSync(join(root, 'dist', FINGERPRINT_FILE), text);
const source = (name: string) => join(root, 'src', name);

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'bot-fingerprint-'));
  mkdirSync(join(root, 'src', 'services'), { recursive: true });
  mkdirSync(join(root, 'dist'));
  writeFileSync(join(root, 'tsconfig.json'), '{}\n');
  writeFileSync(source('index.ts'), "export const word = 'first';\n");
  writeFileSync(source('services/a.ts'), 'export const a = 1;\n');
  // Saved a minute before the build, as sources usually are (one saved just before it: see the racy test below).
  const before = new Date(Date.now() - 60_000);
  for (const file of ['tsconfig.json', 'src/index.ts', 'src/services/a.ts']) utimesSync(join(root, file), before, before);
  stamp(fingerprintOf(root));
});

describe('whether dist/ was built from the current sources', () => {
  test('the stamp just written: fresh; an empty one: stale; none: missing', () => {
    expect(buildState(root)).toBe('fresh');
    stamp('');
    expect(buildState(root)).toBe('stale');
    rmSync(join(root, 'dist', FINGERPRINT_FILE));
    expect(buildState(root)).toBe('missing');
  });

  test('sources untouched since the build: fresh from their sizes and times alone, without reading them', () => {
    // A contents line that matches nothing: only the stat line can make this fresh.
    const [, stats] = fingerprintOf(root).split('\n');
    stamp(`not-the-contents\n${stats}\n`);
    expect(buildState(root)).toBe('fresh');
  });

  test('a file rewritten with the same size and an older time is stale (the contents decide once the times differ)', () => {
    writeFileSync(source('index.ts'), "export const word = 'other';\n");
    utimesSync(source('index.ts'), new Date(2001, 1, 1), new Date(2001, 1, 1));
    expect(buildState(root)).toBe('stale');
  });

  test('a file saved just before the build and rewritten within the same clock tick (same size, same time) is stale', () => {
    // A file system keeping whole seconds: the build's stats and the rewrite both see the same second.
    const tick = new Date(Math.floor(Date.now() / 1000) * 1000);
    utimesSync(source('index.ts'), tick, tick);
    stamp(fingerprintOf(root));
    writeFileSync(source('index.ts'), "export const word = 'other';\n");
    utimesSync(source('index.ts'), tick, tick);
    expect(buildState(root)).toBe('stale');
  });

  test('a file touched but not changed is still fresh (its contents match)', () => {
    utimesSync(source('services/a.ts'), new Date(), new Date(Date.now() + 5_000));
    expect(buildState(root)).toBe('fresh');
  });

  test.each([
    ['a file added', () => writeFileSync(source('services/b.ts'), 'export const b = 2;\n')],
    ['a compiler setting changed', () => writeFileSync(join(root, 'tsconfig.json'), '{ "compilerOptions": {} }\n')],
    ['a file edited', () => writeFileSync(source('services/a.ts'), 'export const a = 2;\n')],
    ['a library installed or updated (npm rewrites node_modules/.package-lock.json)', () => {
      mkdirSync(join(root, 'node_modules'));
      writeFileSync(join(root, 'node_modules', '.package-lock.json'), '{ "packages": {} }\n');
    }],
  ])('%s: stale', (_case, change) => {
    change();
    expect(buildState(root)).toBe('stale');
  });

  test('a stamp from before the stat line (contents only) is still read: fresh when the contents match, else stale', () => {
    stamp(`${sourceFingerprint(root)}\n`);
    expect(buildState(root)).toBe('fresh');
    writeFileSync(source('index.ts'), "export const word = 'second';\n");
    expect(buildState(root)).toBe('stale');
  });
});
