// Creation stacks: captured unformatted in the test's realm, parsed once, cleaned when reported.
import { setFlagsFromString } from 'node:v8';
import * as path from 'node:path';
import { createContext, runInContext, runInNewContext } from 'node:vm';
import { Owner, Tracker } from '../../src/track/tracker';
import { cleanFrames, firstUserFrame, frameTexts, isOwnFrame, isUserFile, materialize, NO_STACK, parseFrame, PROMISE_STACK_FRAMES, stackCapturer, stackFrames, withoutOwnFrames, type Frame, type StackHolder } from '../../src/track/stack';

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
    expect(frameTexts(frames)).toEqual([library, user]);
  });

  test('keeps every cleaned frame: captures are bounded, and a report shows what a rule can match', () => {
    const many = Array.from({ length: 20 }, (_, i) => `at f${i} (/project/src/m.js:${i + 1}:1)`);
    expect(frameTexts(cleanFrames(holder(...many, 'at process.processTicksAndRejections (node:internal/process/task_queues:95:5)')))).toEqual(many);
  });

  test('a stack that cannot be read gives no frames', () => {
    const throwing = {
      get stack(): string {
        throw new Error('no');
      },
    };
    expect(cleanFrames(throwing)).toEqual([]);
    expect(cleanFrames({})).toEqual([]);
    expect(cleanFrames(NO_STACK)).toEqual([]);
  });
});

describe('parseFrame', () => {
  const at = (file: string, line: number, column: number) => ({ file, line, column });
  const nowhere = { file: undefined, line: 0, column: 0 };
  test.each([
    ['at startHeartbeat (/p/a.js:1:2)', ['startHeartbeat'], at('/p/a.js', 1, 2)],
    ['at Pool.connect (/p/a.js:1:2)', ['Pool.connect'], at('/p/a.js', 1, 2)],
    ['at new Pool (/p/a.js:1:2)', ['Pool'], at('/p/a.js', 1, 2)],
    ['at async Client.query (/p/a.js:1:2)', ['Client.query'], at('/p/a.js', 1, 2)],
    ['at Object.start [as begin] (/p/a.js:1:2)', ['Object.start', 'begin'], at('/p/a.js', 1, 2)],
    ['at /a/b.js:3:5', [], at('/a/b.js', 3, 5)],
    ['at fn (/a/b.js:3:5)', ['fn'], at('/a/b.js', 3, 5)],
    ['at Object.<anonymous> (file:///a/b c.mjs:10:2)', ['Object.<anonymous>'], at('/a/b c.mjs', 10, 2)],
    ['at file:///a/b.mjs:7:9', [], at('/a/b.mjs', 7, 9)],
    ['at new Promise (<anonymous>)', ['Promise'], nowhere],
    ['at Array.map (<anonymous>)', ['Array.map'], nowhere],
    ['at async Promise.all (index 0)', ['Promise.all'], nowhere],
  ])('%s', (text, functions, location) => {
    expect(parseFrame(text)).toMatchObject({ text, functions, ...location });
  });

  test.each([
    // [frame, internal, user]
    ['at start (/p/src/server.js:2:2)', false, true],
    ['at connect (/p/node_modules/lib/index.js:1:1)', false, false],
    ['at connect (/p/node_modules/.pnpm/lib@1.0.0/node_modules/lib/index.js:1:1)', false, false],
    ['at Server.listen (node:net:2011:7)', true, false],
    ['at emitInitNative (node:internal/async_hooks:202:43)', true, false],
    ['at new Promise (<anonymous>)', true, false],
    ['at async Promise.all (index 0)', true, false],
    ['at Function.race (<anonymous>)', true, false],
    ['at callAsyncCircusFn (/p/node_modules/jest-circus/build/jestAdapterInit.js:1774:10)', true, false],
    [`at Tracker.init (${ROOT}/build/tracker.js:97:20)`, true, false],
    [`at AsyncHook.init (${ROOT}/src/tracker.ts:60:63)`, true, false],
  ])('%s: internal %s, user %s', (text, internal, user) => {
    expect(parseFrame(text)).toMatchObject({ internal, user });
  });
});

describe('one notion of the user’s own code, for frames and files', () => {
  test.each([
    ['/p/src/server.js', true],
    ['/p/test/a.test.ts', true],
    ['/p/node_modules/lib/index.js', false],
    [`${ROOT}/build/session.js`, false],
    [`${ROOT}/src/session.ts`, false],
    ['node:events', false], // Node's own scripts
    ['evalmachine.<anonymous>', false], // a vm script without a file
    ['', false],
  ])('isUserFile(%j) is %s', (file, user) => {
    expect(isUserFile(file)).toBe(user);
  });

  test('a frame is the user’s when it is not internal and its file is', () => {
    const frames = stackFrames(
      holder(
        'at start (/p/src/server.js:2:2)',
        'at connect (/p/node_modules/lib/index.js:1:1)',
        'at listen (node:net:1:1)',
        `at Session.judge (${ROOT}/build/session.js:1:1)`,
        'at /p/test/a.test.js:4:4',
      ),
    );
    for (const frame of frames) expect(frame.user).toBe(!frame.internal && frame.file !== undefined && isUserFile(frame.file));
    expect(frames.map((frame) => frame.user)).toEqual([true, false, false, false, true]);
  });
});

