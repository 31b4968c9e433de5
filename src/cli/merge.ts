// `leakcheck merge`: the JSON reports of sharded runs (the reporter's outputFile) as one run's.
import type { StaleEntry } from '../baseline/allowance';
import { leakReport, readLeakReport, type FileResult, type LeakReportDocument } from '../report/json';
import type { LeakRecord } from '../report/report';
import { summarize, type LeakSummary } from '../report/reporter';

/** One document for several runs' reports. Throws when two reports ran the same test file (a report given twice). */
export function mergeReports(files: readonly string[]): { readonly document: LeakReportDocument; readonly summary: LeakSummary } {
  const records: LeakRecord[] = [];
  const results: FileResult[] = [];
  const stale: StaleEntry[] = [];
  const seen = new Map<string, string>();
  for (const file of files) {
    const document = readLeakReport(file);
    for (const result of document.files) {
      const other = seen.get(result.testFile);
      if (other !== undefined) {
        throw new Error(`${other} and ${file} both ran ${result.testFile}: each shard's report must be given once (with --shard, every test file runs in one shard).`);
      }
      seen.set(result.testFile, file);
    }
    records.push(...document.records);
    results.push(...document.files);
    stale.push(...document.stale);
  }
  const checked = results.filter((f) => f.mode !== 'off').length;
  const summary = summarize(records, { checked, unchecked: results.length - checked });
  return { document: leakReport(records, results, stale, summary), summary };
}

/** Whether the merged run fails: a leak failed a test or file, or a stale entry breaks strictBaseline. */
export function mergedRunFails(document: LeakReportDocument): boolean {
  if (document.totals.failing > 0) return true;
  const strict = new Set(document.files.filter((f) => f.strictBaseline).map((f) => f.testFile));
  return document.stale.some((entry) => strict.has(entry.testFile));
}
