// The reporter's `outputFile`: every leak record of the run and its totals, as one JSON
// document with a version, so CI tools (and later the shard merge and the baseline) read
// data rather than Jest's output. Written once, at the end of the run, atomically.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Kind } from '../track/kinds';
import type { LeakRecord } from './report';
import type { LeakSummary } from './reporter';

/** Counts of leaked resources by kind (only kinds that occurred). */
export type KindCounts = Partial<Record<Kind, number>>;

/** The document `outputFile` holds (schema version 1; documented in the README). */
export interface LeakReportDocument {
  readonly version: 1;
  readonly tool: 'jest-environment-leakcheck';
  readonly totals: {
    /** Leaked resources that failed a test or file, by kind, and their sum. */
    readonly failing: number;
    readonly failingByKind: KindCounts;
    readonly warned: number;
    readonly warnedByKind: KindCounts;
    readonly baselined: number;
    readonly baselinedByKind: KindCounts;
    readonly testsWithLeaks: number;
    readonly filesWithLeaks: number;
    readonly checkedFiles: number;
    readonly uncheckedFiles: number;
  };
  /** Every record, in the order the test files finished. */
  readonly records: readonly LeakRecord[];
}

function byKind(counts: ReadonlyMap<Kind, number>): KindCounts {
  // Sorted keys: the same run gives the same text, so documents diff well.
  return Object.fromEntries([...counts].sort(([a], [b]) => a.localeCompare(b)));
}

function sum(counts: ReadonlyMap<Kind, number>): number {
  return [...counts.values()].reduce((a, b) => a + b, 0);
}

export function leakReport(records: readonly LeakRecord[], summary: LeakSummary): LeakReportDocument {
  return {
    version: 1,
    tool: 'jest-environment-leakcheck',
    totals: {
      failing: sum(summary.failing),
      failingByKind: byKind(summary.failing),
      warned: sum(summary.warned),
      warnedByKind: byKind(summary.warned),
      baselined: sum(summary.baselined),
      baselinedByKind: byKind(summary.baselined),
      testsWithLeaks: summary.testsWithLeaks,
      filesWithLeaks: summary.filesWithLeaks,
      checkedFiles: summary.checkedFiles,
      uncheckedFiles: summary.uncheckedFiles,
    },
    records,
  };
}

/**
 * Writes the document to a temporary name beside the target and renames it: a reader (or a
 * run killed half way) never sees half a file, and a previous document stays whole until
 * replaced. Throws on an I/O error.
 */
export function writeLeakReport(file: string, document: LeakReportDocument): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(document, null, 2)}\n`);
  renameSync(temporary, file);
}
