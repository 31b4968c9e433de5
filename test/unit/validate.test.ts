// Validation of options, rules and pragmas: the values, and the shape of the messages.
import { ValidationError } from 'jest-validate';
import { DEFAULTS } from '../../src/config/options';
import { checkOptions, checkPragmas, checkRule, listOf, validationError } from '../../src/config/validate';

// chalk may colour the messages; the assertions are about the words.
const plain = (text: string): string => text.replace(/\u001b\[[0-9;]*m/g, '');

describe('checkOptions', () => {
  test('undefined and {} are the defaults, with no problems', () => {
    const problems: string[] = [];
    expect(checkOptions(undefined, 'leakcheck', problems)).toBe(DEFAULTS);
    expect(checkOptions({}, 'leakcheck', problems)).toEqual(DEFAULTS);
    expect(problems).toEqual([]);
  });

  test('every valid option is taken', () => {
    const problems: string[] = [];
    const options = checkOptions(
      {
        kinds: [],
        ignore: [{ kind: 'timer', file: 'src/**' }],
        timeoutMs: 0,
        mode: 'off',
        includeUnref: true,
        fakeTimers: true,
        verbose: true,
        retainers: true,
        baseline: 'leaks.json',
        strictBaseline: true,
        contain: 'unref',
      },
      'leakcheck',
      problems,
    );
    expect(problems).toEqual([]);
    expect(options).toEqual({
      kinds: new Set(),
      ignore: [{ kind: 'timer', file: 'src/**' }],
      timeoutMs: 0,
      mode: 'off',
      includeUnref: true,
      fakeTimers: true,
      verbose: true,
      retainers: true,
      baseline: 'leaks.json',
      strictBaseline: true,
      contain: 'unref',
    });
  });

  test('baseline is a non-empty path, strictBaseline a boolean', () => {
    const problems: string[] = [];
    checkOptions({ baseline: '', strictBaseline: 'yes' }, 'leakcheck', problems);
    expect(problems.join('\n')).toContain('Option "leakcheck.baseline" must be a path relative to rootDir, such as "leakcheck-baseline.json"');
    expect(problems.join('\n')).toContain('Option "leakcheck.strictBaseline" must be a boolean (true or false)');
  });

  test('contain: one of stop, unref, off; a misspelling is named with its suggestion', () => {
    const problems: string[] = [];
    for (const contain of ['stop', 'unref', 'off'] as const) expect(checkOptions({ contain }, 'leakcheck', problems).contain).toBe(contain);
    expect(problems).toEqual([]);
    const options = checkOptions({ contain: 'stpo' }, 'leakcheck', problems);
    expect(options.contain).toBeNull();
    expect(problems.map(plain)).toEqual([
      expect.stringContaining('Option "leakcheck.contain" must be one of "stop", "unref" or "off", but instead received:\n    "stpo"'),
    ]);
    expect(plain(problems[0])).toContain('Did you mean "stop"?');
  });

  test('one problem per bad option, each naming its path and value; good options are still taken', () => {
    const problems: string[] = [];
    const options = checkOptions({ timeoutMs: Number.NaN, mode: 'warn', kinds: 'timer', ignore: {} }, 'leakcheck', problems);
    expect(options.mode).toBe('warn');
    expect(options.timeoutMs).toBe(DEFAULTS.timeoutMs);
    expect(problems.map(plain)).toEqual([
      expect.stringContaining(
        'Option "leakcheck.timeoutMs" must be a number of milliseconds from 0 (strict: no waiting) to 60000, but instead received:\n    NaN\n' +
          '  It is not JSON: with parallel workers it would arrive as null.',
      ),
      expect.stringContaining('Option "leakcheck.kinds" must be an array of kinds, each one of the kinds "timer"'),
      expect.stringContaining('Option "leakcheck.ignore" must be an array of ignore rules'),
    ]);
  });

  test('a non-object for leakcheck itself', () => {
    const problems: string[] = [];
    checkOptions(['timer'], 'leakcheck', problems);
    expect(plain(problems[0])).toContain('Option "leakcheck" must be an object with any of the options');
  });
});

describe('checkRule', () => {
  test.each([
    [{ module: '@scope/name' }],
    [{ module: 'pg-pool' }],
    [{ function: 'Pool.connect' }],
    [{ file: '<rootDir>/src/{a,b}/**' }],
    [{ stack: 'at x' }],
    [{ kind: 'timer' }],
    [{ kind: ['timer', 'promise'], module: 'x', function: 'y', file: 'z', stack: 'w' }],
  ])('accepts %j', (rule) => {
    const problems: string[] = [];
    expect(checkRule(rule, 'rule', problems)).toEqual(rule);
    expect(problems).toEqual([]);
  });

  test.each([
    [null, 'must be an object with at least one of'],
    [[], 'must be an object with at least one of'],
    [{ kind: [] }, 'must be a non-empty array of kinds'],
    [{ module: '' }, 'must be a package name'],
    [{ module: './lib' }, 'must be a package name'],
    [{ module: 3 }, 'must be a package name'],
    [{ function: 'a b' }, 'must be a function name'],
    [{ file: '{a,b' }, 'It is not a valid glob'],
    [{ stack: '   ' }, 'must be a non-empty string'],
    [{ regex: 'x' }, 'Unknown ignore rule field "rule.regex"'],
  ])('rejects %j', (rule, text) => {
    const problems: string[] = [];
    expect(checkRule(rule, 'rule', problems)).toBeUndefined();
    expect(problems).toHaveLength(1);
    expect(plain(problems[0])).toContain(text);
  });

  test('fields set to undefined are absent (as JSON would have them)', () => {
    const problems: string[] = [];
    expect(checkRule({ module: 'pg', stack: undefined }, 'rule', problems)).toEqual({ module: 'pg' });
  });
});

describe('checkPragmas', () => {
  test('kinds separated by commas and/or spaces', () => {
    const problems: string[] = [];
    const result = checkPragmas({ 'leakcheck-allow': 'timer,promise  socket' }, problems);
    expect(problems).toEqual([]);
    expect(result.allow).toEqual(new Set(['timer', 'promise', 'socket']));
  });

  test('an empty @leakcheck-allow wins over listed kinds', () => {
    expect(checkPragmas({ 'leakcheck-allow': ['timer', ''] }, []).allow).toBe('all');
  });

  test('a repeated @leakcheck-mode is a problem', () => {
    const problems: string[] = [];
    checkPragmas({ 'leakcheck-mode': ['warn', 'fail'] }, problems);
    expect(plain(problems[0])).toContain('Pragma "@leakcheck-mode" must be followed by one of "fail", "warn" or "off"');
  });
});

describe('validationError', () => {
  test('a jest-validate ValidationError, with every problem and no stack', () => {
    const error = validationError('intro', ['  one', '  two']);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.stack).toBe('');
    expect(plain(error.message)).toBe(
      '● Validation Error:\n\n  intro (2 problems):\n\n  one\n\n  two\n\n  Configuration Documentation:\n  https://github.com/jest-environment-leakcheck/jest-environment-leakcheck#options',
    );
  });

  test('listOf', () => {
    expect(listOf(['a'])).toBe('"a"');
    expect(listOf(['a', 'b', 'c'], 'and')).toBe('"a", "b" and "c"');
  });
});
