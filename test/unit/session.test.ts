// The session in-process, as jest-environment-node's own tests build their class: a
// hand-made Host, jest-circus's events in jest-circus's order, each test's (wrapped)
// function called as jest-circus calls it, and the verdict read where jest-circus reads
// it: each test's errors and the state's unhandled errors. These tests run under the
// leakcheck environment themselves, so whatever an inner test leaks on purpose is cleaned
// up (cleanups, in afterEach) before the outer test ends.
import { EventEmitter, once } from 'node:events';
import { promises as fsPromises, readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import type { Circus } from '@jest/types';
import type { Leakcheck } from '../../src/api/api';
import { DEFAULTS, type ResolvedOptions } from '../../src/config/options';
import { tearDown } from '../../src/jest/create-session';
import { Session, type Host } from '../../src/jest/session';
import { annotationsFor } from '../../src/track/annotations';
import type { Annotations } from '../../src/track/kinds';
import { Patches } from '../../src/track/patches';
import { closeRun, openRun, receiveRecords } from '../../src/report/channel';
import type { StackHolder } from '../../src/track/stack';

const ROOT = path.resolve(__dirname, '../..');
/** A short retry budget: none of these verdicts needs to wait. */
const OPTIONS: ResolvedOptions = { ...DEFAULTS, timeoutMs: 50 };

/** Undone after each test, last first: what inner tests leaked on purpose, then the sessions. */
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const closeServer = (server: net.Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

type Body = () => void | Promise<unknown>;

/** The test global the session sees: this realm's Error, so stacks are source-mapped as Jest's are. */
interface TestGlobal {
  readonly Error: ErrorConstructor;
  leakcheck?: Leakcheck;
}

/** One test file as jest-circus builds and runs it, with a session for it. */
interface File {
  readonly state: Circus.State;
  readonly host: Host;
  /** What the session printed on the file's console. */
  readonly warnings: string[];
  /** The `leakcheck` API the session put on the test global. */
  api(): Leakcheck;
  test(name: string, fn: Body): Circus.TestEntry;
  beforeAll(fn: Body): Circus.Hook;
  /** `setup`, the definitions (`add_hook`, `add_test`) and `run_start`, which wraps every function. */
  start(): Promise<void>;
  runHook(hook: Circus.Hook): Promise<void>;
  runTest(test: Circus.TestEntry): Promise<void>;
  /** `run_finish`: the file's verdict, promises included. */
  finish(): Promise<void>;
  /** What the environment's teardown does: the session's, then the patches undone. */
  tearDown(): void;
}

function describeBlock(name: string, parent?: Circus.DescribeBlock): Circus.DescribeBlock {
  return { type: 'describeBlock', children: [], hooks: [], mode: undefined, name, parent, tests: [] };
}

function stateOf(root: Circus.DescribeBlock): Circus.State {
  return {
    currentDescribeBlock: root,
    currentlyRunningTest: null,
    describeRetryOptions: new WeakMap(),
    hasFocusedTests: false,
    hasStarted: false,
    parentProcess: process,
    processErrorGeneration: 0,
    rootDescribeBlock: root,
    seed: 0,
    testTimeout: 5000,
    unhandledErrors: [],
    includeTestLocationInResult: false,
    maxConcurrency: 5,
    unhandledRejectionErrorByPromise: new Map(),
    unhandledRejectionErrorByPromiseByHook: new WeakMap(),
    unhandledRejectionErrorByPromiseTarget: new WeakMap(),
  };
}

/** Calls a (wrapped) test or hook function as jest-circus does: a test context as `this`, its result awaited. */
async function call(fn: Circus.TestFn | Circus.HookFn): Promise<void> {
  await (fn as (this: Circus.TestContext) => unknown).call({});
}

/** A session for a file at this test's path, set up as the environment sets it up; torn down after the test. */
function leakcheckFile(options: Partial<ResolvedOptions> = {}, host: Partial<Pick<Host, 'annotations' | 'captureStack'>> = {}): File {
  const root = describeBlock('ROOT_DESCRIBE_BLOCK');
  const state = stateOf(root);
  const warnings: string[] = [];
  const global: TestGlobal = { Error };
  const patches = new Patches();
  const fullHost: Host = {
    global,
    testPath: __filename,
    rootDir: ROOT,
    console: { warn: (...data: unknown[]) => warnings.push(data.map(String).join(' ')) },
    annotations: host.annotations ?? annotationsFor(ROOT),
    fakeTimers: null,
    moduleMocker: null,
    patches,
    captureStack: host.captureStack,
  };
  const session = new Session(fullHost, { ...OPTIONS, ...options });
  let tornDown = false;
  const file: File = {
    state,
    host: fullHost,
    warnings,
    api() {
      if (global.leakcheck === undefined) throw new Error('the session put no leakcheck API on the global');
      return global.leakcheck;
    },
    test(name, fn) {
      const test: Circus.TestEntry = {
        type: 'test',
        asyncError: new Error(),
        errors: [],
        retryReasons: [],
        fn,
        invocations: 1,
        mode: undefined,
        concurrent: false,
        name,
        numPassingAsserts: 0,
        parent: root,
        seenDone: false,
        failing: false,
        unhandledRejectionErrorByPromise: new Map(),
      };
      root.children.push(test);
      root.tests.push(test);
      return test;
    },
    beforeAll(fn) {
      const hook: Circus.Hook = { asyncError: new Error(), fn, type: 'beforeAll', parent: root, seenDone: false, timeout: undefined };
      root.hooks.push(hook);
      return hook;
    },
    async start() {
      await dispatch({ name: 'setup', parentProcess: process, runtimeGlobals: {} as SetupEvent['runtimeGlobals'] });
      // The definitions run at module scope, in one synchronous stretch up to run_start.
      for (const hook of root.hooks) {
        dispatchSync({ name: 'add_hook', asyncError: hook.asyncError, hookType: hook.type, fn: hook.fn, timeout: undefined });
      }
      for (const child of root.children) {
        if (child.type !== 'test') continue;
        dispatchSync({ name: 'add_test', asyncError: child.asyncError, testName: child.name, fn: child.fn, concurrent: false, timeout: undefined, failing: child.failing });
      }
      state.hasStarted = true;
      dispatchSync({ name: 'run_start' });
    },
    async runHook(hook) {
      await dispatch({ name: 'hook_start', hook });
      await call(hook.fn);
      await dispatch({ name: 'hook_success', hook });
    },
    async runTest(test) {
      state.currentlyRunningTest = test;
      await dispatch({ name: 'test_start', test });
      await dispatch({ name: 'test_started', test });
      await dispatch({ name: 'test_fn_start', test });
      try {
        await call(test.fn);
        await dispatch({ name: 'test_fn_success', test });
      } catch (error) {
        test.errors.push(error);
        await dispatch({ name: 'test_fn_failure', error, test });
      }
      await dispatch({ name: 'test_done', test });
      state.currentlyRunningTest = null;
    },
    async finish() {
      await dispatch({ name: 'run_finish' });
    },
    tearDown() {
      if (tornDown) return;
      tornDown = true;
      tearDown(session, patches);
    },
  };
  // Sent as jest-circus sends them; a throw or rejection here fails the outer test.
  const dispatch = async (event: Circus.Event): Promise<void> => {
    await session.handleTestEvent(event, state);
  };
  // The definitions and run_start are handled synchronously, as jest-circus dispatches them.
  const dispatchSync = (event: Circus.Event): void => {
    expect(session.handleTestEvent(event, state)).toBeUndefined();
  };
  session.setup();
  cleanups.push(() => file.tearDown());
  return file;
}

type SetupEvent = Extract<Circus.Event, { name: 'setup' }>;

/** Each error as Jest would print it (message and frames), colours removed. */
function texts(errors: readonly unknown[]): string[] {
  return errors.map((error) => stripVTControlCharacters(error instanceof Error ? (error.stack ?? error.message) : String(error)));
}

/** This file's path and line of the (first) line containing `marker`, as a frame names it. */
function lineOf(marker: string): string {
  const index = readFileSync(__filename, 'utf8')
    .split('\n')
    .findIndex((line) => line.includes(marker) && !line.includes('lineOf('));
  if (index < 0) throw new Error(`no line with ${marker}`);
  return `${__filename}:${index + 1}:`;
}

/** Keeps a timer an inner test leaks on purpose until the outer test ends. */
function leaked<T extends NodeJS.Timeout>(timer: T): T {
  cleanups.push(() => clearInterval(timer));
  return timer;
}

describe('the verdict of a test', () => {
  test('a test that leaks an interval gets one LeakError naming it, at its creation line in this file', async () => {
    const file = leakcheckFile();
    const leaky = file.test('leaks an interval', () => {
      leaked(setInterval(() => undefined, 1000)); // leaky interval
    });
    const clean = file.test('clears its interval and awaits a timeout', async () => {
      clearInterval(setInterval(() => undefined, 1000));
      await new Promise((resolve) => setTimeout(resolve, 1));
    });
    await file.start();
    await file.runTest(leaky);
    await file.runTest(clean);
    await file.finish();

    const [report, ...others] = texts(leaky.errors);
    expect(others).toEqual([]);
    expect(report).toContain('leakcheck: 1 async resource created by this test is still alive after it finished.');
    expect(report).toContain('[timer] setInterval every 1000 ms');
    expect(report).toContain("leakcheck.allow('timer')");
    expect(report).toContain(lineOf('// leaky interval'));
    expect(clean.errors).toEqual([]);
    expect(file.state.unhandledErrors).toEqual([]);
    expect(file.warnings).toEqual([]);
  });

  test('a leak of a beforeAll belongs to the file: it goes to the unhandled errors, no test is blamed', async () => {
    const file = leakcheckFile();
    const hook = file.beforeAll(() => {
      leaked(setInterval(() => undefined, 1000)); // leaked by beforeAll
    });
    const test = file.test('runs after the hook', () => undefined);
    await file.start();
    await file.runHook(hook);
    await file.runTest(test);
    await file.finish();

    expect(test.errors).toEqual([]);
    const [report, ...others] = texts(file.state.unhandledErrors);
    expect(others).toEqual([]);
    expect(report).toContain('created outside any test (module scope, beforeAll or afterAll) is still alive after the last afterAll');
    expect(report).toContain('[timer] setInterval every 1000 ms');
    expect(report).toContain(lineOf('// leaked by beforeAll'));
  });

  test('leakcheck.allow() accepts the leaks of its own test only', async () => {
    const file = leakcheckFile();
    const allowed = file.test('allows its timer', () => {
      file.api().allow('timer');
      leaked(setInterval(() => undefined, 1000));
    });
    const neighbour = file.test('leaks without allowing', () => {
      leaked(setInterval(() => undefined, 1000));
    });
    await file.start();
    await file.runTest(allowed);
    await file.runTest(neighbour);
    await file.finish();

    expect(allowed.errors).toEqual([]);
    expect(texts(neighbour.errors)).toEqual([expect.stringContaining('[timer] setInterval every 1000 ms')]);
    expect(file.state.unhandledErrors).toEqual([]);
  });

  test("mode 'warn': the leak is printed on the file's console and no test fails", async () => {
    const file = leakcheckFile({ mode: 'warn' });
    const leaky = file.test('leaks an interval', () => {
      leaked(setInterval(() => undefined, 1000));
    });
    await file.start();
    await file.runTest(leaky);
    await file.finish();

    expect(leaky.errors).toEqual([]);
    expect(file.state.unhandledErrors).toEqual([]);
    expect(file.warnings.map((warning) => stripVTControlCharacters(warning))).toEqual([
      expect.stringMatching(/^leakcheck \(warn\): leaks an interval: 1 async resource created by this test[^]*\[timer\] setInterval every 1000 ms/),
    ]);
  });

  test('every reported leak is a record, sent to the summary reporter in teardown: in warn mode, a group beyond the five shown included', async () => {
    const dir = openRun();
    try {
      const file = leakcheckFile({ mode: 'warn' });
      const leaky = file.test('leaks at six places', () => {
        // Six places: six groups.
        leaked(setTimeout(() => undefined, 60_001));
        leaked(setTimeout(() => undefined, 60_002));
        leaked(setTimeout(() => undefined, 60_003));
        leaked(setTimeout(() => undefined, 60_004));
        leaked(setTimeout(() => undefined, 60_005));
        leaked(setTimeout(() => undefined, 60_006));
      });
      await file.start();
      await file.runTest(leaky);
      await file.finish();
      file.tearDown();

      const received = receiveRecords(dir, __filename);
      expect(received).toMatchObject({ version: 1, testPath: __filename, mode: 'warn' });
      expect(received?.records).toHaveLength(6);
      expect(received?.records[5]).toMatchObject({
        testFile: path.relative(ROOT, __filename).split(path.sep).join('/'),
        testName: 'leaks at six places',
        scope: 'test',
        kind: 'timer',
        description: 'setTimeout of 60006 ms',
        count: 1,
        mode: 'warn',
        baselined: false,
        userFrame: expect.objectContaining({ file: path.relative(ROOT, __filename).split(path.sep).join('/') }),
      });
    } finally {
      closeRun(dir);
    }
  });
});

// A module-level emitter: what waits on it stays reachable.
const bus = new EventEmitter();

async function waitForReady(): Promise<void> {
  await once(bus, 'ready');
}

describe('the promise verdict, at run_finish', () => {
  test('a promise pending on a module-level emitter fails the test that made it; a garbage pending one does not', async () => {
    cleanups.push(() => bus.emit('ready'));
    const file = leakcheckFile();
    const hung = file.test('hangs on the bus', () => {
      void waitForReady();
    });
    const garbage = file.test('drops a pending promise', () => {
      void new Promise<never>(() => undefined);
    });
    await file.start();
    await file.runTest(hung);
    await file.runTest(garbage);
    // Promises are judged once per file: nothing yet.
    expect(hung.errors).toEqual([]);
    await file.finish();

    const [report, ...others] = texts(hung.errors);
    expect(others).toEqual([]);
    expect(report).toContain("[promise] async function waitForReady, suspended at await once(bus, 'ready')");
    expect(garbage.errors).toEqual([]);
    expect(file.state.unhandledErrors).toEqual([]);
  });
});

describe('faults inside the detector', () => {
  const INTERNAL_ERROR = 'jest-environment-leakcheck: internal error, leak checking is unreliable for the rest of this file; test results are unaffected.';

  test('a resource that cannot be inspected is reported as such; the others are judged as usual', async () => {
    const file = leakcheckFile();
    const test = file.test('leaks an uninspectable timer and a plain one', () => {
      const timer = leaked(setInterval(() => undefined, 1000));
      Object.defineProperty(timer, 'hasRef', {
        value: () => {
          throw new Error('hasRef sabotaged');
        },
      });
      leaked(setTimeout(() => undefined, 60_000));
    });
    await file.start();
    await file.runTest(test);
    await file.finish();

    const reports = texts(test.errors);
    // One failure for the test, listing both.
    expect(reports).toHaveLength(1);
    expect(reports.join('\n')).toContain('2 async resources created by this test');
    expect(reports.join('\n')).toContain('[timer] Timeout that could not be inspected (hasRef sabotaged), so it is reported as still alive');
    expect(reports.join('\n')).toContain('[timer] setTimeout of 60000 ms');
    expect(file.warnings).toEqual([]);
  });

  test('an inspection that throws is one internal-error warning on the host console, and never a throw out of handleTestEvent', async () => {
    const throwing: Annotations = {
      ...annotationsFor(ROOT),
      listenStackOf: () => {
        throw new Error('listenStackOf sabotaged');
      },
    };
    const file = leakcheckFile({}, { annotations: throwing });
    const servers = ['first', 'second'].map((name) =>
      file.test(`leaks the ${name} server`, async () => {
        const server = net.createServer();
        cleanups.push(() => closeServer(server));
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      }),
    );
    const after = file.test('runs after them', () => undefined);
    await file.start();
    for (const test of servers) await file.runTest(test);
    await file.runTest(after);
    await file.finish();

    expect(file.warnings).toEqual([expect.stringContaining(INTERNAL_ERROR)]);
    expect(file.warnings[0]).toContain('listenStackOf sabotaged');
    // The check is what failed, not the tests: no result changes.
    for (const test of [...servers, after]) expect(test.errors).toEqual([]);
    expect(file.state.unhandledErrors).toEqual([]);
  });

  test('a failing stack capture (Host.captureStack) stops tracking with one warning; the user calls that capture stacks still work', async () => {
    let captures = 0;
    const captureStack = (): StackHolder => {
      captures++;
      throw new Error('sabotaged stack capture');
    };
    const file = leakcheckFile({}, { captureStack });
    const test = file.test('leaks an interval, runs a server and opens a file', async () => {
      leaked(setInterval(() => undefined, 1000));
      // listen() and createServer() capture a stack in the caller's call, as fs.promises.open does.
      const server = net.createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      await closeServer(server);
      const handle = await fsPromises.open(__filename);
      await handle.close();
    });
    const later = file.test('a later test', () => {
      leaked(setInterval(() => undefined, 1000));
    });
    await file.start();
    await file.runTest(test);
    await file.runTest(later);
    await file.finish();

    expect(captures).toBeGreaterThan(0);
    expect(file.warnings).toEqual([expect.stringContaining(INTERNAL_ERROR)]);
    expect(file.warnings[0]).toContain('sabotaged stack capture');
    // Nothing is tracked any more: no verdict, and none made up.
    expect(test.errors).toEqual([]);
    expect(later.errors).toEqual([]);
    expect(file.state.unhandledErrors).toEqual([]);
  });
});

describe('teardown', () => {
  test("puts back every function setup() patched (to what was there before: here the outer environment's)", async () => {
    // listen is patched with a getter (see annotations.ts): what is installed is compared.
    const listen = (): unknown => {
      const descriptor = Object.getOwnPropertyDescriptor(net.Server.prototype, 'listen');
      return descriptor?.get ?? descriptor?.value;
    };
    const before = {
      listen: listen(),
      listenValue: net.Server.prototype.listen,
      createServer: net.createServer,
      open: fsPromises.open,
    };
    const file = leakcheckFile();
    expect(listen()).not.toBe(before.listen);
    expect(net.createServer).not.toBe(before.createServer);
    expect(fsPromises.open).not.toBe(before.open);
    await file.start();
    await file.finish();
    file.tearDown();
    expect(listen()).toBe(before.listen);
    expect(net.Server.prototype.listen).toBe(before.listenValue);
    expect(net.createServer).toBe(before.createServer);
    expect(fsPromises.open).toBe(before.open);
  });

  test('a torn-down session tracks nothing: a later leak is no verdict of it', async () => {
    const file = leakcheckFile();
    const test = file.test('leaks after teardown', () => {
      leaked(setInterval(() => undefined, 1000));
    });
    await file.start();
    file.tearDown();
    await file.runTest(test);
    await file.finish();
    expect(test.errors).toEqual([]);
    expect(file.warnings).toEqual([]);
  });
});
