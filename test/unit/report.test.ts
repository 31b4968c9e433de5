// Grouping and formatting of leak reports.
import chalk from 'chalk';
import { describeLeak, formatReport, groupLeaks, headline, leakError, toRecords, userFrameOf, type Leak, type LeakInput } from '../../src/report/report';

const level = chalk.level;
beforeEach(() => {
  chalk.level = 0;
});
afterAll(() => {
  chalk.level = level;
});

const AT_LINE_3 = ['at Object.<anonymous> (/project/a.test.js:3:5)'];
const AT_LINE_9 = ['at Object.<anonymous> (/project/a.test.js:9:5)'];

function input(kind: LeakInput['kind'], description: string, frames: readonly string[]): LeakInput {
  return { kind, description, hint: `fix the ${kind}`, frames, userFrame: null };
}

function leak(kind: LeakInput['kind'], description: string, count = 1, frames: readonly string[] = AT_LINE_3): Leak {
  return { ...input(kind, description, frames), count };
}

describe('groupLeaks', () => {
  test('leaks of one kind created at the same place are one group with a count, in first-seen order', () => {
    const groups = groupLeaks([
      input('timer', 'setInterval every 10 ms', AT_LINE_3),
      input('server', 'TCP server listening on 127.0.0.1:1', AT_LINE_9),
      input('timer', 'setInterval every 10 ms', AT_LINE_3),
      input('timer', 'setInterval every 10 ms', AT_LINE_3),
    ]);
    expect(groups.map((g) => [g.kind, g.count])).toEqual([
      ['timer', 3],
      ['server', 1],
    ]);
  });

  test('the same place but another kind, or another place, is another group', () => {
    const groups = groupLeaks([
      input('timer', 'setTimeout of 5 ms', AT_LINE_3),
      input('immediate', 'setImmediate that keeps re-scheduling itself', AT_LINE_3),
      input('timer', 'setTimeout of 5 ms', AT_LINE_9),
    ]);
    expect(groups.map((g) => g.count)).toEqual([1, 1, 1]);
  });

  test('without a stack, identical descriptions group and different ones do not', () => {
    const groups = groupLeaks([
      input('socket', 'pipe socket', []),
      input('socket', 'pipe socket', []),
      input('socket', 'UDP socket bound to 127.0.0.1:9', []),
    ]);
    expect(groups.map((g) => [g.description, g.count])).toEqual([
      ['pipe socket', 2],
      ['UDP socket bound to 127.0.0.1:9', 1],
    ]);
  });
});

describe('headline', () => {
  test('counts resources, singular and plural, for a test and for the file', () => {
    expect(headline(1, 'test')).toBe('1 async resource created by this test is still alive after it finished.');
    expect(headline(3, 'test')).toBe('3 async resources created by this test are still alive after it finished.');
    expect(headline(2, 'file')).toBe(
      '2 async resources created outside any test (module scope, beforeAll or afterAll) are still alive after the last afterAll.',
    );
  });
});

describe('leakError', () => {
  test('one group: headline, [kind] description, fix hint; the stack is the creation frames', () => {
    const error = leakError([leak('timer', 'setInterval every 1000 ms')], { scope: 'test', maxGroups: 5 });
    expect(error.name).toBe('LeakError');
    expect(error.message).toBe(
      [
        'leakcheck: 1 async resource created by this test is still alive after it finished.',
        '',
        '[timer] setInterval every 1000 ms',
        'Fix: fix the timer',
      ].join('\n'),
    );
    // Jest prints message then frames, with a code frame at the first one.
    expect(error.stack).toBe(`${error.message}\n    at Object.<anonymous> (/project/a.test.js:3:5)`);
  });

  test('several groups are one error: each with its count, fix and place; the stack is the first group\'s', () => {
    const error = leakError([leak('timer', 'setTimeout of 5 ms', 3), leak('server', 'TCP server', 1, AT_LINE_9)], { scope: 'test', maxGroups: 5 });
    expect(error.message).toBe(
      [
        'leakcheck: 4 async resources created by this test are still alive after it finished.',
        '',
        '[timer] setTimeout of 5 ms (×3)',
        'Fix: fix the timer',
        'Created at /project/a.test.js:3:5',
        '',
        '[server] TCP server',
        'Fix: fix the server',
        'Created at /project/a.test.js:9:5',
      ].join('\n'),
    );
    expect(error.stack).toBe(`${error.message}\n    at Object.<anonymous> (/project/a.test.js:3:5)`);
  });

  test('no line of the message reads as a stack frame to Jest', () => {
    const error = leakError([leak('timer', 'a'), leak('timer', 'b', 1, AT_LINE_9)], { scope: 'test', maxGroups: 5 });
    // jest-message-util takes the first `at …:line:column` line for the start of the stack.
    expect(error.message).not.toMatch(/\n\s*at\s.*:\d*:\d*/);
  });

  test('at most maxGroups are shown, then how many more were left out', () => {
    const leaks = [leak('timer', 'a'), leak('timer', 'b', 1, AT_LINE_9), leak('socket', 'c', 3, []), leak('worker', 'd', 2, [])];
    const error = leakError(leaks, { scope: 'file', maxGroups: 2 });
    expect(error.message).toContain('7 async resources created outside any test');
    expect(error.message).not.toContain('[socket]');
    expect(error.message).toMatch(/…and 5 more leaked resources not shown\.$/);
  });

  test('a footer closes the error', () => {
    const error = leakError([leak('timer', 'a'), leak('timer', 'b', 1, AT_LINE_9)], { scope: 'test', maxGroups: 5, footer: 'To accept them: …' });
    expect(error.message).toMatch(/\n\nTo accept them: …$/);
  });

  test('a leak without frames: the message, then one anonymous frame Jest hides (it splits the message from the stack there)', () => {
    const error = leakError([leak('socket', 'pipe socket', 1, [])], { scope: 'test', maxGroups: 5 });
    expect(error.stack).toBe(`${error.message}\n    at <anonymous>:0:0`);
  });
});

