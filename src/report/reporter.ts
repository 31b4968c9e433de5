// The reporter: one summary line for the whole run, so a suite adopting the check in warn
// mode (or failing on many leaks) sees the total and the kinds at a glance.
//   reporters: ['default', 'jest-environment-leakcheck/reporter']
import type { AggregatedResult, TestResult } from '@jest/test-result';
import chalk from 'chalk';
import { KINDS, type Kind } from '../track/kinds';

const KIND_LINE = new RegExp(String.raw`\[(${KINDS.join('|')})\][^\n]*?(?:\(×(\d+)\))?\s*$`, 'gm');

/** Leaks named in a text written by the environment: `[kind] description (×N)` lines. */
export function countLeaks(text: string, into: Map<Kind, number>): number {
  let total = 0;
  // ANSI colour codes would hide the brackets from the pattern.
  const plain = text.replace(/\u001b\[[0-9;]*m/g, '');
  for (const match of plain.matchAll(KIND_LINE)) {
    const kind = match[1] as Kind;
    const count = match[2] ? Number(match[2]) : 1;
    into.set(kind, (into.get(kind) ?? 0) + count);
    total += count;
  }
  return total;
}

export interface LeakSummary {
  readonly failing: Map<Kind, number>;
  readonly warned: Map<Kind, number>;
  testsWithLeaks: number;
  filesWithLeaks: number;
}

/** What one test file's result says about leaks. */
function summarize(result: TestResult, summary: LeakSummary): void {
  for (const test of result.testResults) {
    const text = test.failureMessages.filter((m) => m.includes('leakcheck:')).join('\n');
    if (text && countLeaks(text, summary.failing) > 0) summary.testsWithLeaks++;
  }
  // Leaks outside tests fail the file through Jest's "Test suite failed to run" error.
  const exec = `${result.testExecError?.message ?? ''}\n${result.testExecError?.stack ?? ''}`;
  if (exec.includes('created outside any test') && countLeaks(exec, summary.failing) > 0) summary.filesWithLeaks++;
  for (const entry of result.console ?? []) {
    if (entry.message.includes('leakcheck (warn):')) countLeaks(entry.message, summary.warned);
  }
}

function describeCounts(counts: Map<Kind, number>): string {
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const kinds = [...counts].sort((a, b) => b[1] - a[1]).map(([kind, n]) => (n > 1 ? `${kind} ×${n}` : kind));
  return `${total} leaked resource${total === 1 ? '' : 's'} (${kinds.join(', ')})`;
}

export default class LeakcheckReporter {
  private readonly summary: LeakSummary = { failing: new Map(), warned: new Map(), testsWithLeaks: 0, filesWithLeaks: 0 };

  onTestResult(_test: unknown, result: TestResult): void {
    summarize(result, this.summary);
  }

  onRunComplete(_contexts: unknown, _results: AggregatedResult): void {
    const { failing, warned, testsWithLeaks, filesWithLeaks } = this.summary;
    const lines: string[] = [];
    if (failing.size > 0) {
      const where = [testsWithLeaks ? `${testsWithLeaks} test${testsWithLeaks === 1 ? '' : 's'}` : '', filesWithLeaks ? `${filesWithLeaks} file${filesWithLeaks === 1 ? '' : 's'}` : '']
        .filter(Boolean)
        .join(' and ');
      lines.push(`${chalk.bold.red('leakcheck:')} ${describeCounts(failing)} failed ${where || 'the run'}.`);
    }
    if (warned.size > 0) {
      const total = [...warned.values()].reduce((a, b) => a + b, 0);
      lines.push(`${chalk.bold.yellow('leakcheck (warn):')} ${describeCounts(warned)} reported; ${total === 1 ? 'it' : 'they'} would fail in mode 'fail'.`);
    }
    if (lines.length === 0) lines.push(`${chalk.bold.green('leakcheck:')} no leaked async resources.`);
    process.stderr.write(`${lines.join('\n')}\n`);
  }
}
