// The reporter: one summary line for the whole run, so a suite adopting the check in warn
// mode (or failing on many leaks) sees the total and the kinds at a glance.
//   reporters: ['default', 'jest-environment-leakcheck/reporter']
// It reads leak records, never messages: each test file's environment sends them through
// the run directory this reporter opens (see channel.ts), in fail and warn mode, under
// --silent, in band and from workers alike.
import type { AggregatedResult, TestResult } from '@jest/test-result';
import chalk from 'chalk';
import * as path from 'node:path';
import type { Kind } from '../track/kinds';
import { writeFileSync } from 'node:fs';
import type { StaleEntry } from '../baseline/allowance';
import { baselineRun, type BaselineRun } from '../baseline/load';
import { staleSummary } from '../baseline/messages';
import { updateBaselines, type BaselineWrite } from '../baseline/update';
import { formatAnnotations } from './annotations';
import { closeRun, openRun, receiveRecords } from './channel';
import { leakReport, writeLeakReport, type FileResult, type LeakReportDocument } from './json';
import { countsByKind, kindList, plural, recordPath, type LeakRecord } from './report';
import { checkReporterOptions } from './reporter-options';

/** The run's leaks, counted from their records. */
export interface LeakSummary {
  /** Leaked resources by kind, that failed a test or a file. */
  readonly failing: ReadonlyMap<Kind, number>;
  /** Leaked resources by kind, reported in warn mode. */
  readonly warned: ReadonlyMap<Kind, number>;
  /** Leaked resources by kind, covered by the baseline (none until the baseline exists). */
  readonly baselined: ReadonlyMap<Kind, number>;
  /** Tests (by file and name) with failing leaks; a test.failing test's leaks fail its file but count here. */
  readonly testsWithLeaks: number;
  /** Files with failing leaks of their own (module scope, beforeAll, afterAll). */
  readonly filesWithLeaks: number;
  /** Test files where the check ran. */
  readonly checkedFiles: number;
  /** Test files where it did not: another testEnvironment, mode 'off', @leakcheck-allow, or an environment that failed to start. */
  readonly uncheckedFiles: number;
}

/** Counts records: every group's count, those beyond what a message shows included. */
export function summarize(records: readonly LeakRecord[], files: { checked: number; unchecked: number }): LeakSummary {
  const failing = new Map<Kind, number>();
  const warned = new Map<Kind, number>();
  const baselined = new Map<Kind, number>();
  const tests = new Set<string>();
  const leakyFiles = new Set<string>();
  for (const record of records) {
    if (record.baselined) countsByKind([record], baselined);
    else if (record.mode === 'warn') countsByKind([record], warned);
    else {
      countsByKind([record], failing);
      if (record.scope === 'test') tests.add(JSON.stringify([record.testFile, record.testName]));
      else leakyFiles.add(record.testFile);
    }
  }
  return {
    failing,
    warned,
    baselined,
    testsWithLeaks: tests.size,
    filesWithLeaks: leakyFiles.size,
    checkedFiles: files.checked,
    uncheckedFiles: files.unchecked,
  };
}

function totalOf(counts: ReadonlyMap<Kind, number>): number {
  return [...counts.values()].reduce((a, b) => a + b, 0);
}

function describeCounts(counts: ReadonlyMap<Kind, number>): string {
  return `${plural(totalOf(counts), 'leaked resource')} (${kindList([...counts].sort((a, b) => b[1] - a[1]))})`;
}

/** The summary's lines. */
export function formatSummary(summary: LeakSummary): string[] {
  const { failing, warned, baselined, testsWithLeaks, filesWithLeaks, checkedFiles, uncheckedFiles } = summary;
  const lines: string[] = [];
  if (failing.size > 0) {
    const where = [testsWithLeaks ? plural(testsWithLeaks, 'test') : '', filesWithLeaks ? plural(filesWithLeaks, 'file') : ''].filter(Boolean).join(' and ');
    lines.push(`${chalk.bold.red('leakcheck:')} ${describeCounts(failing)} failed ${where || 'the run'}.`);
  }
  if (warned.size > 0) {
    lines.push(`${chalk.bold.yellow('leakcheck (warn):')} ${describeCounts(warned)} reported; ${totalOf(warned) === 1 ? 'it' : 'they'} would fail in mode 'fail'.`);
  }
  if (baselined.size > 0) lines.push(`${chalk.bold('leakcheck (baseline):')} ${describeCounts(baselined)} known, not failing.`);
  if (lines.length === 0 && checkedFiles > 0) lines.push(`${chalk.bold.green('leakcheck:')} no leaked async resources in ${plural(checkedFiles, 'test file')}.`);
  if (uncheckedFiles > 0) {
    const all = checkedFiles === 0 ? (uncheckedFiles === 1 ? 'the only' : `any of the ${uncheckedFiles}`) : `${uncheckedFiles} of ${checkedFiles + uncheckedFiles}`;
    lines.push(
      `${chalk.bold.yellow('leakcheck:')} the check was not active in ${all} test ${uncheckedFiles === 1 && checkedFiles === 0 ? 'file' : 'files'}` +
        ` (their testEnvironment is not leakcheck, their mode is 'off' or they have @leakcheck-allow).`,
    );
  }
  return lines;
}

