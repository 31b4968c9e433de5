// How leak records travel from the environment (in a Jest worker, or in band) to the summary
// reporter (in Jest's main process): one JSON file per test file in a run directory that the
// reporter creates in its constructor and names in an environment variable.
//
// Why a file and not the test results: what reaches a reporter is what Jest serialises of a
// TestResult, and the environment can only add to it through errors. Errors do not exist in
// warn mode, and console output is dropped under --silent; both must be counted. Jest builds
// its reporters before it spawns its workers, and jest-worker starts each child (or worker
// thread) with a copy of the parent's process.env, so every worker sees the variable; in band
// the environment runs in the reporter's own process. The environment writes its file in
// teardown, which Jest awaits before it reports the file's result: the reporter's
// onTestResult always finds it complete. Without the reporter the variable is unset and
// nothing is written. (Checked end to end in test/reporter.test.ts: Jest 29 and 30,
// --runInBand and --maxWorkers=2.)
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { StaleEntry } from '../baseline/allowance';
import type { Mode } from '../config/options';
import type { LeakRecord } from './report';
import { writeFileAtomically } from './write-file';

/** The run directory's path, set by the reporter for the environments of its run. */
export const RECORDS_DIR_ENV = 'JEST_LEAKCHECK_RECORDS_DIR';

/** What one test file's environment sends: the mode in force and every leak record. */
export interface FileRecords {
  readonly version: 1;
  /** Absolute, as Jest names the test file. */
  readonly testPath: string;
  /** The mode in force for the file ('off' also for `@leakcheck-allow`): 'off' means not checked. */
  readonly mode: Mode;
  readonly records: readonly LeakRecord[];
  /** Every test of the file by full name: whether it ran (for the baseline: a skipped test's entries are kept). */
  readonly tests: Readonly<Record<string, 'ran' | 'skipped'>>;
  /** The baseline in force for the file (absolute path), and the entries it leaked less than. */
  readonly baseline: { readonly path: string; readonly strict: boolean; readonly stale: readonly StaleEntry[] } | null;
  /** With `verbose`: the config's ignore rules that matched nothing in this file, described (told once for the run by the reporter); null without. */
  readonly unusedRules: readonly string[] | null;
}

/** The file one test file's records go to: named by a hash of its path (any length, any characters). */
function fileFor(dir: string, testPath: string): string {
  return path.join(dir, `${createHash('sha1').update(testPath).digest('hex')}.json`);
}

/** A fresh run directory, named in this process's environment so that workers spawned later inherit it. */
export function openRun(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'jest-leakcheck-'));
  process.env[RECORDS_DIR_ENV] = dir;
  return dir;
}

/** Whether a summary reporter receives this process's records (its run directory is named). */
export function reporterListens(env: NodeJS.ProcessEnv = process.env): boolean {
  const dir = env[RECORDS_DIR_ENV];
  return dir !== undefined && dir !== '';
}

/** Keys already claimed by this process, for runs without the reporter's run directory. */
const claimed = new Set<string>();

/**
 * True the first time `key` is claimed in this run: across workers through the run directory
 * when the reporter opened one (a file created exclusively), else within this process.
 * For what is the same in every test file (an options error): said once, not once per file.
 */
export function firstInRun(key: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const hash = createHash('sha1').update(key).digest('hex');
  if (reporterListens(env)) {
    try {
      writeFileSync(path.join(env[RECORDS_DIR_ENV] as string, `once-${hash}`), '', { flag: 'wx' });
      return true;
    } catch {
      // EEXIST: another file claimed it. Any other failure: say it again rather than never.
      return !existsSync(path.join(env[RECORDS_DIR_ENV] as string, `once-${hash}`));
    }
  }
  if (claimed.has(hash)) return false;
  claimed.add(hash);
  return true;
}

/** Removes the run directory (at the end of the run). */
export function closeRun(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  if (process.env[RECORDS_DIR_ENV] === dir) delete process.env[RECORDS_DIR_ENV];
}

/**
 * Sends a test file's records, when a reporter listens. Written to a temporary name and
 * renamed: the reporter never reads half a file. Throws on an I/O error.
 */
export function sendRecords(records: FileRecords, env: NodeJS.ProcessEnv = process.env): void {
  const dir = env[RECORDS_DIR_ENV];
  if (dir === undefined || dir === '') return;
  writeFileAtomically(fileFor(dir, records.testPath), JSON.stringify(records));
}

/**
 * Takes a test file's records out of the run directory: undefined when its environment sent
 * none (another testEnvironment, or it failed before its teardown). Removed once read, so a
 * file run again (watch mode, another project) is counted again.
 */
export function receiveRecords(dir: string, testPath: string): FileRecords | undefined {
  const file = fileFor(dir, testPath);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  rmSync(file, { force: true });
  const parsed = JSON.parse(text) as FileRecords;
  return parsed.version === 1 ? parsed : undefined;
}
