// fetch(): Node's fetch opens its socket some 30 frames below the call (and may reuse an idle
// kept-alive one opened by another test), so without help a request left in flight is a
// `[socket]` with no frame of the user's. The report names the fetch() call, its URL, and
// how to fix it; an awaited or aborted fetch passes, in strict mode and with includeUnref too.
import { expectFailedWith, expectPassed, runJest, type JestRun, JEST_VERSIONS } from './helpers/run-jest';

const FIX = 'Fix: await the fetch() and read its response body (await res.text(), or res.body?.cancel()), or abort it before the test ends';

/** `[socket] fetch() … request to <server>/<path> still in flight (TCP socket connected to …)` */
function inFlight(path: string, method = ''): RegExp {
  const url = `http://127\\.0\\.0\\.1:(\\d+)/${path.replace(/[?.]/g, '\\$&')}`;
  return new RegExp(`\\[socket\\] fetch\\(\\) ${method}request to ${url} still in flight \\(TCP socket connected to 127\\.0\\.0\\.1:\\1\\)\\n`);
}

describe.each(JEST_VERSIONS)('fetch() on Jest %i', (jest) => {
  let run: JestRun;
  beforeAll(() => {
    run = runJest('fetch', { jest });
  });

  test('a fetch left in flight names the fetch() line, its URL (query hidden) and the fix', () => {
    const text = expectFailedWith(run, 'leaves a fetch in flight', '1 async resource created by this test', inFlight('slow?…'), FIX, /at \S+ \(\S*default\.test\.js:10:3\)/);
    expect(text).not.toContain('secret');
    expectFailedWith(run, 'leaves a POST in flight', inFlight('slow', 'POST '), /default\.test\.js:35:3\)/);
  });

  test('a fetch sent on a kept-alive connection another test opened is charged to the test that sent it', () => {
    expectFailedWith(run, 'reuses a kept-alive connection and leaves that fetch in flight', inFlight('slow'), /default\.test\.js:19:3\)/);
    expectFailedWith(run, 'leaves a response body unread', inFlight('unfinished'), /default\.test\.js:30:21\)/);
    expectPassed(run, 'awaits its fetch');
    expectPassed(run, 'aborts its fetch');
  });

  test('strict (timeoutMs: 0): the same report; awaited and aborted fetches pass', () => {
    expectFailedWith(run, 'leaves a fetch in flight (strict)', inFlight('slow'), FIX, /strict\.test\.js:13:3\)/);
    expectPassed(run, 'awaits its fetch (strict)');
    expectPassed(run, 'aborts its fetch (strict)');
  });

  test("includeUnref: fetch's idle kept-alive connections and its own timers are Node's, not the test's", () => {
    expectPassed(run, 'awaits its fetch (includeUnref)');
    const text = expectFailedWith(run, 'leaves a fetch in flight (includeUnref)', '1 async resource created by this test', inFlight('slow'), /unref\.test\.js:20:3\)/);
    expect(text).not.toContain('[timer]');
    expect(run.file('unref.test.js').message).not.toContain('Test suite failed to run');
  });

  test('a fetch left in flight by beforeAll fails the file, naming its line', () => {
    expectPassed(run, 'runs while a fetch from beforeAll is in flight');
    const file = run.file('file-scope.test.js');
    expect(file.status).toBe('failed');
    expect(file.message).toContain('1 async resource created outside any test');
    expect(file.message).toMatch(inFlight('slow'));
    expect(file.message).toMatch(/file-scope\.test\.js:6:3\)/);
  });

  test('no internal errors', () => {
    expect(run.files).toHaveLength(4);
    expect(run.stderr).not.toContain('internal error');
  });
});