/** `npx leakcheck baseline` names a file here: the reporter writes what it did to the baselines (BaselineResult). */
export const BASELINE_RESULT_ENV = 'JEST_LEAKCHECK_BASELINE_RESULT';

/** What a baseline run did, for the command that started it. */
export interface BaselineResult {
  readonly writes: readonly BaselineWrite[];
  /** Checked test files with no `baseline` option. */
  readonly withoutBaseline: number;
}

/** The lines saying what a baseline update did. */
export function formatBaselineWrites(writes: readonly BaselineWrite[]): string[] {
  return writes.map((w) => {
    const change = w.changed ? `${w.added} ${w.added === 1 ? 'entry' : 'entries'} added, ${w.removed} removed` : 'unchanged';
    return `${chalk.bold('leakcheck (baseline):')} ${w.file}: ${w.leaks} known ${w.leaks === 1 ? 'leak' : 'leaks'} in ${w.tests} ${w.tests === 1 ? 'test' : 'tests'} (${change}).`;
  });
}

/** Rules unused in every file that said which of its rules it used (those with `verbose`). */
export function unusedInRun(perFile: ReadonlyArray<readonly string[] | null>): string[] {
  const reporting = perFile.filter((rules): rules is readonly string[] => rules !== null);
  if (reporting.length === 0) return [];
  return reporting[0].filter((rule) => reporting.every((rules) => rules.includes(rule)));
}

/** What the reporter reads of Jest's global config. */
export interface ReporterGlobalConfig {
  readonly rootDir: string;
  readonly reporters?: ReadonlyArray<string | readonly [string, unknown]> | null;
}

/** Whether Jest's own `github-actions` reporter is configured (it annotates failing tests). */
function usesJestGitHubReporter(config: ReporterGlobalConfig | undefined): boolean {
  return (config?.reporters ?? []).some((entry) => (typeof entry === 'string' ? entry : entry[0]) === 'github-actions');
}

/** A record's paths, relative to the project's rootDir, made relative to the run's (they differ with `projects`). */
function rebase(record: LeakRecord, from: string, to: string): LeakRecord {
  if (from === to) return record;
  const move = (file: string): string => path.relative(to, path.resolve(from, file)).split(path.sep).join('/');
  return { ...record, testFile: move(record.testFile), userFrame: record.userFrame && { ...record.userFrame, file: move(record.userFrame.file) } };
}

export default class LeakcheckReporter {
  /** The run directory the environments send their records to (see channel.ts). */
  private dir: string | undefined;
  private collected: LeakRecord[] = [];
  private files: FileResult[] = [];
  private stale: StaleEntry[] = [];
  private unusedRules: Array<readonly string[] | null> = [];
  private checkedFiles = 0;
  private uncheckedFiles = 0;
  private readonly rootDir: string;
  private readonly outputFile: string | undefined;
  private readonly annotations: boolean;
  private readonly skipFailingTestLeaks: boolean;
  /** Records Jest's github-actions reporter annotates already (see onTestResult). */
  private annotatedByJest = new Set<LeakRecord>();

  constructor(globalConfig?: ReporterGlobalConfig, options?: unknown) {
    // Validated first: a bad option fails the run before any worker starts.
    const checked = checkReporterOptions(options);
    this.rootDir = globalConfig?.rootDir ?? process.cwd();
    this.outputFile = checked.outputFile === undefined ? undefined : path.resolve(this.rootDir, checked.outputFile);
    this.annotations = checked.annotations ?? process.env.GITHUB_ACTIONS === 'true';
    this.skipFailingTestLeaks = usesJestGitHubReporter(globalConfig);
    // Now, before Jest spawns its workers: they inherit the variable.
    this.dir = openRun();
  }

