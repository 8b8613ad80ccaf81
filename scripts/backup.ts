/**
 * `npm run backup -- <file> [--force]`: a consistent copy of the bot's database (DATABASE_PATH, read from
 * .env like the bot does), safe while the bot runs. `npm run backup -- --check <file>`: integrity_check only.
 * Exit code 0 = done and checked, 1 = failed, 2 = wrong arguments.
 */
import { config as loadDotenv } from 'dotenv';
import { ConfigError, loadDatabasePath } from '../src/config.ts';
import { backupDatabase, checkIntegrity } from '../src/db/backup.ts';

const USAGE = 'Usage: npm run backup -- <file> [--force]     copy the database (DATABASE_PATH) to <file>\n'
  + '       npm run backup -- --check <file>          run integrity_check on a copy\n';
const FLAGS = new Set(['--force', '--check']);

const out = (text: string) => process.stdout.write(`${text}\n`);
const fail = (text: string, problems: string[] = []) => {
  process.stderr.write(`${[text, ...problems.map((p) => `  - ${p}`)].join('\n')}\n`);
  return 1;
};

async function main(args: string[]): Promise<number> {
  const files = args.filter((a) => !a.startsWith('--'));
  if (files.length !== 1 || args.some((a) => a.startsWith('--') && !FLAGS.has(a))) {
    process.stderr.write(USAGE);
    return 2;
  }
  const file = files[0]!;
  if (args.includes('--check')) {
    const result = checkIntegrity(file);
    if (!result.ok) return fail(`${file}: integrity_check failed:`, result.problems);
    out(`${file}: integrity_check ok`);
    return 0;
  }
  loadDotenv({ quiet: true });
  let source: string;
  try {
    source = loadDatabasePath();
  } catch (error) {
    if (error instanceof ConfigError) return fail(error.message);
    throw error;
  }
  const result = await backupDatabase(source, file, { force: args.includes('--force') });
  if (!result.ok) return fail(result.message, result.problems);
  const mb = (result.bytes / 1_000_000).toFixed(1);
  out(`Backed up ${source} to ${file}: ${mb} MB (${result.pages.toLocaleString('en-US')} pages) in ${result.ms} ms; integrity_check ok.`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
