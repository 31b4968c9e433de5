// `leakcheck baseline`: runs Jest (or reads the reports of runs already made) and writes the
// baseline of known leaks from what leaks now. The Jest run gets this package's reporter and
// two variables: the run is a baseline run (a missing baseline is an empty one, strictBaseline
// does not apply, the reporter writes the baselines), and where the reporter says what it did.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { BASELINE_RUN_ENV, type BaselineRun } from '../baseline/load';
import { updateBaselines, type BaselineWrite } from '../baseline/update';
import { BASELINE_RESULT_ENV, formatBaselineWrites, type BaselineResult } from '../report/reporter';
import { mergeReports } from './merge';

export interface Output {
  out(line: string): void;
  err(line: string): void;
}

const NOT_CONFIGURED =
  'No test file of the run has a baseline: set its path in the Jest config first, e.g.\n' +
  "  testEnvironmentOptions: { leakcheck: { baseline: 'leakcheck-baseline.json' } }\n" +
  'then run this command again to create it.';

/** Jest's command line: `--jest` as given, or the `jest` package the current folder resolves. */
function jestBin(given: string | undefined, cwd: string): string {
  if (given !== undefined) return path.resolve(cwd, given);
  try {
    return require.resolve('jest/bin/jest', { paths: [cwd] });
  } catch {
    throw new Error(`cannot find Jest from ${cwd}: install jest, run this command from the project, or name Jest's bin with --jest <path>.`);
  }
}

function finish(writes: readonly BaselineWrite[], output: Output): number {
  if (writes.length === 0) {
    output.err(NOT_CONFIGURED);
    return 1;
  }
  return 0;
}

/** From reports already written (shards): merged, then the baselines they name are updated. */
export function baselineFromReports(reports: readonly string[], run: BaselineRun, root: string, output: Output): number {
  const writes = updateBaselines(mergeReports(reports).document, root, run);
  for (const line of formatBaselineWrites(writes)) output.out(line);
  return finish(writes, output);
}

/** Runs Jest with `jestArgs` in `cwd` as a baseline run; its reporter writes the baselines. */
export function baselineFromJest(jestArgs: readonly string[], run: BaselineRun, options: { cwd: string; jest?: string }, output: Output): number {
  const bin = jestBin(options.jest, options.cwd);
  const dir = mkdtempSync(path.join(tmpdir(), 'leakcheck-baseline-'));
  const resultFile = path.join(dir, 'result.json');
  try {
    // The user's reporters give way to Jest's default and this package's, which writes the baseline.
    const reporter = require.resolve('../report/reporter');
    const child = spawnSync(process.execPath, [bin, ...jestArgs, '--reporters=default', `--reporters=${reporter}`], {
      cwd: options.cwd,
      stdio: 'inherit',
      env: { ...process.env, [BASELINE_RUN_ENV]: run, [BASELINE_RESULT_ENV]: resultFile },
    });
    let result: BaselineResult;
    try {
      result = JSON.parse(readFileSync(resultFile, 'utf8')) as BaselineResult;
    } catch {
      const how = child.error ? child.error.message : child.signal ? `signal ${child.signal}` : `exit code ${String(child.status)}`;
      output.err(`Jest did not finish the run (${how}): no baseline was written.`);
      return 2;
    }
    return finish(result.writes, output);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