describe('toRecords', () => {
  test('every group, with its context; the user frame relative to rootDir', () => {
    const leaks: Leak[] = [
      { ...leak('timer', 'a', 2), userFrame: { file: '/project/test/a.test.js', line: 3, column: 5, function: null } },
      { ...leak('promise', 'b'), retainedBy: 'x → this promise' },
    ];
    const records = toRecords(leaks, { rootDir: '/project', testPath: '/project/test/a.test.js', testName: 'd › t', scope: 'test', mode: 'warn' });
    expect(records).toEqual([
      {
        testFile: 'test/a.test.js',
        testName: 'd › t',
        scope: 'test',
        kind: 'timer',
        description: 'a',
        hint: 'fix the timer',
        userFrame: { file: 'test/a.test.js', line: 3, column: 5, function: null },
        frames: AT_LINE_3,
        count: 2,
        retainedBy: null,
        mode: 'warn',
        baselined: false,
      },
      expect.objectContaining({ kind: 'promise', retainedBy: 'x → this promise', userFrame: null }),
    ]);
  });

  test('userFrameOf: the first frame of the user\'s own code, not a dependency\'s', () => {
    expect(userFrameOf(['at Pool.connect (/project/node_modules/pg/pool.js:10:3)', 'at start (/project/src/db.js:4:9)'])).toEqual({
      file: '/project/src/db.js',
      line: 4,
      column: 9,
      function: 'start',
    });
    expect(userFrameOf(['at Pool.connect (/project/node_modules/pg/pool.js:10:3)'])).toBeNull();
  });
});

describe('colour', () => {
  test('none when chalk has no colour (Jest without colour)', () => {
    const text = [describeLeak(leak('timer', 'a', 2)), leakError([leak('timer', 'a')], { scope: 'test', maxGroups: 5 }).message];
    for (const part of text) expect(part).not.toMatch(/\u001b\[/);
  });

  test('the leakcheck label, the kind and the Fix label are coloured when Jest uses colour', () => {
    chalk.level = 1;
    const error = leakError([leak('timer', 'setTimeout of 5 ms', 2)], { scope: 'test', maxGroups: 5 });
    expect(error.message).toContain(chalk.bold.red('leakcheck:'));
    expect(error.message).toContain(chalk.bold('[timer]'));
    expect(error.message).toContain(chalk.dim('Fix:'));
    expect(error.message).toContain(chalk.dim(' (×2)'));
  });
});

describe('formatReport (warn mode)', () => {
  test('names where, lists every shown group with its frames, and counts the rest', () => {
    const text = formatReport([leak('timer', 'a'), leak('server', 'b', 1, AT_LINE_9), leak('socket', 'c', 2, [])], { scope: 'test', maxGroups: 2 }, 'my test');
    expect(text.split('\n')[0]).toBe('leakcheck (warn): my test: 4 async resources created by this test are still alive after it finished.');
    expect(text).toContain('[timer] a\nFix: fix the timer\n    at Object.<anonymous> (/project/a.test.js:3:5)');
    expect(text).toContain('[server] b');
    expect(text).not.toContain('[socket]');
    expect(text).toMatch(/…and 2 more not shown\.$/);
  });
});
