/**
 * Builds dist/ from src/, and only when the sources changed since the last build: tsc checks the types
 * (code that doesn't compile is refused), then esbuild bundles the bot and its libraries into a few files
 * (loading hundreds of separate modules was most of the start-up). A fingerprint of every file the output
 * depends on is written next to the output (scripts/fingerprint.mjs). `npm install` runs it (prepare) and `npm start`
 * checks it (scripts/start.mjs), so a stale build never runs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { buildState, DEFAULT_ROOT, FINGERPRINT_FILE, fingerprintOf } from './fingerprint.mjs';
import { slimMap } from './sourceMaps.mjs';

/**
 * What runs: the bot, the process of one shard (src/sharding/manager.ts starts `shard.js` next to its own file), and
 * stackTrace.js, which start.mjs maps a crash's stack with, even when index.js itself failed to load.
 */
const ENTRY_POINTS = { index: 'src/index.ts', shard: 'src/sharding/shard.ts', stackTrace: 'src/stackTrace.ts' };
/**
 * Loaded from node_modules at run time, not bundled: native add-ons (SQLite, the chart canvas), pino (its transports run files by path),
 * and the optional speed-ups of discord.js and ws that are usually not installed.
 */
const NOT_BUNDLED = ['better-sqlite3', '@napi-rs/canvas', 'pino', 'pino-pretty', 'zlib-sync', 'bufferutil', 'utf-8-validate', 'erlpack', '@discordjs/voice'];
/**
 * CommonJS libraries that many of the bot's files import. esbuild gives every importing file its own copy of a CommonJS
 * module's exports, one getter function per export (discord.js: 78 files × ~540 getters, about 4 MB of heap); sending
 * those imports through one ES module that re-exports the library leaves a single copy.
 */
const SHARED_COMMONJS = ['discord.js'];
/** CommonJS libraries inside an ES module bundle still call require (Node's built-ins, and the modules above). */
const REQUIRE_BANNER = "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);";

function tscPath(root) {
  try {
    return join(dirname(createRequire(join(root, 'package.json')).resolve('typescript/package.json')), 'bin', 'tsc');
  } catch {
    throw new Error('Building the bot needs TypeScript, a development dependency: run `npm install` (without --omit=dev) first.');
  }
}

/**
 * Checks the types, bundles into a fresh folder, then swaps it in: a bot already running keeps its files,
 * and two builds at once each produce a complete dist/. Returns the fingerprint built.
 */
export function build(root = DEFAULT_ROOT) {
  const stamp = fingerprintOf(root);
  const temp = join(root, `dist.building-${process.pid}`);
  const old = join(root, `dist.old-${process.pid}`);
  rmSync(temp, { recursive: true, force: true });
  // tsc reports errors on stdout: sent to stderr, so a start that fails prints nothing on the bot's stdout.
  const tsc = spawnSync(process.execPath, [tscPath(root), '-p', join(root, 'tsconfig.build.json'), '--noEmit'], { cwd: root, stdio: ['ignore', 2, 2] });
  if (tsc.status !== 0) throw new Error(`tsc failed (exit ${tsc.status ?? tsc.signal}): the bot was not built.`);
  try {
    bundle(root, temp);
    writeFileSync(join(temp, FINGERPRINT_FILE), stamp);
  } catch (error) {
    rmSync(temp, { recursive: true, force: true });
    throw error;
  }
  if (existsSync(join(root, 'dist'))) renameSync(join(root, 'dist'), old);
  try {
    renameSync(temp, join(root, 'dist'));
  } catch {
    // Another build swapped its complete output in first: keep that one.
  }
  rmSync(old, { recursive: true, force: true });
  rmSync(temp, { recursive: true, force: true });
  return stamp.split('\n')[0];
}

function esbuildOf(root) {
  try {
    return createRequire(join(root, 'package.json'))('esbuild');
  } catch {
    throw new Error('Building the bot needs esbuild, a development dependency: run `npm install` (without --omit=dev) first.');
  }
}

/** A name an ES module can export as a `const`. */
const EXPORTABLE = /^[A-Za-z_$][\w$]*$/;