describe('a stack is formatted and parsed once per holder', () => {
  /** A holder whose stack getter counts its reads. */
  function countingHolder(...frames: string[]): { holder: { readonly stack: string }; reads: () => number } {
    let reads = 0;
    const text = holder(...frames).stack;
    return {
      holder: {
        get stack(): string {
          reads++;
          return text;
        },
      },
      reads: () => reads,
    };
  }
  const frames = ['at start (/p/src/server.js:2:2)', 'at listen (node:net:1:1)', 'at Object.<anonymous> (/p/test/a.test.js:4:4)'];

  test('every reader shares one read and one parse', () => {
    const { holder: counted, reads } = countingHolder(...frames);
    expect(reads()).toBe(0);
    const all = stackFrames(counted);
    expect(all).toHaveLength(3);
    expect(cleanFrames(counted)).toHaveLength(2);
    expect(firstUserFrame(cleanFrames(counted))?.functions).toEqual(['start']);
    expect(stackFrames(counted)).toBe(all);
    expect(cleanFrames(counted)).toBe(cleanFrames(counted));
    materialize(counted);
    expect(reads()).toBe(1);
  });

  test('materialize formats at once and keeps the text; the frames are parsed from it later', () => {
    const { holder: counted, reads } = countingHolder(...frames);
    materialize(counted);
    expect(reads()).toBe(1);
    materialize(counted);
    expect(frameTexts(cleanFrames(counted))).toEqual([frames[0], frames[2]]);
    expect(reads()).toBe(1);
  });

  test('a stack that throws is read once too, and gives no frames', () => {
    let reads = 0;
    const throwing = {
      get stack(): string {
        reads++;
        throw new Error('no');
      },
    };
    materialize(throwing);
    expect(stackFrames(throwing)).toEqual([]);
    expect(cleanFrames(throwing)).toEqual([]);
    expect(reads).toBe(1);
  });
});

