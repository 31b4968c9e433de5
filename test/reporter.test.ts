// The summary reporter and the leak records it receives: end to end with real Jest, in band
// and with workers, on both Jest versions; and the summary's counting on its own.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { LeakRecord } from '../src/report/report';
import { formatSummary, summarize } from '../src/report/reporter';
import { failureText, JEST_VERSIONS, runJest, type JestRun, type JestVersion } from './helpers/run-jest';

interface Dumped {
  readonly run: JestRun;
  readonly records: LeakRecord[];
}

/** Runs the fixture; its reporter also dumps the records it received. */
function runWithRecords(jest: JestVersion, args: readonly string[], env: NodeJS.ProcessEnv = {}): Dumped {
  const dir = mkdtempSync(path.join(tmpdir(), 'leakcheck-dump-'));
  const dump = path.join(dir, 'records.json');
  try {
    const run = runJest('reporter', { jest, args, env: { LEAKCHECK_DUMP: dump, ...env } });
    return { run, records: JSON.parse(readFileSync(dump, 'utf8')) as LeakRecord[] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const SUMMARY_FAILING = 'leakcheck: 11 leaked resources (timer ×11) failed 3 tests and 1 file.';
const SUMMARY_WARNED = "leakcheck (warn): 1 leaked resource (timer) reported; it would fail in mode 'fail'.";
const SUMMARY_INACTIVE = "leakcheck: the check was not active in 2 of 7 test files (their testEnvironment is not leakcheck, their mode is 'off' or they have @leakcheck-allow).";

describe.each(JEST_VERSIONS.flatMap((jest) => ['--runInBand', '--maxWorkers=2'].map((workers) => [jest, workers] as const)))(
  'the summary reporter on Jest %s with %s',
  (jest, workers) => {
    let dumped: Dumped;
    beforeAll(() => {
      dumped = runWithRecords(jest, [workers]);
    });

    test('counts every leak from the records: all seven of a test whose message shows five groups, a test.failing test, the file', () => {
      expect(dumped.run.stderr).toContain(SUMMARY_FAILING);
      expect(dumped.run.stderr).toContain(SUMMARY_WARNED);
      expect(dumped.run.stderr).toContain(SUMMARY_INACTIVE);
      expect(dumped.run.test('a leak in warn mode passes').status).toBe('passed');
    });

    test('records say what the failure messages say, groups beyond the five shown included', () => {
      const seven = dumped.records.filter((r) => r.testName === 'seven › leaks at seven places');
      expect(seven).toHaveLength(7);
      seven.forEach((record, i) => {
        expect(record).toMatchObject({
          testFile: 'seven.test.js',
          scope: 'test',
          kind: 'timer',
          description: `setTimeout of ${60_001 + i} ms`,
          userFrame: { file: 'seven.test.js', line: 3 + i, column: 5 },
          count: 1,
          mode: 'fail',
          baselined: false,
          retainedBy: null,
        });
        expect(record.hint).toMatch(/clearTimeout/);
        expect(record.frames[0]).toMatch(new RegExp(`seven\\.test\\.js:${3 + i}:5\\)$`));
        // The function as the frame names it.
        expect(record.frames[0].startsWith(`at ${record.userFrame?.function} (`)).toBe(true);
      });
      const message = failureText(dumped.run.test('seven leaks at seven places'));
      for (const record of seven.slice(0, 5)) {
        expect(message).toContain(`[timer] ${record.description}\nFix: ${record.hint}\nCreated at seven.test.js:${record.userFrame?.line}:5`);
      }
      expect(message).toContain('…and 2 more leaked resources not shown.');
    });

    test('a test.failing test, the file scope and warn mode are records too', () => {
      expect(dumped.records.filter((r) => r.testFile === 'failing.test.js')).toEqual([
        expect.objectContaining({ testName: 'a failing test that leaks', scope: 'test', description: 'setInterval every 750 ms', mode: 'fail', count: 1 }),
      ]);
      const leaks = dumped.records.filter((r) => r.testFile === 'leaks.test.js');
      expect(leaks).toEqual([
        expect.objectContaining({ testName: 'two intervals from one line', scope: 'test', count: 2, userFrame: expect.objectContaining({ line: 6 }) }),
        expect.objectContaining({ testName: null, scope: 'file', count: 1, userFrame: expect.objectContaining({ line: 3 }) }),
      ]);
      expect(dumped.records.filter((r) => r.mode === 'warn')).toEqual([
        expect.objectContaining({ testFile: 'warned.test.js', testName: 'a leak in warn mode passes', description: 'setTimeout of 60000 ms' }),
      ]);
    });
  },
);

describe.each(JEST_VERSIONS)('the summary reporter on Jest %s', (jest) => {
  test('under --silent, warn-mode leaks are still counted', () => {
    const { run } = runWithRecords(jest, ['--silent']);
    expect(run.stderr).toContain(SUMMARY_WARNED);
    expect(run.stderr).not.toContain('no leaked async resources');
  });

  test('with only files where the check is not active, it says so instead of "no leaked async resources"', () => {
    const { run, records } = runWithRecords(jest, ['--selectProjects', 'node', 'off']);
    expect(records).toEqual([]);
    expect(run.stderr).toContain(
      "leakcheck: the check was not active in any of the 2 test files (their testEnvironment is not leakcheck, their mode is 'off' or they have @leakcheck-allow).",
    );
    expect(run.stderr).not.toContain('no leaked async resources');
  });

  test('LEAKCHECK_MODE=warn overrides every configured mode (mode: off too): the leaks are warned about, and counted', () => {
    const { run, records } = runWithRecords(jest, ['--maxWorkers=2'], { LEAKCHECK_MODE: 'warn' });
    expect(run.numFailedTests).toBe(0);
    expect(run.exitCode).toBe(0);
    expect(records.every((r) => r.mode === 'warn')).toBe(true);
    expect(run.stderr).toContain("leakcheck (warn): 12 leaked resources (timer ×12) reported; they would fail in mode 'fail'.");
    expect(run.stderr).toContain('the check was not active in 1 of 7 test files');
  });

  test('LEAKCHECK_MODE with another value fails each file with a validation error naming the variable', () => {
    const { run } = runWithRecords(jest, ['--selectProjects', 'fail', '--', 'clean.test.js'], { LEAKCHECK_MODE: 'wran' });
    const message = run.file('clean.test.js').message;
    expect(message).toContain('Environment variable "LEAKCHECK_MODE" must be one of "fail", "warn" or "off" (or unset), but instead received:');
    expect(message).toContain('Did you mean "warn"?');
  });

  test('a clean run says how many files were checked', () => {
    const { run } = runWithRecords(jest, ['--selectProjects', 'fail', '--', 'clean.test.js']);
    expect(run.stderr).toContain('leakcheck: no leaked async resources in 1 test file.');
  });
});

describe('summarize and formatSummary', () => {
  const base: LeakRecord = {
    testFile: 'a.test.js',
    testName: 't',
    scope: 'test',
    kind: 'timer',
    description: 'd',
    hint: 'h',
    userFrame: null,
    frames: [],
    count: 1,
    retainedBy: null,
    mode: 'fail',
    baselined: false,
  };

  test('counts resources (not groups) by kind, failing apart from warned; tests by file and name', () => {
    const summary = summarize(
      [
        { ...base, count: 3 },
        { ...base, kind: 'server' },
        { ...base, testFile: 'b.test.js' },
        { ...base, scope: 'file', testName: null, kind: 'socket', count: 2 },
        { ...base, mode: 'warn', kind: 'promise', count: 4 },
      ],
      { checked: 2, unchecked: 0 },
    );
    expect([...summary.failing]).toEqual([
      ['timer', 4],
      ['server', 1],
      ['socket', 2],
    ]);
    expect([...summary.warned]).toEqual([['promise', 4]]);
    expect(summary.baselined.size).toBe(0);
    expect(summary).toMatchObject({ testsWithLeaks: 2, filesWithLeaks: 1 });
    expect(formatSummary(summary).map((line) => line.replace(/\u001b\[[0-9;]*m/g, ''))).toEqual([
      'leakcheck: 7 leaked resources (timer ×4, socket ×2, server) failed 2 tests and 1 file.',
      "leakcheck (warn): 4 leaked resources (promise ×4) reported; they would fail in mode 'fail'.",
    ]);
  });

  test('no files at all: no line', () => {
    expect(formatSummary(summarize([], { checked: 0, unchecked: 0 }))).toEqual([]);
  });
});