/**
 * Writes one module per SHARED_COMMONJS library into `folder`, exporting each of the library's exports (read from the library
 * itself) as a plain constant: `export *` would leave every use going through two getters. It imports the library by path,
 * so the alias doesn't catch it.
 */
function sharedCommonJsAliases(root, folder) {
  const requireFromRoot = createRequire(join(root, 'package.json'));
  return Object.fromEntries(SHARED_COMMONJS.map((name, n) => {
    const file = join(folder, `shared-commonjs-${n}.mjs`);
    const names = Object.keys(requireFromRoot(name)).filter((key) => EXPORTABLE.test(key) && key !== 'default');
    writeFileSync(file, `import library from ${JSON.stringify(requireFromRoot.resolve(name))};\nexport const { ${names.join(', ')} } = library;\nexport default library;\n`);
    return [name, file];
  }));
}

/**
 * How esbuild bundles (without entry points and output folder; `shared` is a temporary folder for the aliases).
 * keepNames: a bundle renames classes whose names collide (GuildMessageManager → GuildMessageManager2), and discord.js
 * picks each manager's cache limit by its class name (Options.cacheWithLimits): without it no limit of src/discordCache.ts
 * applied and every message, member and user stayed cached (RSS 126 → ~400 MB after 100,000 messages in `npm run bench servers`).
 */
export function bundleOptions(root, shared) {
  return {
    entryNames: '[name]', chunkNames: '[name]-[hash]',
    bundle: true, splitting: true, format: 'esm', platform: 'node', target: 'node20', keepNames: true,
    external: NOT_BUNDLED, banner: { js: REQUIRE_BANNER }, alias: sharedCommonJsAliases(root, shared),
    // Minified (all ASCII, so one byte a character): V8 keeps each loaded script's source in memory, and the main chunk
    // went from 2.9 to 2.1 MB (idle RSS 100-101 -> 96-97 MB, start-up 50 ms less). Functions and classes keep their
    // `.name` (keepNames, what discord.js and undici compare); a logged stack frame of the bot's own code is mapped back to
    // its src/ file and line, and to the class and function names the minifier changed (source maps, src/stackTrace.ts).
    minifyWhitespace: true, minifyIdentifiers: true, minifySyntax: true, sourcemap: 'linked', sourcesContent: false, legalComments: 'none', logLevel: 'silent', absWorkingDir: root,
  };
}

/**
 * esbuild: one ES module per entry point plus the chunks they share, all in `outdir` (so `shard.js` sits next to
 * the code that starts it). Source maps are cut down to src/ lines and renamed declarations (see scripts/sourceMaps.mjs).
 */
function bundle(root, outdir) {
  const entryPoints = Object.fromEntries(Object.entries(ENTRY_POINTS).filter(([, file]) => existsSync(join(root, file))).map(([name, file]) => [name, join(root, file)]));
  const shared = mkdtempSync(join(tmpdir(), 'bot-build-'));
  let result;
  try {
    result = esbuildOf(root).buildSync({ entryPoints, outdir, ...bundleOptions(root, shared) });
  } finally {
    rmSync(shared, { recursive: true, force: true });
  }
  for (const warning of result.warnings) process.stderr.write(`esbuild: ${warning.text}\n`);
  slimSourceMaps(outdir);
}

/** Rewrites each of esbuild's source maps in `outdir` as the cut-down map the bot reads (scripts/sourceMaps.mjs). */
export function slimSourceMaps(outdir) {
  for (const file of readdirSync(outdir).filter((name) => name.endsWith('.js.map'))) {
    const code = readFileSync(join(outdir, file.slice(0, -'.map'.length)), 'utf8');
    writeFileSync(join(outdir, file), JSON.stringify(slimMap(JSON.parse(readFileSync(join(outdir, file), 'utf8')), code)));
  }
}

/** Builds unless dist/ is already fresh; returns what it found. */
export function buildIfStale(root = DEFAULT_ROOT) {
  const state = buildState(root);
  if (state !== 'fresh') build(root);
  return state;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const state = process.argv.includes('--force') ? (build(), 'forced') : buildIfStale();
    process.stdout.write(state === 'fresh' ? 'dist/ is up to date.\n' : `dist/ built (${state === 'forced' ? 'forced' : `was ${state}`}).\n`);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
