// Runs real Jest (spawned, --json) over a fixture project under test/fixtures and returns
// its parsed results, so tests assert on what a user would see.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
export const FIXTURES = path.join(ROOT, 'test/fixtures');

/** Which Jest runs the fixture: the project's Jest 30, or Jest 29 (installed as `jest29`). */
export type JestVersion = 30 | 29;

/**
 * The Jest versions the version-parametrised tests run on: both, or only those listed in
 * LEAKCHECK_TEST_JEST (e.g. `LEAKCHECK_TEST_JEST=30 npx jest test/promises.test.ts`).
 */
export const JEST_VERSIONS: readonly JestVersion[] = jestVersions(process.env.LEAKCHECK_TEST_JEST);

/**
 * The two ways a pending promise is found to be garbage (see src/track/promise-tracker.ts):
 * each Jest version with each, for the suites whose verdicts must not depend on it. The
 * value goes into JEST_LEAKCHECK_WATCH_PROMISES.
 */
export const PROMISE_WATCHING: ReadonlyArray<readonly [JestVersion, 'by reference' | 'watched', { JEST_LEAKCHECK_WATCH_PROMISES: string }]> = JEST_VERSIONS.flatMap((jest) => [
  [jest, 'by reference', { JEST_LEAKCHECK_WATCH_PROMISES: 'never' }] as const,
  [jest, 'watched', { JEST_LEAKCHECK_WATCH_PROMISES: 'always' }] as const,
]);

function jestVersions(setting: string | undefined): JestVersion[] {
  if (setting === undefined || setting.trim() === '') return [30, 29];
  const versions = setting.split(',').map((v) => Number(v.trim()));
  const bad = versions.filter((v) => v !== 30 && v !== 29);
  if (bad.length > 0) throw new Error(`LEAKCHECK_TEST_JEST must list 30 and/or 29 (e.g. "30" or "30,29"), but instead received: ${JSON.stringify(setting)}`);
  return versions as JestVersion[];
}

export interface AssertionResult {
  readonly title: string;
  readonly fullName: string;
  readonly ancestorTitles: readonly string[];
  readonly status: 'passed' | 'failed' | 'pending' | 'todo' | 'skipped' | 'disabled';
  readonly failureMessages: readonly string[];
}

export interface FileResult {
  readonly name: string;
  readonly status: 'passed' | 'failed';
  readonly message: string;
  readonly assertionResults: readonly AssertionResult[];
}

export interface JestRun {
  readonly exitCode: number | null;
  /** The signal that ended Jest, if any (SIGTERM: it was killed at the run's timeout). */
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly numFailedTests: number;
  readonly numPassedTests: number;
  readonly numRuntimeErrorTestSuites: number;
  readonly files: readonly FileResult[];
  /** The one result for a test, by title or full name ("describe title"); throws if absent. */
  test(name: string): AssertionResult;
  /** The result of one test file, by a unique part of its path. */
  file(part: string): FileResult;
}

export interface RunOptions {
  readonly args?: readonly string[];
  /** Only these test files of the fixture (paths relative to it); default: all of them. */
  readonly files?: readonly string[];
  readonly jest?: JestVersion;
  /** Jest's bin to run instead of the repo's (a project's own installed Jest). */
  readonly bin?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
  /** Pass --forceExit (default true); false: the run must exit by itself, or it is killed at timeoutMs. */
  readonly forceExit?: boolean;
}

/** The bin of a Jest version, as `npx leakcheck baseline --jest` takes it. */
export function jestBin(version: JestVersion): string {
  return BIN[version];
}

const BIN: Record<JestVersion, string> = {
  30: path.join(ROOT, 'node_modules/jest/bin/jest.js'),
  29: path.join(ROOT, 'node_modules/jest29/bin/jest.js'),
};

/** Runs Jest in `test/fixtures/<fixture>` (its own jest.config.js) and parses --json. */
export function runJest(fixture: string, options: RunOptions = {}): JestRun {
  return runJestIn(path.join(FIXTURES, fixture), options, fixture);
}

/** Runs Jest in any project directory (e.g. a temporary install), as `runJest` does. */
export function runJestIn(cwd: string, options: RunOptions = {}, fixture: string = cwd): JestRun {
  const out = mkdtempSync(path.join(tmpdir(), 'leakcheck-run-'));
  const outputFile = path.join(out, 'result.json');
  try {
    const child = spawnSync(
      process.execPath,
      [
        options.bin ?? BIN[options.jest ?? 30],
        '--ci',
        '--json',
        `--outputFile=${outputFile}`,
        ...(options.forceExit === false ? [] : ['--forceExit']),
        '--no-cache',
        ...(options.args ?? []),
        ...(options.files === undefined ? [] : ['--runTestsByPath', ...options.files.map((file) => path.resolve(cwd, file))]),
      ],
      {
        cwd,
        encoding: 'utf8',
        timeout: options.timeoutMs ?? 90_000,
        env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1', ...options.env },
      },
    );
    let parsed: { numFailedTests: number; numPassedTests: number; numRuntimeErrorTestSuites: number; testResults: FileResult[] };
    try {
      parsed = JSON.parse(readFileSync(outputFile, 'utf8')) as typeof parsed;
    } catch {
      throw new Error(`jest in ${fixture} wrote no JSON (exit ${String(child.status)}, signal ${String(child.signal)}):\n${child.stderr}\n${child.stdout}`);
    }
    const files = parsed.testResults;
    const all = files.flatMap((f) => f.assertionResults);
    return {
      exitCode: child.status,
      signal: child.signal,
      stdout: child.stdout,
      stderr: child.stderr,
      numFailedTests: parsed.numFailedTests,
      numPassedTests: parsed.numPassedTests,
      numRuntimeErrorTestSuites: parsed.numRuntimeErrorTestSuites,
      files,
      test(name) {
        const found = all.filter((t) => t.title === name || t.fullName === name);
        if (found.length !== 1) {
          throw new Error(`expected one test named "${name}" in ${fixture}, found ${found.length}: ${all.map((t) => t.fullName).join(', ')}`);
        }
        return found[0];
      },
      file(part) {
        const found = files.filter((f) => f.name.includes(part));
        if (found.length !== 1) throw new Error(`expected one file matching "${part}" in ${fixture}, found ${found.length}`);
        return found[0];
      },
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** All failure text of a test, joined. */
export function failureText(result: AssertionResult): string {
  return result.failureMessages.join('\n');
}

/** Asserts that the test passed, with no failure message. */
export function expectPassed(run: JestRun, name: string): void {
  expect(run.test(name)).toMatchObject({ status: 'passed', failureMessages: [] });
}

/** Asserts that the test failed and that its failure text has each of `texts`; returns the text. */
export function expectFailedWith(run: JestRun, name: string, ...texts: Array<string | RegExp>): string {
  const result = run.test(name);
  expect(result.status).toBe('failed');
  const text = failureText(result);
  for (const expected of texts) {
    if (typeof expected === 'string') expect(text).toContain(expected);
    else expect(text).toMatch(expected);
  }
  return text;
}
