import { expectFailedWith, expectPassed, failureText, runJest, type JestRun, PROMISE_WATCHING } from './helpers/run-jest';

// Issue 8: verdicts a maintainer would agree with on real code. What the detector keeps
// (creation stacks, records) never keeps a promise alive; what only Jest's bookkeeping keeps
// alive is not the code's leak; work that stops by itself gets the grace; real leaks are
// still caught, and charged to the test that made them.
describe.each(PROMISE_WATCHING)('verdicts on real-code patterns (Jest %i, promises %s)', (jest, watching, env) => {
  let run: JestRun;
  beforeAll(() => {
    run = runJest('verdict', { jest, env });
  });

  describe('garbage is not a leak, whatever the detector captured before it', () => {
    const cases = ['dropped object with a pending promise', 'Promise.race loser, timer cleared', 'events.once on a local emitter', 'error guard on a local response'];
    // The same code with no promise before it and after 500 (past the budget of captured
    // stacks): a captured stack must not change the verdict.
    test.each(cases.flatMap((name) => [`${name} (first)`, `${name} (after 500)`]))('%s', (name) => {
      expectPassed(run, name);
    });
  });

  // Each failed in every run, in both watch modes, while the detector kept such stacks unread.
  test.each([
    'a cleared timer a dropped object armed, kept after the test',
    'an unref’d timer a dropped object armed, still scheduled after the test',
    'a server a dropped object created, kept after the test',
    'a server a dropped object listened on and closed, kept after the test',
    'an error guard on a server response, with the date cache timer armed in its methods',
    'the value of a settled promise is collected while the test runs',
    // These two while a handle's record kept its unread stack until the test ended.
    'a dropped object that armed and cleared its timer is collected while the test runs',
    'a dropped object that opened and closed its server is collected while the test runs',
  ])('what the detector keeps keeps no garbage alive: %s', (name) => {
    expectPassed(run, name);
  });

  // A pending promise's creation stack names the object that made it, which holds the
  // promise. By reference, the unread stack is kept by the promise, not the record (both
  // failed in every run before). Watched, the record has nothing to find it by and holds it
  // itself until the test ends: a known limit, asserted so that it cannot go unnoticed.
  const madeByDroppedObject = [
    'a dropped object whose constructor made its pending promise is collected while the test runs',
    'a dropped object whose method made its pending promise is collected while the test runs',
  ];
  if (watching === 'by reference') {
    test.each(madeByDroppedObject)('an unread stack keeps no garbage alive while the test runs: %s', (name) => {
      expectPassed(run, name);
    });
  } else {
    test.each(madeByDroppedObject)('watched, an unread stack keeps its object until the test ends (known limit): %s', (name) => {
      expect(run.test(name).status).toBe('failed');
      expect(failureText(run.test(name))).not.toContain('leakcheck');
    });
  }

  test.each([1, 2, 3])('a promise kept alive only by jest.fn() call records is not a leak (%i)', (i) => {
    expectPassed(run, `fire-and-forget call ${i} is kept alive only by mock.calls`);
  });

  test('a promise kept alive only by a spy’s restore record is not a leak', () => {
    expectPassed(run, 'an object with a pending promise, kept only by the restore record of a spy on it');
  });

  test('a job awaiting a pending fake timer (a sinon clock the test installed, or Jest’s) is not a promise leak', () => {
    expectPassed(run, 'a job awaiting a pending fake setTimeout is a pending fake timer, not a promise leak');
    expectPassed(run, 'a job awaiting a pending jest fake setTimeout is not a promise leak');
  });

  test.each([1, 2, 3])('the losers of a settled race in a child-process helper are garbage (%i)', (i) => {
    expectPassed(run, `a child process helper racing close against stream errors (${i})`);
  });

  test('web streams and fetch’s lazy init, at module scope and in a test, are garbage', () => {
    expectPassed(run, 'a Response body that is never read');
    expectPassed(run, 'a ReadableStream that is never read');
    expect(run.file('streams.test.js').status).toBe('passed');
  });

  test('the grace is skipped only when nothing of the file can still run: a waiter a live interval serves in time passes', () => {
    expectPassed(run, 'a waiter served by a live module-level interval after the test ended is not a leak');
  });

  test('what a FinalizationRegistry cleanup lets go of is garbage (the verdict collects again after cleanups)', () => {
    expectPassed(run, 'a pending promise a FinalizationRegistry cleanup deletes from a cache is not a leak');
    expectPassed(run, 'a pending promise held by a registration’s held value is not a leak');
    expectPassed(run, 'a pending promise a cleanup the detector cannot see deletes from a cache is not a leak');
    expectFailedWith(run, 'a pending promise that stays in the cache is still a leak', /\[promise\] new Promise created at finalizers\.test\.js:\d+ is never resolved or rejected/);
  });

  test('what only a third collection frees, after work the second let run, is garbage too', () => {
    expectPassed(run, 'a pending promise a timer deletes from a cache after two collections is not a leak');
  });

  test('what only a third collection frees, with nothing of the file left to run, is garbage too', () => {
    expectPassed(run, 'a pending promise let go of by the cleanup of a holder another cleanup let go of is not a leak');
  });

  test('a promise waiting for a WebAssembly compilation (no async resource) gets the grace: not a leak', () => {
    expectPassed(run, 'a promise waiting for a WebAssembly compilation that ends after the test is not a leak');
    expect(run.file('wasm.test.js').status).toBe('passed');
  });

  test('real hangs are still caught: a wait on a module-level bus', () => {
    expectFailedWith(
      run,
      'a fire-and-forget wait on a module-level bus is still a leak',
      "[promise] an anonymous async function, suspended at await once(bus, 'ready') (bookkeeping.test.js:73)",
    );
  });

  test('a promise a later test settles after the grace was a leak of the test that made it', () => {
    expectFailedWith(run, 'a wait on a module-level bus that a later test ends', /\[promise\] once\(\) called at garbage\.test\.js:\d+ never settles/);
    expectPassed(run, 'a later test that ends it after the grace');
  });

  test('a timer guarding a close handshake is judged after the socket’s last callbacks (ws clears its close timer there)', () => {
    expectPassed(run, 'a close handshake whose guard timer the closing socket clears');
    expectFailedWith(run, 'a long timer the closing socket does not clear is still a leak', '[timer] setTimeout of 30000 ms', /close-guard\.test\.js:\d+:\d+\)/);
  });

  test('sockets closing and self-clearing intervals get the grace', () => {
    expectPassed(run, 'a client close handshake not awaited');
    expectPassed(run, 'a socket the peer hangs up on');
    expectPassed(run, 'a setInterval that clears itself after 20 ms');
  });

  test('an interval nobody clears is reported, whatever else is pending', () => {
    const text = expectFailedWith(run, 'an interval nobody clears, next to an unrelated 50 ms timer, is still a leak', '[timer] setInterval every 10 ms');
    expect(text).not.toContain('setTimeout of 50 ms');
    expect(run.file('grace.test.js').message).not.toContain('outside any test');
  });

  test('what a test queues last (nextTick, a microtask) is charged to the test', () => {
    expectFailedWith(run, 'an interval created from process.nextTick', '[timer] setInterval every 1000 ms', /ticks\.test\.js:11:16\)/);
    expectFailedWith(run, 'an interval created from a microtask', '[timer] setInterval every 1000 ms', /ticks\.test\.js:17:21\)/);
    expectPassed(run, 'the next test is clean');
    expect(run.file('ticks.test.js').message).not.toContain('outside any test');
  });

  test('a resource that cannot be inspected is reported as such, and does not hide the others', () => {
    const text = expectFailedWith(
      run,
      'a timer whose hasRef throws, next to a leaked server',
      '2 async resources created by this test are still alive',
      '[timer] Timeout that could not be inspected (Error: hasRef sabotaged), so it is reported as still alive',
      /\[server\] TCP server listening on 127\.0\.0\.1:\d+/,
    );
    expect(text).toMatch(/isolation\.test\.js:12:11\)/);
    expectPassed(run, 'the next test is judged normally');
    expect(run.stderr).not.toContain('internal error');
  });

  test("a dependency's module-level hang fails the file, and its frames reach the user's require line", () => {
    expectPassed(run, 'a test next to it passes');
    const file = run.file('dependency.test.js');
    expect(file.status).toBe('failed');
    expect(file.message).toContain('[promise] async function connect never finishes');
    expect(file.message).toMatch(/at .*lazy-deep\/index\.js:3:\d+\)/);
    expect(file.message).toMatch(/at .*dependency\.test\.js:3:16\)/);
  });

  test("a connection the test's server accepted is the test's, shown at the server's listen()", () => {
    const text = expectFailedWith(
      run,
      "a connection the test's server accepted and left open",
      '1 async resource created by this test is still alive',
      /\[socket\] TCP connection accepted on 127\.0\.0\.1:\d+ from 127\.0\.0\.1:\d+\n/,
    );
    expect(text).toMatch(/connections\.test\.js:23:\d+\)/);
    expect(run.file('connections.test.js').message).not.toContain('outside any test');
  });

  test('both ends of one leaked connection are one leak: the client', () => {
    const text = expectFailedWith(run, 'both ends of one leaked connection are one leak', '1 async resource created by this test', /\[socket\] TCP socket connected to/);
    expect(text).not.toContain('accepted on');
  });

  test('a socket that ended, whose peer closed, is over even if nobody read it', () => {
    expectPassed(run, 'a client that ended and never read the response the server sent before closing');
  });

  test('every test is accounted for', () => {
    expect(run.numFailedTests).toBe(watching === 'by reference' ? 10 : 12);
    expect(failureText(run.test('500 settled promises'))).toBe('');
  });
});
