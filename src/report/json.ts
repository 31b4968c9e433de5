// The reporter's `outputFile`: every leak record of the run and its totals, as one JSON
// document with a version, so CI tools (and later the shard merge and the baseline) read
// data rather than Jest's output. Written once, at the end of the run, atomically.
import { readFileSync } from 'node:fs';
import type { StaleEntry } from '../baseline/allowance';
import type { Mode } from '../config/options';
import type { Kind } from '../track/kinds';
import type { LeakRecord } from './report';
import type { LeakSummary } from './reporter';
import { writeFileAtomically } from './write-file';

/** Counts of leaked resources by kind (only kinds that occurred). */
export type KindCounts = Partial<Record<Kind, number>>;

/** One test file of the run. */
export interface FileResult {
  /** Relative to rootDir, with `/`, as in a LeakRecord. */
  readonly testFile: string;
  /** The mode in force; 'off' when the check did not run (another testEnvironment, mode 'off', @leakcheck-allow). */
  readonly mode: Mode;
  /** Every test by full name: 'ran', or 'skipped' (skipped, filtered out, todo). */
  readonly tests: Readonly<Record<string, 'ran' | 'skipped'>>;
  /** The baseline file in force (relative to rootDir), or null. */
  readonly baseline: string | null;
  readonly strictBaseline: boolean;
}

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
    /** Baseline entries the run leaked less than. */
    readonly staleEntries: number;
  };
  /** Every record, by test file (then in the order they were found). */
  readonly records: readonly LeakRecord[];
  /** Every test file of the run, by path. */
  readonly files: readonly FileResult[];
  /** Baseline entries the run leaked less than, by test file. */
  readonly stale: readonly StaleEntry[];
}

function byKind(counts: ReadonlyMap<Kind, number>): KindCounts {
  // Sorted keys: the same run gives the same text, so documents diff well.
  return Object.fromEntries([...counts].sort(([a], [b]) => a.localeCompare(b)));
}

function sum(counts: ReadonlyMap<Kind, number>): number {
  return [...counts.values()].reduce((a, b) => a + b, 0);
}

function byFile<T extends { readonly testFile: string }>(items: readonly T[]): T[] {
  // Stable: a file's records keep their order. The same run gives the same document whatever
  // order the workers finished in, and a merge of shards the same as one run.
  return [...items].sort((a, b) => (a.testFile < b.testFile ? -1 : a.testFile > b.testFile ? 1 : 0));
}

export function leakReport(records: readonly LeakRecord[], files: readonly FileResult[], stale: readonly StaleEntry[], summary: LeakSummary): LeakReportDocument {
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
      staleEntries: stale.length,
    },
    records: byFile(records),
    files: byFile(files),
    stale: byFile(stale),
  };
}

/** Writes the document atomically (see write-file.ts). Throws on an I/O error. */
export function writeLeakReport(file: string, document: LeakReportDocument): void {
  writeFileAtomically(file, `${JSON.stringify(document, null, 2)}\n`);
}

/** Reads a document written by `outputFile`; throws naming the file when it is not one. */
export function readLeakReport(file: string): LeakReportDocument {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: cannot read it as JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const document = parsed as Partial<LeakReportDocument> | null;
  if (document === null || typeof document !== 'object' || document.tool !== 'jest-environment-leakcheck') {
    throw new Error(`${file}: not a leak report (expected the reporter's outputFile, with "tool": "jest-environment-leakcheck")`);
  }
  if (document.version !== 1) throw new Error(`${file}: leak report version ${String(document.version)}; this version of jest-environment-leakcheck reads version 1`);
  if (!Array.isArray(document.records) || !Array.isArray(document.files) || !Array.isArray(document.stale)) {
    throw new Error(`${file}: a version 1 leak report needs "records", "files" and "stale" arrays`);
  }
  return document as LeakReportDocument;
}
