// GitHub Actions workflow commands (`::error file=…,line=…::message`): each leak shows on the
// pull request's diff at the line that created it. Escaping as actions/toolkit's command.ts does.
import type { LeakRecord } from './report';

/** More annotations than this are one notice line: GitHub shows only so many per step anyway. */
export const ANNOTATION_CAP = 50;

function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export interface AnnotationOptions {
  /**
   * Records to leave out: those Jest's `github-actions` reporter already annotates (a failed
   * test's failure, at its top frame, which is its first leak's creation line).
   */
  readonly skip?: ReadonlySet<LeakRecord>;
  readonly cap?: number;
}

/** One workflow command per leak group (fail mode: error, warn mode: warning), then "and N more" past the cap. */
export function formatAnnotations(records: readonly LeakRecord[], options: AnnotationOptions): string[] {
  const cap = options.cap ?? ANNOTATION_CAP;
  const shown = records.filter((r) => !r.baselined && !options.skip?.has(r));
  const lines = shown.slice(0, cap).map((record) => {
    // Without a user frame the test file is the best place the diff can show.
    const where = record.userFrame ?? { file: record.testFile, line: 1, column: 1 };
    const test = record.testName === null ? 'outside any test' : record.testName;
    const count = record.count > 1 ? ` ×${record.count}` : '';
    const title = `Leaked ${record.kind}${count} in ${test}`;
    const message = `${record.description}${count}\nFix: ${record.hint}\nTest file: ${record.testFile}`;
    const properties = `file=${escapeProperty(where.file)},line=${where.line},col=${where.column},title=${escapeProperty(title)}`;
    return `::${record.mode === 'fail' ? 'error' : 'warning'} ${properties}::${escapeData(message)}`;
  });
  if (shown.length > cap) lines.push(`::notice title=leakcheck::and ${shown.length - cap} more leaks not annotated (see the test output)`);
  return lines;
}
