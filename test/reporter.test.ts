// The summary reporter and the leak records it receives: end to end with real Jest, in band
// and with workers, on both Jest versions; and the summary's counting on its own.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { LeakReportDocument } from '../src/report/json';
import type { LeakRecord } from '../src/report/report';
import { formatSummary, summarize } from '../src/report/reporter';
import { failureText, JEST_VERSIONS, runJest, type JestRun, type JestVersion } from './helpers/run-jest';
import { aRecord } from './helpers/records';

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

  test('an options error the same in every file is shown in full once for the run, a one-line reference in the others', () => {
    const { run } = runWithRecords(jest, ['--maxWorkers=2'], { LEAKCHECK_MODE: 'wran' });
    const messages = run.files.map((f) => f.message).filter((m) => m.includes('jest-environment-leakcheck found invalid options'));
    expect(messages).toHaveLength(6); // every file but the plain-node one
    expect(messages.filter((m) => m.includes('Environment variable "LEAKCHECK_MODE" must be one of'))).toHaveLength(1);
    expect(messages.filter((m) => m.includes('The same error was shown in full for the first test file that met it in this run.'))).toHaveLength(5);
  });

  test('a clean run says how many files were checked', () => {
    const { run } = runWithRecords(jest, ['--selectProjects', 'fail', '--', 'clean.test.js']);
    expect(run.stderr).toContain('leakcheck: no leaked async resources in 1 test file.');
  });
});

