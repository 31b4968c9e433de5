import { expectFailedWith, expectPassed, failureText, runJest, type JestRun, JEST_VERSIONS } from './helpers/run-jest';

// Issue 8: a promise report says what keeps the promise alive (the `retainers` option: a
// heap snapshot per file with promise leaks), and asking for that never changes a verdict.
describe.each(JEST_VERSIONS)('what keeps a leaked promise alive (Jest %i)', (jest) => {
  let on: JestRun;
  let off: JestRun;
  beforeAll(() => {
    on = runJest('retainers', { jest });
    off = runJest('retainers', { jest, args: ['--testEnvironmentOptions', JSON.stringify({ leakcheck: { retainers: false } })] });
  });

  test('a wait on a module-level emitter names the variable and the event', () => {
    expectFailedWith(on, 'awaits a module-level bus', "[promise] async function waitForReady, suspended at await once(bus, 'ready') (retained.test.js:9)");
    expect(failureText(on.test('awaits a module-level bus'))).toMatch(/Kept alive by: (retained\.test\.js|lib\/bus\.js): `bus` \(EventEmitter\)\._events\.(ready|error)\b.* → this promise/);
  });

  test('a resolver kept in a module-level array names the array and the index', () => {
    expectFailedWith(on, 'a stored resolver', 'Kept alive by: retained.test.js: `waiting` (Array)[0] → this promise');
  });

  test('a promise in a module-level cache names the cache, in a second worker too', () => {
    expectFailedWith(on, 'a promise kept in a module-level cache', 'Kept alive by: cache.test.js: `cache` (Map) → this promise');
  });

  test('in a worker that loaded the TypeScript compiler (as under ts-jest) too', () => {
    expectFailedWith(on, 'a stored resolver, with the TypeScript compiler loaded', 'Kept alive by: big-script.test.js: `waiting` (Array)[0] → this promise');
  });

  test('garbage is still garbage', () => {
    expectPassed(on, 'garbage is not a leak');
    expectPassed(on, 'a dropped pending promise is garbage');
  });

  test('the same verdict for every test with and without the snapshot', () => {
    const verdicts = (run: JestRun): string[] => run.files.flatMap((file) => file.assertionResults.map((t) => `${t.fullName}: ${t.status}`)).sort();
    expect(verdicts(off)).toEqual(verdicts(on));
    expect(verdicts(on).filter((v) => v.endsWith('failed'))).toHaveLength(4);
  });

  test('without the option, the hint says how to find the reference', () => {
    const text = failureText(off.test('a stored resolver'));
    expect(text).not.toContain('Kept alive by');
    expect(text).toContain('the `retainers` option shows which reference that is');
    expect(failureText(on.test('a stored resolver'))).not.toContain('the `retainers` option');
  });
});
