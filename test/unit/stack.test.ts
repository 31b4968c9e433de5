// Creation stacks: captured unformatted in the test's realm, cleaned when reported.
import * as path from 'node:path';
import { runInNewContext } from 'node:vm';
import { withoutOwnFrames } from '../../src/circus';
import { cleanFrames, firstUserFrame, frameLocation, stackCapturer } from '../../src/stack';

const ROOT = path.resolve(__dirname, '../..');
const holder = (...frames: string[]): { stack: string } => ({ stack: ['Error', ...frames.map((f) => `    ${f}`)].join('\n') });

describe('stackCapturer', () => {
  test('captures an Error of the given realm, formatted only when its stack is read', () => {
    const RealmError = runInNewContext('Error') as ErrorConstructor;
    const prepare = jest.fn((_error: Error, callSites: NodeJS.CallSite[]) => `formatted ${callSites.length}`);
    RealmError.prepareStackTrace = prepare;
    RealmError.stackTraceLimit = 3;
    const captured = stackCapturer(RealmError)(7);
    expect(captured).toBeInstanceOf(RealmError);
    expect(prepare).not.toHaveBeenCalled();
    // The realm's own limit is restored; the capture used its own.
    expect(RealmError.stackTraceLimit).toBe(3);
    expect(captured.stack).toMatch(/^formatted [1-7]$/);
    expect(prepare).toHaveBeenCalledTimes(1);
  });
});

describe('cleanFrames', () => {
  const user = `at Object.<anonymous> (${ROOT}/test/fixtures/x/a.test.js:3:5)`;
  const library = 'at Pool.connect (/project/node_modules/pg-pool/index.js:45:11)';

  test('drops the detector’s own frames, Node internals and Jest machinery; keeps user and library frames', () => {
    const frames = cleanFrames(
      holder(
        `at Tracker.init (${ROOT}/build/tracker.js:97:20)`,
        `at AsyncHook.init (${ROOT}/src/tracker.ts:60:63)`,
        'at emitInitNative (node:internal/async_hooks:202:43)',
        'at new Promise (<anonymous>)',
        'at Server.listen (node:net:2011:7)',
        library,
        user,
        'at async Promise.all (index 0)',
        'at callAsyncCircusFn (/project/node_modules/jest-circus/build/jestAdapterInit.js:1774:10)',
        'at Object.toBe (/project/node_modules/expect/build/index.js:10:1)',
        'at runTest (/project/node_modules/@jest/core/build/index.js:1:1)',
      ),
    );
    expect(frames).toEqual([library, user]);
  });

  test('keeps at most `max` frames', () => {
    const many = Array.from({ length: 20 }, (_, i) => `at f${i} (/project/src/m.js:${i + 1}:1)`);
    expect(cleanFrames(holder(...many), 4)).toEqual(many.slice(0, 4));
  });

  test('a stack that cannot be read gives no frames', () => {
    const throwing = {
      get stack(): string {
        throw new Error('no');
      },
    };
    expect(cleanFrames(throwing)).toEqual([]);
    expect(cleanFrames({})).toEqual([]);
  });
});

describe('frameLocation', () => {
  test.each([
    ['at fn (/a/b.js:3:5)', { file: '/a/b.js', line: 3, column: 5 }],
    ['at /a/b.js:3:5', { file: '/a/b.js', line: 3, column: 5 }],
    ['at Object.<anonymous> (file:///a/b c.mjs:10:2)', { file: '/a/b c.mjs', line: 10, column: 2 }],
    ['at new Promise (<anonymous>)', undefined],
  ])('%s', (frame, location) => {
    expect(frameLocation(frame)).toEqual(location);
  });
});

test('firstUserFrame skips dependencies, or falls back to the first frame', () => {
  const dep = 'at connect (/p/node_modules/lib/index.js:1:1)';
  const mine = 'at start (/p/src/server.js:2:2)';
  expect(firstUserFrame([dep, mine])).toBe(mine);
  expect(firstUserFrame([dep])).toBe(dep);
  expect(firstUserFrame([])).toBeUndefined();
});

describe('withoutOwnFrames (errors thrown through the test wrapper)', () => {
  test('removes only the detector’s frames from an error’s stack, in place', () => {
    const error = new Error('boom');
    const user = '    at Object.<anonymous> (/p/a.test.js:3:17)';
    const jest = '    at callAsyncCircusFn (/p/node_modules/jest-circus/build/jestAdapterInit.js:1774:10)';
    error.stack = ['Error: boom', user, `    at ${ROOT}/build/circus.js:15:31`, `    at Tracker.runAs (${ROOT}/build/tracker.js:134:14)`, jest].join('\n');
    expect(withoutOwnFrames(error)).toBe(error);
    expect(error.stack).toBe(['Error: boom', user, jest].join('\n'));
  });

  test('leaves non-errors and frozen errors alone', () => {
    expect(withoutOwnFrames('text')).toBe('text');
    expect(withoutOwnFrames(null)).toBeNull();
    const frozen = Object.freeze({ stack: `Error\n    at ${ROOT}/build/circus.js:1:1` });
    expect(withoutOwnFrames(frozen)).toBe(frozen);
    expect(frozen.stack).toContain('circus.js');
  });
});
