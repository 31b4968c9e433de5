// The reporter: one summary line for the whole run, so a suite adopting the check in warn
// mode (or failing on many leaks) sees the total and the kinds at a glance.
//   reporters: ['default', 'jest-environment-leakcheck/reporter']
// It reads leak records, never messages: each test file's environment sends them through
// the run directory this reporter opens (see channel.ts), in fail and warn mode, under
// --silent, in band and from workers alike.
import type { AggregatedResult, TestResult } from '@jest/test-result';
import chalk from 'chalk';
import type { Kind } from '../track/kinds';
import { closeRun, openRun, receiveRecords } from './channel';
import type { LeakRecord } from './report';

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

export default class LeakcheckReporter {
  /** The run directory the environments send their records to (see channel.ts). */
  private dir: string | undefined;
  private collected: LeakRecord[] = [];
  private checkedFiles = 0;
  private uncheckedFiles = 0;

  constructor() {
    // Now, before Jest spawns its workers: they inherit the variable.
    this.dir = openRun();
  }

  /** A reporter kept for another run (watch mode) opens a new run directory, still before the workers start. */
  onRunStart(): void {
    this.dir ??= openRun();
    this.collected = [];
    this.checkedFiles = 0;
    this.uncheckedFiles = 0;
  }

  /** Every leak record received so far, in the order the files finished. */
  get records(): readonly LeakRecord[] {
    return this.collected;
  }

  onTestResult(_test: unknown, result: TestResult): void {
    const received = this.dir === undefined ? undefined : receiveRecords(this.dir, result.testFilePath);
    if (received === undefined || received.mode === 'off') this.uncheckedFiles++;
    else this.checkedFiles++;
    if (received !== undefined) this.collected.push(...received.records);
  }

  onRunComplete(_contexts: unknown, _results: AggregatedResult): void {
    if (this.dir !== undefined) closeRun(this.dir);
    this.dir = undefined;
    const summary = summarize(this.collected, { checked: this.checkedFiles, unchecked: this.uncheckedFiles });
    process.stderr.write(`${formatSummary(summary).join('\n')}\n`);
  }
}
