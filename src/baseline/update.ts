// Writing the baseline from a run's records: `npx leakcheck baseline` (every leak the run
// found becomes known; entries of tests that ran and no longer leak go) and `--prune` (known
// counts only go down: nothing is added). Only what the run saw is touched: the entries of
// files that did not run (another shard, a path filter) and of skipped tests are kept.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Kind } from '../track/kinds';
import type { FileResult, LeakReportDocument } from '../report/json';
import { EMPTY_BASELINE, FILE_SCOPE, formatBaseline, normalizeBaseline, parseBaseline, total, type Baseline, type Counts, type FileEntries } from './format';
import { writeFileAtomically } from '../report/write-file';
import { baselineKey, type BaselineRun } from './load';

/** What one baseline file became. */
export interface BaselineWrite {
  /** The baseline file, relative to the root the run's paths are relative to. */
  readonly file: string;
  /** Known leaked resources in the whole file after the update, and in how many tests (file scopes included). */
  readonly leaks: number;
  readonly tests: number;
  /** Test entries added and removed by this update. */
  readonly added: number;
  readonly removed: number;
  /** Whether the text changed (an unchanged file is not rewritten). */
  readonly changed: boolean;
}

/** The run's leaked resources of one test file: test name (or FILE_SCOPE) → kind → count, every mode. */
function countsOf(document: LeakReportDocument, testFile: string): Map<string, Counts> {
  const counts = new Map<string, Counts>();
  for (const record of document.records) {
    if (record.testFile !== testFile) continue;
    const key = record.testName ?? FILE_SCOPE;
    const kinds = counts.get(key) ?? {};
    kinds[record.kind] = (kinds[record.kind] ?? 0) + record.count;
    counts.set(key, kinds);
  }
  return counts;
}

/** Whether the run judged a test's entry: some test of the file ran, and this one ran or no longer exists. */
function judged(file: FileResult, test: string): boolean {
  if (!Object.values(file.tests).includes('ran')) return false;
  return test === FILE_SCOPE || file.tests[test] !== 'skipped';
}

function lower(known: Counts, now: Counts | undefined): Counts {
  const out: Counts = {};
  for (const [kind, n] of Object.entries(known) as Array<[Kind, number]>) {
    const kept = Math.min(n, now?.[kind] ?? 0);
    if (kept > 0) out[kind] = kept;
  }
  return out;
}

/** One test file's entries after the run. */
function updatedEntries(before: FileEntries, file: FileResult, now: Map<string, Counts>, run: BaselineRun): FileEntries {
  const after: FileEntries = {};
  for (const [test, counts] of Object.entries(before)) {
    if (!judged(file, test)) after[test] = counts;
    else if (run === 'prune') after[test] = lower(counts, now.get(test));
  }
  // A file that ran no test (it failed to load) teaches nothing: its entries stay as they were.
  if (run === 'write' && Object.values(file.tests).includes('ran')) {
    for (const [test, counts] of now) after[test] = counts;
  }
  return after;
}

function read(file: string, shown: string): Baseline {
  return existsSync(file) ? parseBaseline(readFileSync(file, 'utf8'), shown) : EMPTY_BASELINE;
}

function nonEmpty(entries: FileEntries | undefined): string[] {
  return Object.entries(entries ?? {})
    .filter(([, counts]) => total(counts) > 0)
    .map(([test]) => test);
}

/**
 * Updates every baseline file the run's test files use (`root`: what the document's paths are
 * relative to). Entries of test files that no longer exist are removed. Throws (naming the
 * file and line) when an existing baseline is malformed: it is never overwritten then.
 */
export function updateBaselines(document: LeakReportDocument, root: string, run: BaselineRun): BaselineWrite[] {
  const byBaseline = new Map<string, FileResult[]>();
  for (const file of document.files) {
    if (file.baseline === null || file.mode === 'off') continue;
    const list = byBaseline.get(file.baseline) ?? [];
    list.push(file);
    byBaseline.set(file.baseline, list);
  }
  const writes: BaselineWrite[] = [];
  for (const [relative, files] of [...byBaseline].sort(([a], [b]) => a.localeCompare(b))) {
    const absolute = path.resolve(root, relative);
    const before = read(absolute, relative);
    const leaks: Record<string, FileEntries> = { ...before.leaks };
    for (const file of files) {
      const key = baselineKey(absolute, path.resolve(root, file.testFile));
      leaks[key] = updatedEntries(before.leaks[key] ?? {}, file, countsOf(document, file.testFile), run);
    }
    for (const key of Object.keys(leaks)) {
      if (!existsSync(path.resolve(path.dirname(absolute), key))) delete leaks[key];
    }
    const after = normalizeBaseline({ version: 1, leaks });
    const text = formatBaseline(after);
    const changed = !existsSync(absolute) || readFileSync(absolute, 'utf8') !== text;
    if (changed) writeFileAtomically(absolute, text);
    let added = 0;
    let removed = 0;
    let tests = 0;
    let count = 0;
    for (const key of new Set([...Object.keys(before.leaks), ...Object.keys(after.leaks)])) {
      const old = new Set(nonEmpty(before.leaks[key]));
      const next = nonEmpty(after.leaks[key]);
      added += next.filter((t) => !old.has(t)).length;
      removed += [...old].filter((t) => !next.includes(t)).length;
      tests += next.length;
      count += next.reduce((n, t) => n + total(after.leaks[key]?.[t] ?? {}), 0);
    }
    writes.push({ file: relative, leaks: count, tests, added, removed, changed });
  }
  return writes;
}