describe('summarize and formatSummary', () => {
  const base = aRecord();

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

interface ParsedAnnotation {
  readonly type: string;
  readonly properties: Record<string, string>;
  readonly message: string;
}

/** The workflow commands a run printed, parsed back (properties and message unescaped). */
function annotationsIn(output: string): ParsedAnnotation[] {
  const unescape = (s: string): string => s.replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%25/g, '%');
  return [...output.matchAll(/^::(error|warning|notice) ([^:]*)::(.*)$/gm)].map(([, type, props, message]) => ({
    type,
    properties: Object.fromEntries(props.split(',').map((p) => [p.slice(0, p.indexOf('=')), unescape(p.slice(p.indexOf('=') + 1))])),
    message: unescape(message),
  }));
}

describe.each(JEST_VERSIONS)('the reporter options on Jest %s', (jest) => {
  test('outputFile: a versioned JSON document of every record and the totals, relative to rootDir, equal to the records the messages come from', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'leakcheck-out-'));
    const outputFile = path.join(path.relative(path.join(__dirname, 'fixtures/reporter'), dir), 'nested/leaks.json');
    try {
      const { run, records } = runWithRecords(jest, ['--maxWorkers=2'], { LEAKCHECK_REPORTER_OPTIONS: JSON.stringify({ outputFile, annotations: false }) });
      const document = JSON.parse(readFileSync(path.join(dir, 'nested/leaks.json'), 'utf8')) as LeakReportDocument;
      expect(document).toEqual({
        version: 1,
        tool: 'jest-environment-leakcheck',
        totals: {
          failing: 11,
          failingByKind: { timer: 11 },
          warned: 1,
          warnedByKind: { timer: 1 },
          baselined: 0,
          baselinedByKind: {},
          testsWithLeaks: 3,
          filesWithLeaks: 1,
          checkedFiles: 5,
          uncheckedFiles: 2,
          staleEntries: 0,
        },
        // By test file (stable): the same run gives the same document whatever order the workers finished in.
        records: [...records].sort((a, b) => (a.testFile < b.testFile ? -1 : a.testFile > b.testFile ? 1 : 0)),
        files: expect.any(Array) as unknown,
        stale: [],
      });
      expect(document.files.map((f) => [f.testFile, f.mode])).toEqual([
        ['clean.test.js', 'fail'],
        ['failing.test.js', 'fail'],
        ['leaks.test.js', 'fail'],
        ['off.test.js', 'off'],
        ['plain-node.test.js', 'off'],
        ['seven.test.js', 'fail'],
        ['warned.test.js', 'warn'],
      ]);
      expect(document.files.find((f) => f.testFile === 'leaks.test.js')).toEqual({
        testFile: 'leaks.test.js',
        mode: 'fail',
        tests: expect.objectContaining({ 'two intervals from one line': 'ran', 'a clean test': 'ran' }) as unknown,
        baseline: null,
        strictBaseline: false,
      });
      // The records are those the failure messages show (checked against the messages above).
      const seven = document.records.filter((r) => r.testName === 'seven › leaks at seven places');
      expect(seven.map((r) => r.userFrame?.line)).toEqual([3, 4, 5, 6, 7, 8, 9]);
      expect(failureText(run.test('seven leaks at seven places'))).toContain(`[timer] ${seven[0].description}\nFix: ${seven[0].hint}\nCreated at seven.test.js:3:5`);
      expect(run.stdout).not.toMatch(/^::/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('under GITHUB_ACTIONS=true: an ::error per failing leak and a ::warning per warned one, at the creation line, file-scope leaks included', () => {
    const { run } = runWithRecords(jest, ['--runInBand'], { GITHUB_ACTIONS: 'true' });
    const annotations = annotationsIn(run.stdout);
    expect(annotations.filter((a) => a.type === 'error')).toHaveLength(11 - 1); // two intervals from one line are one group
    expect(annotations).toContainEqual({
      type: 'error',
      properties: { file: 'seven.test.js', line: '9', col: '5', title: 'Leaked timer in seven › leaks at seven places' },
      message: expect.stringMatching(/^setTimeout of 60007 ms\nFix: .*clearTimeout/) as string,
    });
    expect(annotations).toContainEqual(
      expect.objectContaining({ type: 'error', properties: expect.objectContaining({ file: 'leaks.test.js', line: '3', title: 'Leaked timer in outside any test' }) }),
    );
    expect(annotations).toContainEqual(
      expect.objectContaining({ type: 'error', properties: expect.objectContaining({ file: 'leaks.test.js', line: '6', title: 'Leaked timer ×2 in two intervals from one line' }) }),
    );
    expect(annotations).toContainEqual(
      expect.objectContaining({ type: 'warning', properties: expect.objectContaining({ file: 'warned.test.js', title: 'Leaked timer in a leak in warn mode passes' }) }),
    );
  });

  test("with Jest's github-actions reporter: the leak it annotates (a failed test's first, at the same line) is left to it, no other", () => {
    const { run } = runWithRecords(jest, ['--runInBand'], { GITHUB_ACTIONS: 'true', LEAKCHECK_WITH_JEST_GHA: '1' });
    const all = annotationsIn(`${run.stdout}\n${run.stderr}`);
    const ours = annotationsIn(run.stdout).filter((a) => a.properties.title?.startsWith('Leaked '));
    const expected = [
      ...[4, 5, 6, 7, 8, 9].map((line) => ['error', 'seven.test.js', String(line)]),
      // A test.failing test that leaks passes: Jest does not annotate it.
      ['error', 'failing.test.js', expect.any(String)],
      ['error', 'leaks.test.js', '3'],
      ['warning', 'warned.test.js', expect.any(String)],
    ];
    const got = ours.map((a) => [a.type, a.properties.file, a.properties.line]);
    expect(got).toHaveLength(expected.length);
    expect(got).toEqual(expect.arrayContaining(expected));
    // Jest's own: the test with seven leaks, once, at its first leak's line.
    const jests = all.filter((a) => a.type === 'error' && !a.properties.title?.startsWith('Leaked ') && a.properties.title?.includes('leaks at seven places'));
    expect(jests.map((a) => [path.basename(a.properties.file), a.properties.line])).toEqual([['seven.test.js', '3']]);
  });

  test('annotations: false turns them off; TypeScript leaks are annotated at the .ts line', () => {
    const { run } = runWithRecords(jest, ['--runInBand'], { GITHUB_ACTIONS: 'true', LEAKCHECK_REPORTER_OPTIONS: '{"annotations":false}' });
    expect(run.stdout).not.toMatch(/^::/m);
    const ts = runJest('typescript', { jest, args: ['--reporters=default', '--reporters=jest-environment-leakcheck/reporter'], env: { GITHUB_ACTIONS: 'true' } });
    expect(annotationsIn(ts.stdout)).toEqual([
      expect.objectContaining({ type: 'error', properties: expect.objectContaining({ file: 'leak.test.ts', line: '10', title: 'Leaked timer in leaks an interval from TypeScript' }) }),
    ]);
  });

  test('bad options fail the run with a jest-validate style error naming the option', () => {
    const { run } = runWithRecordsOrNot(jest, { LEAKCHECK_REPORTER_OPTIONS: JSON.stringify({ outputFiel: 'x.json', annotations: 'yes' }) });
    expect(run).toContain('Unknown option "outputFiel" with value "x.json" was found. Did you mean "outputFile"?');
    expect(run).toContain('Option "annotations" must be a boolean (true or false; unset: on when GITHUB_ACTIONS=true), but instead received:');
    expect(run).toContain('"yes"');
  });
});

/** Output of a run that may fail before writing any result (a reporter that throws). */
function runWithRecordsOrNot(jest: JestVersion, env: NodeJS.ProcessEnv): { run: string } {
  try {
    const { run } = runWithRecords(jest, [], env);
    return { run: run.stderr };
  } catch (error) {
    return { run: String(error) };
  }
}

describe.each(JEST_VERSIONS)('ignore rules that matched nothing (verbose) on Jest %s', (jest) => {
  const HINT = 'matched no leftover resource';
  test('with the summary reporter: told once for the run, only the rule no file used', () => {
    const run = runJest('unused-rules', { jest, args: ['--maxWorkers=2'] });
    expect(run.numFailedTests).toBe(0);
    const hints = `${run.stdout}\n${run.stderr}`.split('\n').filter((line) => line.includes(HINT));
    expect(hints).toEqual([
      'leakcheck: ignore rule { module: "never-used-module" } (testEnvironmentOptions.leakcheck.ignore[1]) matched no leftover resource in any test file of this run. Remove it if nothing needs it any more.',
    ]);
  });

  test('without it: per file, as each file sees it', () => {
    const run = runJest('unused-rules', { jest, args: ['--maxWorkers=2'], env: { WITHOUT_REPORTER: '1' } });
    const hints = run.stderr.split('\n').filter((line) => line.includes(HINT));
    expect(hints.filter((line) => line.includes('never-used-module'))).toHaveLength(3);
    expect(hints.filter((line) => line.includes('usedInA'))).toHaveLength(2);
  });
});