  /** A reporter kept for another run (watch mode) opens a new run directory, still before the workers start. */
  onRunStart(): void {
    this.dir ??= openRun();
    this.collected = [];
    this.files = [];
    this.stale = [];
    this.unusedRules = [];
    this.checkedFiles = 0;
    this.uncheckedFiles = 0;
    this.annotatedByJest = new Set();
  }

  /** Every leak record received so far, in the order the files finished. */
  get records(): readonly LeakRecord[] {
    return this.collected;
  }

  onTestResult(test: { context?: { config?: { rootDir?: string } } } | undefined, result: TestResult): void {
    const received = this.dir === undefined ? undefined : receiveRecords(this.dir, result.testFilePath);
    if (received === undefined || received.mode === 'off') this.uncheckedFiles++;
    else this.checkedFiles++;
    const projectRoot = test?.context?.config?.rootDir ?? this.rootDir;
    const testFile = recordPath(this.rootDir, result.testFilePath);
    if (received === undefined) {
      this.files.push({ testFile, mode: 'off', tests: {}, baseline: null, strictBaseline: false });
      return;
    }
    const baseline = received.baseline;
    this.files.push({
      testFile,
      mode: received.mode,
      tests: received.tests,
      baseline: baseline === null ? null : recordPath(this.rootDir, baseline.path),
      strictBaseline: baseline?.strict ?? false,
    });
    if (received.mode !== 'off') this.unusedRules.push(received.unusedRules);
    this.stale.push(...(baseline?.stale ?? []).map((entry) => ({ ...entry, testFile })));
    const records = received.records.map((r) => rebase(r, projectRoot, this.rootDir));
    this.collected.push(...records);
    if (this.skipFailingTestLeaks) {
      // Jest's github-actions reporter annotates each failed test's failure message at its top
      // frame; a test's leak error has its first leak's creation stack, so that one would be
      // annotated twice. A test.failing test that leaks passes: Jest does not annotate it.
      const failed = new Set(result.testResults.filter((t) => t.status === 'failed').map((t) => [...t.ancestorTitles, t.title].join(' › ')));
      for (const record of records) {
        if (record.mode === 'fail' && record.scope === 'test' && record.testName !== null && failed.delete(record.testName)) this.annotatedByJest.add(record);
      }
    }
  }

  onRunComplete(_contexts: unknown, _results: AggregatedResult): void {
    if (this.dir !== undefined) closeRun(this.dir);
    this.dir = undefined;
    const summary = summarize(this.collected, { checked: this.checkedFiles, unchecked: this.uncheckedFiles });
    const document = leakReport(this.collected, this.files, this.stale, summary);
    if (this.outputFile !== undefined) writeLeakReport(this.outputFile, document);
    if (this.annotations) {
      // stdout: the runner reads workflow commands there; the summary stays on stderr with Jest's.
      const lines = formatAnnotations(this.collected, { skip: this.annotatedByJest });
      if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
    }
    const lines = [...formatSummary(summary)];
    const run = baselineRun();
    // A baseline run rewrites the baselines instead: their stale entries are what it removes.
    if (run === undefined) lines.push(...staleSummary(document.stale));
    for (const rule of unusedInRun(this.unusedRules)) {
      lines.push(`${chalk.bold.yellow('leakcheck:')} ignore rule ${rule} matched no leftover resource in any test file of this run. Remove it if nothing needs it any more.`);
    }
    if (run !== undefined) lines.push(...this.writeBaselines(document, run));
    process.stderr.write(`${lines.join('\n')}\n`);
  }

  /** `npx leakcheck baseline`: updates the baseline files and tells the command what it did. */
  private writeBaselines(document: LeakReportDocument, run: BaselineRun): string[] {
    const writes = updateBaselines(document, this.rootDir, run);
    const resultFile = process.env[BASELINE_RESULT_ENV];
    if (resultFile !== undefined && resultFile !== '') {
      const result: BaselineResult = { writes, withoutBaseline: document.files.filter((f) => f.mode !== 'off' && f.baseline === null).length };
      writeFileSync(resultFile, JSON.stringify(result));
    }
    return formatBaselineWrites(writes);
  }
}
