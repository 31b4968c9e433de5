// The `leakcheck` command: `npx leakcheck --help`.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { staleSummary } from '../baseline/messages';
import { writeLeakReport } from '../report/json';
import { formatSummary } from '../report/reporter';
import { baselineFromJest, baselineFromReports, type Output } from './baseline';
import { mergedRunFails, mergeReports } from './merge';

export const HELP = `Usage: leakcheck <command> [options]

Commands:
  merge <report.json>... [--output <file>]
      Merges the JSON reports of sharded runs (the reporter's outputFile) and prints
      the run's summary. Exits 1 when a leak failed a test or file, or a stale
      baseline entry breaks strictBaseline.

  baseline [--prune] [--jest <path>] [-- <jest arguments>]
      Runs Jest and writes the baseline of known leaks (the \`baseline\` option of
      testEnvironmentOptions.leakcheck) from what leaks now. Entries of test files
      that did not run, and of skipped tests, are kept.
      --prune   only lower or remove entries that no longer leak; add nothing
      --jest    Jest's bin (default: the jest package of the current folder)

  baseline [--prune] --from <report.json>...
      The same from the reports of runs already made (e.g. every shard's).

Options:
  -h, --help      this help
  -v, --version   the version of jest-environment-leakcheck

Examples:
  npx leakcheck baseline                    # adopt: known leaks stop failing
  npx leakcheck baseline -- test/api        # update the entries of some files
  npx leakcheck baseline --prune            # after fixing leaks
  npx leakcheck merge leaks-*.json --output leaks.json
`;

const STD: Output = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

class UsageError extends Error {}

function version(): string {
  const manifest = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
  return manifest.version;
}

function parse(args: readonly string[], options: ParseArgsConfig['options']): ReturnType<typeof parseArgs> {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message.replace(/\. To specify a positional.*$/s, '.') : String(error));
  }
}

function merge(args: readonly string[], cwd: string, output: Output): number {
  const { values, positionals } = parse(args, { output: { type: 'string', short: 'o' } });
  if (positionals.length === 0) throw new UsageError('merge needs the JSON reports to merge, e.g. leakcheck merge leaks-1.json leaks-2.json');
  const { document, summary } = mergeReports(positionals.map((file) => path.resolve(cwd, file)));
  if (typeof values.output === 'string') writeLeakReport(path.resolve(cwd, values.output), document);
  for (const line of [...formatSummary(summary), ...staleSummary(document.stale)]) output.err(line);
  return mergedRunFails(document) ? 1 : 0;
}

function baseline(args: readonly string[], cwd: string, output: Output): number {
  // Everything after `--` is Jest's.
  const split = args.indexOf('--');
  const own = split === -1 ? args : args.slice(0, split);
  const jestArgs = split === -1 ? [] : args.slice(split + 1);
  const { values, positionals } = parse(own, {
    prune: { type: 'boolean' },
    from: { type: 'string', multiple: true },
    jest: { type: 'string' },
  });
  const run = values.prune === true ? 'prune' : 'write';
  const from = Array.isArray(values.from) ? values.from.filter((v): v is string => typeof v === 'string') : [];
  if (from.length > 0) {
    if (jestArgs.length > 0 || values.jest !== undefined) throw new UsageError('baseline --from reads reports of runs already made: it takes no Jest arguments or --jest.');
    return baselineFromReports([...from, ...positionals].map((file) => path.resolve(cwd, file)), run, cwd, output);
  }
  if (positionals.length > 0) throw new UsageError(`unexpected ${positionals.map((p) => `"${p}"`).join(' ')}: Jest's arguments go after --, e.g. leakcheck baseline -- ${positionals.join(' ')}`);
  return baselineFromJest(jestArgs, run, { cwd, jest: typeof values.jest === 'string' ? values.jest : undefined }, output);
}

/** Runs the command line; resolves to the exit code. */
export async function main(args: readonly string[], cwd: string = process.cwd(), output: Output = STD): Promise<number> {
  const [command, ...rest] = args;
  try {
    if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
      (command === undefined ? output.err : output.out)(HELP);
      return command === undefined ? 1 : 0;
    }
    if (command === '-v' || command === '--version') {
      output.out(version());
      return 0;
    }
    if (rest.includes('-h') || rest.includes('--help')) {
      output.out(HELP);
      return 0;
    }
    if (command === 'merge') return merge(rest, cwd, output);
    if (command === 'baseline') return baseline(rest, cwd, output);
    throw new UsageError(`unknown command "${command}": the commands are merge and baseline.`);
  } catch (error) {
    if (error instanceof UsageError) {
      output.err(`leakcheck: ${error.message}\nRun leakcheck --help for usage.`);
      return 2;
    }
    output.err(`leakcheck: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
}
