/**
 * `npm test`'s first step: the type check and the linter at once (each uses one core; one after the other left the
 * second core idle for ~20 s). Each tool's output is printed whole once it ends; exits 1 if either failed.
 * Both keep a cache of unchanged files (.tsbuildinfo, .eslintcache; git ignores them): sound here, since tsc's
 * incremental mode re-checks every dependant of a changed file and the lint rules read one file at a time
 * (none of typescript-eslint's type-checked presets is on; with one, --cache would miss cross-file changes).
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import process from 'node:process';

const require = createRequire(import.meta.url);
/** A package's command-line entry, as its package.json names it (eslint exports no path to its bin). */
const bin = (pkg, command) => {
  const manifest = require.resolve(`${pkg}/package.json`);
  return join(dirname(manifest), require(manifest).bin[command]);
};
const CHECKS = [
  ['tsc', bin('typescript', 'tsc'), ['--noEmit', '--incremental', '--tsBuildInfoFile', '.tsbuildinfo']],
  ['eslint', bin('eslint', 'eslint'), ['.', '--cache', '--cache-location', '.eslintcache']],
];

function run([name, bin, args]) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => { output += chunk; });
    child.stderr.on('data', (chunk) => { output += chunk; });
    child.on('close', (code, signal) => resolve({ name, ok: code === 0, output, code: code ?? signal }));
    child.on('error', (error) => resolve({ name, ok: false, output: `${error.message}\n`, code: 'spawn error' }));
  });
}

const results = await Promise.all(CHECKS.map(run));
for (const { name, ok, output, code } of results) {
  process.stdout.write(output);
  if (!ok) process.stderr.write(`${name} failed (exit ${code}).\n`);
}
process.exitCode = results.every((r) => r.ok) ? 0 : 1;
