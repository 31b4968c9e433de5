// Every kind of resource: a leaking case fails its test naming the kind, a description and
// the creation line; its clean twin (closed, cleared, awaited, unref'd) passes.
import { expectPassed, failureText, runJest, type JestRun } from './helpers/run-jest';

let run: JestRun;
beforeAll(() => {
  run = runJest('kinds');
});

/** Asserts a test failed with exactly one leak, of `kind`, described and located as given. */
function expectLeak(name: string, description: RegExp, ...locations: RegExp[]): string {
  const result = run.test(name);
  const text = failureText(result);
  expect(result.status).toBe('failed');
  expect(result.failureMessages).toHaveLength(1);
  expect(text).toContain('1 async resource created by this test is still alive after it finished.');
  expect(text).toMatch(description);
  expect(text).toMatch(/\nFix: \S/);
  for (const location of locations) expect(text).toMatch(location);
  return text;
}

function expectClean(...names: string[]): void {
  for (const name of names) expectPassed(run, name);
}

test('timer: a pending timeout and a timeout that re-arms itself leak; cleared, unref’d, awaited and finished ones do not', () => {
  expectLeak('leaks a timeout', /\[timer\] setTimeout of 60000 ms\n/, /timer\.test\.js:2:3\)/);
  expectLeak('leaks a timeout that re-arms itself', /\[timer\] setTimeout of 20 ms\n/, /timer\.test\.js:6:21\)/);
  expectClean('clears its timeout', 'unrefs its timeout', 'awaits its timeout', 'stops re-arming after a few rounds');
});

test('immediate: one that keeps re-scheduling itself leaks; a one-shot or cleared one does not', () => {
  expectLeak(
    'leaks an immediate that keeps re-scheduling itself',
    /\[immediate\] setImmediate that keeps re-scheduling itself\n/,
    /immediate\.test\.js:2:22\)/,
  );
  expectClean('one-shot immediate is clean', 'cleared immediate is clean');
});

test('server: net and http servers left listening leak, with their address; closed or unref’d ones do not', () => {
  expectLeak(
    'leaks a net server',
    /\[server\] TCP server listening on 127\.0\.0\.1:\d+, created by net\.createServer\(\) at server\.test\.js:7\n/,
    /server\.test\.js:4:63\)/,
    /server\.test\.js:7:9\)/,
  );
  expectLeak(
    'leaks an http server',
    /\[server\] TCP server listening on 127\.0\.0\.1:\d+, created by http\.createServer\(\) at server\.test\.js:11\n/,
    /server\.test\.js:11:9\)/,
  );
  expectClean('closes its net server', 'closes its http server', 'unrefs its net server');
});

test('server: a unix socket server left listening leaks, naming its path; a closed one does not', () => {
  expectLeak(
    'leaks a unix socket server',
    /\[server\] pipe server listening on \S*leakcheck-pipe-\w+[/\\]leaked\.sock, created by net\.createServer\(\) at server\.test\.js:40\n/,
    /server\.test\.js:41:\d+\)/,
  );
  expectClean('closes its unix socket server');
});

test('socket: a connected TCP client and a bound UDP socket leak; destroyed, ended and closed ones do not', () => {
  expectLeak(
    'leaves a TCP client connected',
    /\[socket\] TCP socket connected to 127\.0\.0\.1:\d+\n/,
    /socket\.test\.js:21:24\)/,
    /socket\.test\.js:26:9\)/,
  );
  expectLeak('leaks a UDP socket', /\[socket\] UDP socket bound to 127\.0\.0\.1:\d+\n/, /socket\.test\.js:43:24\)/);
  expectClean('destroys its TCP client', 'ends its TCP client', 'closes its UDP socket');
});

test('socket: a connected TLS client leaks; ended and destroyed ones do not', () => {
  expectLeak('leaves a TLS client connected', /\[socket\] TLS socket connected to 127\.0\.0\.1:\d+\n/, /tls\.test\.js:27:24\)/, /tls\.test\.js:32:9\)/);
  expectClean('ends its TLS client', 'destroys its TLS client');
});

test('child-process: a spawned process leaks once, its stdio pipes are not reported separately', () => {
  const text = expectLeak(
    'leaks a spawned process',
    /\[child-process\] child process \d+: sleep 30\n/,
    /child-process\.test\.js:4:3\)/,
  );
  expect(text).not.toContain('[socket]');
  expectClean('kills and awaits its process', 'awaits a process that exits by itself');
});

test('worker: a running worker thread leaks; a terminated one does not', () => {
  expectLeak('leaves a worker running', /\[worker\] worker thread \d+/, /worker\.test\.js:6:3\)/);
  expectClean('terminates its worker');
});

test('message-port: a port with a message listener leaks; a closed one, or one without listeners, does not', () => {
  expectLeak(
    'leaves a port listening',
    /\[message-port\] MessagePort with a message listener, never closed\n/,
    /message-port\.test\.js:4:21\)/,
  );
  expectClean('closes its port', 'a channel without listeners is clean');
});

test('fs-watcher: fs.watch and fs.watchFile leak naming the watched path; closed ones do not', () => {
  expectLeak('leaves fs.watch running', /\[fs-watcher\] fs\.watch on \S*leakcheck-watch-\w+\n/, /fs-watcher\.test\.js:11:6\)/);
  expectLeak(
    'leaves fs.watchFile running',
    /\[fs-watcher\] fs\.watchFile on \S*leakcheck-watch-\w+[/\\]watched\.txt\n/,
    /fs-watcher\.test\.js:15:6\)/,
  );
  expectClean('closes its fs.watch', 'unwatches its fs.watchFile');
});

test('file-handle: an fs.promises FileHandle left open leaks, at the line that opened it; a closed one does not', () => {
  expectLeak(
    'leaves a FileHandle open',
    /\[file-handle\] FileHandle fd \d+ on \S*data\.txt never closed\n/,
    /file-handle\.test\.js:17:31\)/,
  );
  expectClean('closes its FileHandle');
});

test('runtime internals and transient requests are never reported', () => {
  expectClean(
    'AbortSignal.timeout',
    'a PerformanceObserver and an event-loop-delay histogram',
    'in-flight requests: random bytes, sign, dns, fs, zlib, stdout',
    'an http round trip to a server it closes, through the keep-alive agent',
  );
});

test('nothing is reported again at file level, and shared resources closed in afterAll are clean', () => {
  expect(run.files).toHaveLength(11);
  for (const file of run.files) expect(file.message).not.toContain('outside any test');
  expect(run.numRuntimeErrorTestSuites).toBe(0);
});

test('the detector prints no warnings of its own (e.g. dgram’s deprecated _handle, DEP0112)', () => {
  expect(run.stderr).not.toContain('DeprecationWarning');
  expect(run.stderr).not.toContain('internal error');
});