describe('a creation stack spends its frames on the code that created the resource', () => {
  /** A function `depth` calls below its caller that runs `create`. */
  function nested(depth: number, create: () => void): () => void {
    const levels: Array<() => void> = [create];
    for (let i = 1; i <= depth; i++) {
      const next = levels[i - 1];
      // Named: each is a frame of its own.
      levels.push({ [`level${i}`]: () => next() }[`level${i}`]);
    }
    return levels[depth];
  }

  /** The frames of the one record `create` makes, nested 30 calls deep (deeper than any capture), in a test owner. */
  function capturedFrames(kind: 'promise' | 'timer', create: () => void): Record<'all' | 'own' | 'node' | 'made', readonly Frame[]> {
    const tracker = new Tracker({
      captureStack: stackCapturer(Error),
      onError: (error) => {
        throw error;
      },
    });
    const owner = new Owner('test', 'a test', new Set([kind]));
    tracker.enable();
    try {
      tracker.runAs(owner, nested(30, create));
    } finally {
      tracker.disable();
    }
    const records = kind === 'promise' ? owner.promises : [...owner.records];
    expect(records).toHaveLength(1);
    const all = stackFrames(records[0].stack);
    // The capture's own frames, on top.
    const own = all.slice(0, all.findIndex((frame) => !isOwnFrame(frame.text)));
    // Node's dispatch of the hook, and the API's own frames above the user's call.
    const node = all.filter((frame) => !isOwnFrame(frame.text) && /\(node:|^at new (?:Promise|Timeout) /.test(frame.text));
    return { all, own, node, made: all.filter((frame) => !own.includes(frame) && !node.includes(frame)) };
  }
  // `create` (anonymous), then its callers.
  const levels = [undefined, ...Array.from({ length: 30 }, (_, i) => `level${i + 1}`)];

  test('a promise: all of its 13 frames but the hook’s 2 and Node’s', () => {
    const { all, own, node, made } = capturedFrames('promise', () => void new Promise(() => undefined));
    expect(all).toHaveLength(PROMISE_STACK_FRAMES);
    expect(own).toHaveLength(2);
    // Node's dispatch is 3 frames, 4 while a destroy hook is on, and `new Promise`.
    expect(node.length).toBeLessThanOrEqual(5);
    expect(made.map((frame) => frame.functions[0])).toEqual(levels.slice(0, PROMISE_STACK_FRAMES - 2 - node.length));
  });

  test('a timer: all of its 22 frames but the hook’s 2 and Node’s', () => {
    const { all, own, node, made } = capturedFrames('timer', () => clearTimeout(setTimeout(() => undefined, 1000)));
    expect(all).toHaveLength(22);
    expect(own).toHaveLength(2);
    expect(node.length).toBeLessThanOrEqual(5);
    expect(made.map((frame) => frame.functions[0])).toEqual(levels.slice(0, 22 - 2 - node.length));
  });
});

test('firstUserFrame skips dependencies, or falls back to the first frame', () => {
  const dep = parseFrame('at connect (/p/node_modules/lib/index.js:1:1)');
  const mine = parseFrame('at start (/p/src/server.js:2:2)');
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

describe('a materialized stack reads as the realm would have formatted it', () => {
  // Frames of every shape a formatter tells apart, in a script of another realm: a plain
  // function, a method, a method under another name, a constructor, a getter, an anonymous
  // function, eval'd code, and the async frames of awaits (a function, Promise.all).
  const SHAPES = `
    function plain(next) { return next(); }
    class Service { method(next) { return plain(next); } }
    const service = new Service();
    const aliased = { alias: function named(next) { return service.method(next); } };
    function Thing(next) { this.made = aliased.alias(next); }
    const holder = { get value() { return new Thing(this.next).made; } };
    function viaGetter(next) { holder.next = next; return holder.value; }
    function viaEval(next) { return eval('(function (n) { return viaGetter(n); })')(next); }
    const anonymous = [(next) => viaEval(next)][0];
    async function inner(next) { await null; return anonymous(next); }
    async function outer(next) { const [result] = await Promise.all([inner(next)]); return result; }
    outer;
  `;

  const formatters: Record<string, (error: Error, sites: NodeJS.CallSite[]) => string> = {
    'every site as text (V8’s own format)': (error, sites) => [String(error), ...sites.map((site) => `    at ${String(site)}`)].join('\n'),
    'source-map-support (reads each site’s methods)': (error, sites) =>
      [String(error), ...sites.map((site) => `    at ${String((require('source-map-support') as { wrapCallSite(site: NodeJS.CallSite): NodeJS.CallSite }).wrapCallSite(site))}`)].join('\n'),
  };

  test.each(Object.keys(formatters))('%s', async (name) => {
    const context = createContext({});
    const RealmError = runInContext('Error', context) as ErrorConstructor;
    RealmError.prepareStackTrace = formatters[name];
    const capture = stackCapturer(RealmError);
    const outer = runInContext(SHAPES, context, { filename: '/virtual/shapes.js' }) as (next: () => StackHolder[]) => Promise<StackHolder[]>;
    // Two captures from one place: one read as it is, one materialized first. Only the
    // frames of this arrow function's two calls differ; materialize leaves out the
    // detector's own (the capture), which no report shows.
    const [direct, captured] = await outer(() => [capture(40), capture(40)]);
    materialize(captured);
    const texts = (holder: StackHolder): string[] => stackFrames(holder).map((frame) => frame.text);
    expect(texts(direct)[0]).toContain(path.join(ROOT, 'src'));
    expect(texts(captured).some((text) => isOwnFrame(text))).toBe(false);
    const expected = texts(direct).filter((text) => !isOwnFrame(text)).slice(1);
    const actual = texts(captured).slice(1);
    expect(actual).toEqual(expected);
    // The shapes were all there to tell apart.
    const text = expected.join('\n');
    for (const shape of ['at plain (', 'Service.method', 'named', 'new Thing', 'get value', 'eval at viaEval', 'at anonymous (', 'Promise.all (index 0)', 'outer'])
      expect(text).toContain(shape);
  });
});

test('reading a realm’s stacks keeps nothing of that realm alive', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  setFlagsFromString('--no-expose-gc');
  // A test file's realm: its stacks read as call-site data (a formatter is set, as Jest's is).
  const realm = ((): WeakRef<object> => {
    const context = createContext({});
    const RealmError = runInContext('Error', context) as ErrorConstructor;
    RealmError.prepareStackTrace = (_error: Error, sites: NodeJS.CallSite[]) => sites.map((site) => `    at ${String(site)}`).join('\n');
    const holder = stackCapturer(RealmError)(10);
    materialize(holder);
    expect(stackFrames(holder).length).toBeGreaterThan(0);
    return new WeakRef(runInContext('globalThis', context) as object);
  })();
  // The next file's environment captures with its own realm's Error.
  stackCapturer(runInNewContext('Error') as ErrorConstructor);
  for (let round = 0; round < 5 && realm.deref() !== undefined; round++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
  expect(realm.deref()).toBeUndefined();
});
