// A leak record for tests of what reads records (the summary, the baseline): override what matters.
import type { LeakRecord } from '../../src/report/report';

export function aRecord(fields: Partial<LeakRecord> = {}): LeakRecord {
  return {
    testFile: 'a.test.js',
    testName: 't',
    scope: 'test',
    kind: 'timer',
    description: 'd',
    hint: 'h',
    userFrame: null,
    frames: [],
    count: 1,
    retainedBy: null,
    mode: 'fail',
    baselined: false,
    ...fields,
  };
}
