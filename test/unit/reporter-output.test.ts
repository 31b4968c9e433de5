// The reporter's outputs on their own: annotation escaping and cap, option validation.
import { formatAnnotations } from '../../src/report/annotations';
import type { LeakRecord } from '../../src/report/report';
import { checkReporterOptions } from '../../src/report/reporter-options';

const strip = (s: string): string => s.replace(/\u001b\[[0-9;]*m/g, '');

const record: LeakRecord = {
  testFile: 'a,b.test.js',
  testName: 'pays 100% › on: retry, twice',
  scope: 'test',
  kind: 'timer',
  description: 'setTimeout of 5 ms\r\nsecond line',
  hint: 'Clear it: 50%',
  userFrame: { file: 'src/a:b,c.js', line: 12, column: 3, function: null },
  frames: [],
  count: 1,
  retainedBy: null,
  mode: 'fail',
  baselined: false,
};

describe('formatAnnotations', () => {
  test('escapes %, CR and LF in the message, and : and , too in properties', () => {
    expect(formatAnnotations([record], {})).toEqual([
      '::error file=src/a%3Ab%2Cc.js,line=12,col=3,title=Leaked timer in pays 100%25 › on%3A retry%2C twice::setTimeout of 5 ms%0D%0Asecond line%0AFix: Clear it: 50%25%0ATest file: a,b.test.js',
    ]);
  });

  test('warn mode is a warning; file scope says "outside any test"; no user frame: the test file, line 1', () => {
    const [line] = formatAnnotations([{ ...record, mode: 'warn', scope: 'file', testName: null, userFrame: null, count: 3 }], {});
    expect(line.startsWith('::warning file=a%2Cb.test.js,line=1,col=1,title=Leaked timer ×3 in outside any test::')).toBe(true);
  });

  test('capped, with one "and N more" notice; skipped records are left out', () => {
    const many = Array.from({ length: 5 }, (_, i) => ({ ...record, userFrame: { file: 'a.js', line: i + 1, column: 1, function: null } }));
    const lines = formatAnnotations(many, { cap: 2, skip: new Set([many[0]]) });
    expect(lines).toHaveLength(3);
    expect(lines[0]).toContain('line=2,');
    expect(lines[2]).toBe('::notice title=leakcheck::and 2 more leaks not annotated (see the test output)');
  });
});

describe('checkReporterOptions', () => {
  test('accepts the options, and none', () => {
    expect(checkReporterOptions({ outputFile: 'out/leaks.json', annotations: false })).toEqual({ outputFile: 'out/leaks.json', annotations: false });
    expect(checkReporterOptions(undefined)).toEqual({});
  });

  test('names every bad option, what is allowed and the value received, with "Did you mean"', () => {
    let message = '';
    try {
      checkReporterOptions({ annotation: true, outputFile: 3 });
    } catch (error) {
      message = strip((error as Error).message);
    }
    expect(message).toContain('jest-environment-leakcheck/reporter found invalid options (2 problems):');
    expect(message).toContain('Unknown option "annotation" with value true was found. Did you mean "annotations"?');
    expect(message).toContain('Option "outputFile" must be a file path (relative to rootDir), such as "reports/leaks.json", but instead received:\n    3');
    expect(() => checkReporterOptions('leaks.json')).toThrow(/Option "reporter options" must be an object with any of the options "outputFile" and "annotations"/);
  });
});
