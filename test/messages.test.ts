// What a report says: an immediate described by what is known of it, a worker reported
// once (its own MessagePorts are part of it), a server with where it was created as well as
// where it listens, and leakcheck.ignoreCurrent(...kinds).
import { expectFailedWith, expectPassed, runJest, type JestRun } from './helpers/run-jest';

let run: JestRun;
beforeAll(() => {
  run = runJest('messages');
});

test('immediate (strict): a loop is told from an immediate scheduled by another one', () => {
  expectFailedWith(
    run,
    'leaves an immediate that keeps re-scheduling itself',
    '[immediate] setImmediate that keeps re-scheduling itself\nFix: stop re-scheduling it',
    /immediate-strict\.test\.js:5:22\)/,
  );
  expectFailedWith(
    run,
    'leaves an immediate scheduled by another immediate',
    '[immediate] setImmediate scheduled by another setImmediate callback, not yet run\nFix: let the chain of immediates finish',
  );
  expectPassed(run, 'awaits its immediate');
  expectPassed(run, 'leaves a one-shot immediate scheduled in its last afterEach');
});

test('worker: a worker with a message listener is one leak, the worker; its script is named', () => {
  const text = expectFailedWith(run, 'leaves a worker with a message listener running', '1 async resource created by this test', /\[worker\] worker thread \d+\n/, /worker-message\.test\.js:7:18\)/);
  expect(text).not.toContain('[message-port]');
  expect(text).not.toContain('port.close()');
  expect(run.test('leaves a worker with a message listener running').failureMessages).toHaveLength(1);
  expectFailedWith(run, 'leaves a worker script running', /\[worker\] worker thread \d+ running \S*forever-worker\.js\n/);
  expectPassed(run, 'terminates its worker with a message listener');
  expectPassed(run, 'a subclass of the Worker class still works and is checked');
});

test('server: the report names where it was created and shows both stacks', () => {
  const http = expectFailedWith(
    run,
    'leaks an http server created in a helper',
    /\[server\] TCP server listening on 127\.0\.0\.1:\d+, created by http\.createServer\(\) at servers\.test\.js:5\n/,
    /at listen \(\S*servers\.test\.js:10:41\)/,
    /servers\.test\.js:5:15\)/,
    /servers\.test\.js:9:18\)/,
  );
  // The listen() line comes first: it gets the code frame.
  expect(http.indexOf('servers.test.js:10:41')).toBeLessThan(http.indexOf('servers.test.js:5:15'));
  expectFailedWith(
    run,
    'leaks a net server',
    /\[server\] TCP server listening on 127\.0\.0\.1:\d+, created by net\.createServer\(\) at servers\.test\.js:14\n/,
    /servers\.test\.js:15:41\)/,
    /servers\.test\.js:14:22\)/,
  );
  expectPassed(run, 'closes its servers');
});

test('ignoreCurrent(...kinds) baselines only those kinds; with no kinds, everything; a bad kind is an error', () => {
  const kinds = run.file('ignore-current-kinds.test.js');
  expect(kinds.status).toBe('failed');
  expect(kinds.message).toContain('1 async resource created outside any test');
  expect(kinds.message).toMatch(/\[server\] TCP server listening on 127\.0\.0\.1:\d+, created by net\.createServer\(\) at ignore-current-kinds\.test\.js:5\n/);
  expect(kinds.message).not.toContain('[timer]');
  expectPassed(run, 'a bad kind is an error naming it');
  expect(run.file('ignore-current-all.test.js').status).toBe('passed');
  expectPassed(run, 'runs while the ignored resources are alive');
});

test('the patched functions cause no internal errors', () => {
  expect(run.files).toHaveLength(5);
  expect(run.stderr).not.toContain('internal error');
});
