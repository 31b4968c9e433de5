// The one way the detector patches functions and puts them back: last first, only what is
// still ours, an inherited method inherited again, a failing restore never stopping the
// others, and process-wide patches installed once for every environment that uses them.
import { patch, Patches, SharedPatches } from '../../src/track/patches';

type Fn = (...args: unknown[]) => unknown;

/** A wrapper that logs its name, then calls what it wraps. */
const logging =
  (log: string[], name: string) =>
  (original: Fn): Fn =>
  (...args) => {
    log.push(name);
    return original(...args);
  };

describe('patch', () => {
  test('replaces the function and puts the original back', () => {
    const original: Fn = () => 'original';
    const target = { fn: original };
    const restore = patch(target, 'fn', (fn) => () => `wrapped ${String(fn())}`);
    expect(target.fn()).toBe('wrapped original');
    restore();
    expect(target.fn).toBe(original);
  });

  test('leaves alone a function someone replaced after us, and does not put ours back later', () => {
    const original: Fn = () => 'original';
    const target = { fn: original };
    const restore = patch(target, 'fn', (fn) => () => fn());
    const theirs: Fn = () => 'theirs';
    target.fn = theirs;
    restore();
    expect(target.fn).toBe(theirs);
    restore();
    expect(target.fn).toBe(theirs);
  });

  test('an inherited method is inherited again, not copied onto the object', () => {
    class Clock {
      tick(): string {
        return 'tick';
      }
    }
    const clock = new Clock();
    const restore = patch(clock, 'tick', (tick) => () => `wrapped ${tick.call(clock)}`);
    expect(Object.prototype.hasOwnProperty.call(clock, 'tick')).toBe(true);
    expect(clock.tick()).toBe('wrapped tick');
    restore();
    expect(Object.prototype.hasOwnProperty.call(clock, 'tick')).toBe(false);
    expect(clock.tick).toBe(Clock.prototype.tick);
  });

  test('what is not a function is not replaced', () => {
    const target: { fn?: Fn; value: unknown } = { value: 1 };
    const make = jest.fn();
    patch(target, 'fn', make)();
    patch(target, 'value', make)();
    expect(make).not.toHaveBeenCalled();
    expect(target).toEqual({ value: 1 });
  });
});

describe('Patches', () => {
  test('undoes in reverse order: stacked patches of one property all come off', () => {
    const log: string[] = [];
    const original: Fn = () => log.push('original');
    const target = { fn: original, other: original };
    const patches = new Patches();
    patches.patch(target, 'fn', logging(log, 'first'));
    patches.add(() => log.push('added'));
    patches.patch(target, 'fn', logging(log, 'second'));
    patches.patch(target, 'other', logging(log, 'other'));
    target.fn();
    expect(log).toEqual(['second', 'first', 'original']);
    log.length = 0;
    patches.undo();
    // Had 'first' come off first, it would have found 'second' in place and stayed.
    expect(target).toEqual({ fn: original, other: original });
    expect(log).toEqual(['added']);
  });

  test('a patch someone else made after ours survives undo; the rest are put back', () => {
    const original: Fn = () => 'original';
    const target = { fn: original, other: original };
    const patches = new Patches();
    patches.patch(target, 'fn', (fn) => () => fn());
    patches.patch(target, 'other', (fn) => () => fn());
    const theirs: Fn = () => 'theirs';
    target.fn = theirs;
    patches.undo();
    expect(target.fn).toBe(theirs);
    expect(target.other).toBe(original);
  });

  test('a restore that throws is reported and skips none of the others', () => {
    const original: Fn = () => 'original';
    const target = { a: original, b: original };
    const patches = new Patches();
    patches.patch(target, 'a', (fn) => () => fn());
    patches.add(() => {
      throw new Error('first failure');
    });
    patches.add(() => {
      throw new Error('second failure');
    });
    patches.patch(target, 'b', (fn) => () => fn());
    const errors: unknown[] = [];
    expect(() => patches.undo((error) => errors.push(error))).not.toThrow();
    expect(target).toEqual({ a: original, b: original });
    expect(errors.map((e) => (e as Error).message)).toEqual(['second failure', 'first failure']);
  });

  test('never throws, not even when reporting a failure throws or nobody listens', () => {
    const patches = new Patches();
    const after = jest.fn();
    patches.add(after);
    patches.add(() => {
      throw new Error('failure');
    });
    expect(() =>
      patches.undo(() => {
        throw new Error('reporter failure');
      }),
    ).not.toThrow();
    expect(after).toHaveBeenCalledTimes(1);
    patches.add(() => {
      throw new Error('unheard');
    });
    expect(() => patches.undo()).not.toThrow();
  });

  test('each undo runs once: the list is empty after undo', () => {
    const restore = jest.fn();
    const patches = new Patches();
    patches.add(restore);
    patches.undo();
    patches.undo();
    expect(restore).toHaveBeenCalledTimes(1);
  });
});

describe('SharedPatches', () => {
  const original: Fn = () => 'original';
  let target: { fn: Fn };
  let installs: number;
  let shared: SharedPatches;
  beforeEach(() => {
    target = { fn: original };
    installs = 0;
    shared = new SharedPatches((patches) => {
      installs++;
      patches.patch(target, 'fn', (fn) => () => `wrapped ${String(fn())}`);
    });
  });

  test('environments one after another: installed and undone each time', () => {
    for (let i = 1; i <= 2; i++) {
      const environment = new Patches();
      shared.use(environment);
      expect(target.fn()).toBe('wrapped original');
      environment.undo();
      expect(target.fn).toBe(original);
      expect(installs).toBe(i);
    }
  });

  test('overlapping environments: installed once, undone when the last one is torn down', () => {
    const first = new Patches();
    const second = new Patches();
    shared.use(first);
    shared.use(second);
    expect(installs).toBe(1);
    first.undo();
    expect(target.fn()).toBe('wrapped original');
    second.undo();
    expect(target.fn).toBe(original);
  });

  test('an environment that uses them twice releases them twice', () => {
    const environment = new Patches();
    const other = new Patches();
    shared.use(environment);
    shared.use(environment);
    shared.use(other);
    environment.undo();
    expect(target.fn()).toBe('wrapped original');
    other.undo();
    expect(target.fn).toBe(original);
  });

  test('an install that fails half way is undone, and the count stays right', () => {
    const target2 = { a: original };
    let fail = true;
    let installed = 0;
    const failing = new SharedPatches((patches) => {
      installed++;
      patches.patch(target2, 'a', (fn) => () => fn());
      if (fail) throw new Error('install failed');
    });
    const environment = new Patches();
    expect(() => failing.use(environment)).toThrow('install failed');
    expect(target2.a).not.toBe(original);
    environment.undo();
    expect(target2.a).toBe(original);
    fail = false;
    const next = new Patches();
    failing.use(next);
    expect(installed).toBe(2);
    expect(target2.a).not.toBe(original);
    next.undo();
    expect(target2.a).toBe(original);
  });

  test('a failed restore of a shared patch reaches the environment, and the others still come off', () => {
    const target2 = { a: original, b: original };
    const failing = new SharedPatches((patches) => {
      patches.patch(target2, 'a', (fn) => () => fn());
      patches.add(() => {
        throw new Error('cannot put back');
      });
      patches.patch(target2, 'b', (fn) => () => fn());
    });
    const environment = new Patches();
    failing.use(environment);
    const errors: unknown[] = [];
    environment.undo((error) => errors.push(error));
    expect(target2).toEqual({ a: original, b: original });
    expect(errors).toEqual([new Error('cannot put back')]);
  });
});
