// Every function the detector replaces while an environment is set up (Node's modules, the
// test global's, Jest's fake timers') is replaced one way and put back one way: `patch()`
// swaps in a wrapper and returns its undo, a `Patches` list collects the undos of one
// environment, and `SharedPatches` installs process-wide patches once for every environment
// set up in the worker. Putting back never undoes someone else's patch, and never throws.

/**
 * Gives a wrapper the name and length of the function it wraps, and returns it: what reads
 * them (a stack trace, jest-circus's check for a `done` parameter) sees the original.
 */
export function likeOriginal<W extends object>(wrapper: W, original: { readonly name: string; readonly length: number }): W {
  Object.defineProperty(wrapper, 'name', { value: original.name });
  Object.defineProperty(wrapper, 'length', { value: original.length });
  return wrapper;
}

/** Puts one patched property back; calling it again does nothing. */
export type Restore = () => void;

/**
 * Replaces the function `target[key]` with `make(original)` and returns how to put it back.
 * Restoring leaves a later replacement alone (a test or a mocking library patched after us:
 * theirs stays), and an inherited original (a prototype method) is inherited again rather
 * than copied onto `target`. Nothing is replaced, and nothing is to undo, when it is no function.
 */
export function patch<T extends object, K extends keyof T>(target: T, key: K, make: (original: T[K]) => T[K]): Restore {
  const original = target[key];
  if (typeof original !== 'function') return () => undefined;
  const own = Object.prototype.hasOwnProperty.call(target, key);
  const wrapper = make(original);
  target[key] = wrapper;
  let restored = false;
  return () => {
    if (restored) return;
    restored = true;
    if (target[key] !== wrapper) return;
    if (!own) Reflect.deleteProperty(target, key);
    // Deleting may not bring it back (the prototype changed meanwhile): then it is set again.
    if (target[key] !== original) target[key] = original;
  };
}

/** The undos of one environment's patches, undone together in its teardown. */
export class Patches {
  private restores: Restore[] = [];

  /** `patch()`, undone by `undo()`. */
  patch<T extends object, K extends keyof T>(target: T, key: K, make: (original: T[K]) => T[K]): void {
    this.add(patch(target, key, make));
  }

  /** Any other undo (a listener to remove, a shared patch to release), run in the same order. */
  add(restore: Restore): void {
    this.restores.push(restore);
  }

  /**
   * Undoes everything, last added first, so that stacked patches of one property come off in
   * order. Never throws: a restore that fails is handed to `onError` and the others still run.
   */
  undo(onError: (error: unknown) => void = () => undefined): void {
    const restores = this.restores;
    this.restores = [];
    for (let i = restores.length - 1; i >= 0; i--) {
      try {
        restores[i]();
      } catch (error) {
        try {
          onError(error);
        } catch {
          // Reporting a failed restore must not stop the next one either.
        }
      }
    }
  }
}

/**
 * Patches of what every environment in the worker shares (Node's modules, the worker's own
 * global): installed when the first environment starts using them, undone when the last one
 * stops. Jest runs a worker's test files one after another, but an environment may be set up
 * before the previous one is torn down (a custom runner, an environment that wraps another);
 * counting keeps the patches in place until the last of them is torn down.
 */
export class SharedPatches {
  private users = 0;
  private readonly installed = new Patches();

  constructor(private readonly install: (patches: Patches) => void) {}

  /** Installs the patches unless they are in place; `patches` gets the release. */
  use(patches: Patches): void {
    let released = false;
    // Added before installing: an install that fails half way is still undone in teardown.
    patches.add(() => {
      if (released) return;
      released = true;
      if (--this.users > 0) return;
      const errors: unknown[] = [];
      this.installed.undo((error) => errors.push(error));
      if (errors.length > 0) throw errors.length === 1 ? errors[0] : new AggregateError(errors, 'several patches could not be put back');
    });
    if (this.users++ === 0) this.install(this.installed);
  }
}
