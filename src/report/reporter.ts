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
import { formatAnnotations } from './annotations';
import { closeRun, openRun, receiveRecords } from './channel';
import { leakReport, writeLeakReport } from './json';
import type { LeakRecord } from './report';
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

function add(counts: Map<Kind, number>, record: LeakRecord): void {
  counts.set(record.kind, (counts.get(record.kind) ?? 0) + record.count);
}

/** Counts records: every group's count, those beyond what a message shows included. */
export function summarize(records: readonly LeakRecord[], files: { checked: number; unchecked: number }): LeakSummary {
  const failing = new Map<Kind, number>();
  const warned = new Map<Kind, number>();
  const baselined = new Map<Kind, number>();
  const tests = new Set<string>();
  const leakyFiles = new Set<string>();
  for (const record of records) {
    if (record.baselined) add(baselined, record);
    else if (record.mode === 'warn') add(warned, record);
    else {
      add(failing, record);
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

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function totalOf(counts: ReadonlyMap<Kind, number>): number {
  return [...counts.values()].reduce((a, b) => a + b, 0);
}

function describeCounts(counts: ReadonlyMap<Kind, number>): string {
  const kinds = [...counts].sort((a, b) => b[1] - a[1]).map(([kind, n]) => (n > 1 ? `${kind} ×${n}` : kind));
  return `${plural(totalOf(counts), 'leaked resource')} (${kinds.join(', ')})`;
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
    if (received === undefined) return;
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
    if (this.outputFile !== undefined) writeLeakReport(this.outputFile, leakReport(this.collected, summary));
    if (this.annotations) {
      // stdout: the runner reads workflow commands there; the summary stays on stderr with Jest's.
      const lines = formatAnnotations(this.collected, { skip: this.annotatedByJest });
      if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
    }
    process.stderr.write(`${formatSummary(summary).join('\n')}\n`);
  }
}
