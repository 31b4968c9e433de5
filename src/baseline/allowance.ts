// The baseline as one test file's environment applies it: leaks within a test's known count
// (per kind) are marked baselined and do not fail; leaks beyond it fail as any other. What
// the file no longer leaks is reported as stale.
import type { Kind } from '../track/kinds';
import type { LeakRecord } from '../report/report';
import { FILE_SCOPE, type FileEntries } from './format';

/** A baseline entry the run leaked less than: `known` in the file, `now` in this run. */
export interface StaleEntry {
  /** The test file, relative to rootDir (with `/`), as in a LeakRecord. */
  readonly testFile: string;
  /** null for the file's own leaks (FILE_SCOPE in the baseline). */
  readonly testName: string | null;
  readonly kind: Kind;
  readonly known: number;
  readonly now: number;
}

/** Whether a test of the file ran ('ran'), was skipped or filtered out ('skipped'); absent: no such test any more. */
export type TestRuns = ReadonlyMap<string, 'ran' | 'skipped'>;

function bump(counts: Map<string, Map<Kind, number>>, key: string, kind: Kind, by: number): void {
  const kinds = counts.get(key) ?? new Map<Kind, number>();
  counts.set(key, kinds);
  kinds.set(kind, (kinds.get(kind) ?? 0) + by);
}

export class Allowance {
  /** Leaked resources seen so far, per test (or FILE_SCOPE) and kind. */
  private readonly seen = new Map<string, Map<Kind, number>>();

  constructor(private readonly entries: FileEntries) {}

  /** How many leaks of this kind the baseline knows for the test (null: the file's own). */
  known(testName: string | null, kind: Kind): number {
    return this.entries[testName ?? FILE_SCOPE]?.[kind] ?? 0;
  }

  /**
   * The records with those within the known counts marked `baselined`, in order. A group that
   * crosses the count is split: its first resources are known, the rest fail. (Which of
   * several identical leaks is "new" cannot be told; the count is what the baseline keeps.)
   */
  apply(records: readonly LeakRecord[]): LeakRecord[] {
    const out: LeakRecord[] = [];
    for (const record of records) {
      const key = record.testName ?? FILE_SCOPE;
      const before = this.seen.get(key)?.get(record.kind) ?? 0;
      bump(this.seen, key, record.kind, record.count);
      const covered = Math.min(record.count, Math.max(0, this.known(record.testName, record.kind) - before));
      if (covered === 0) out.push(record);
      else if (covered === record.count) out.push({ ...record, baselined: true });
      else out.push({ ...record, count: covered, baselined: true }, { ...record, count: record.count - covered });
    }
    return out;
  }

  /**
   * Entries the file leaked less than they say, once all its verdicts are in. Judged only
   * when some test ran (a file that failed to load ran none: its entries are not stale),
   * and for tests that ran or no longer exist; a skipped test's entries are kept.
   */
  stale(testFile: string, tests: TestRuns): StaleEntry[] {
    if (![...tests.values()].includes('ran')) return [];
    const stale: StaleEntry[] = [];
    for (const [key, counts] of Object.entries(this.entries)) {
      if (key !== FILE_SCOPE && tests.get(key) === 'skipped') continue;
      for (const [kind, known] of Object.entries(counts) as Array<[Kind, number]>) {
        const now = this.seen.get(key)?.get(kind) ?? 0;
        if (now < known) stale.push({ testFile, testName: key === FILE_SCOPE ? null : key, kind, known, now });
      }
    }
    return stale;
  }
}
