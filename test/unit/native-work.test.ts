// Work the async hooks never see (FinalizationRegistry registrations, WebAssembly
// compilations) is counted in the test realm and the worker's own, invisibly to the code
// that starts it, and the patches are put back in teardown. Where a realm cannot be counted,
// the promise verdict must assume the work was started.
import * as path from 'node:path';
import { runInNewContext } from 'node:vm';
import { countNativeWork, nativeWorkMark, startedSince } from '../../src/track/native-work';
import { Patches } from '../../src/track/patches';

type Registry = new (cleanup: (held: unknown) => void) => FinalizationRegistry<unknown>;
interface Realm {
  FinalizationRegistry: Registry;
  WebAssembly: typeof WebAssembly;
  Object: ObjectConstructor;
}

/** A fresh realm's global, as a test environment's would be. */
const newRealm = (): Realm => runInNewContext('({ FinalizationRegistry, WebAssembly, Object })') as Realm;

/** The smallest valid WebAssembly module: the magic number and version 1. */
const EMPTY_MODULE = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

/** Runs `fn` with the counts of `realm` (and the worker's own realm) on, then undoes them. */
async function counting(realm: Realm, fn: () => Promise<void> | void): Promise<void> {
  const patches = new Patches();
  countNativeWork(realm, patches);
  try {
    await fn();
  } finally {
    patches.undo();
  }
}

describe('countNativeWork', () => {
  test('counts registrations in the test realm and in the worker’s own, until the patches are undone', async () => {
    const realm = newRealm();
    const originalRegister = realm.FinalizationRegistry.prototype.register;
    const ownRegister = FinalizationRegistry.prototype.register;
    await counting(realm, () => {
      const mark = nativeWorkMark();
      expect(startedSince(mark, 'registrations')).toBe(false);
      new realm.FinalizationRegistry(() => undefined).register({}, 'held');
      expect(startedSince(mark, 'registrations')).toBe(true);
      expect(startedSince(mark, 'compilations')).toBe(false);

      const ownMark = nativeWorkMark();
      new FinalizationRegistry(() => undefined).register({}, 'held');
      expect(startedSince(ownMark, 'registrations')).toBe(true);
    });
    expect(realm.FinalizationRegistry.prototype.register).toBe(originalRegister);
    expect(FinalizationRegistry.prototype.register).toBe(ownRegister);
    const afterUndo = nativeWorkMark();
    new realm.FinalizationRegistry(() => undefined).register({}, 'held');
    expect(startedSince(afterUndo, 'registrations')).toBe(false);
  });

  test('counts asynchronous WebAssembly compilations in both realms, not synchronous ones', async () => {
    const realm = newRealm();
    const originalCompile = realm.WebAssembly.compile;
    await counting(realm, async () => {
      const mark = nativeWorkMark();
      expect(new realm.WebAssembly.Module(EMPTY_MODULE)).toBeDefined();
      expect(startedSince(mark, 'compilations')).toBe(false);
      const compiled = await realm.WebAssembly.compile(EMPTY_MODULE);
      expect(startedSince(mark, 'compilations')).toBe(true);
      expect(startedSince(mark, 'registrations')).toBe(false);

      const ownMark = nativeWorkMark();
      const instance = await WebAssembly.instantiate(compiled);
      expect(instance).toBeInstanceOf(WebAssembly.Instance);
      expect(startedSince(ownMark, 'compilations')).toBe(true);
    });
    expect(realm.WebAssembly.compile).toBe(originalCompile);
  });

  test('the counted functions behave as before: name and length, result, errors', async () => {
    const realm = newRealm();
    await counting(realm, async () => {
      const register = realm.FinalizationRegistry.prototype.register;
      expect(register.name).toBe('register');
      expect(register.length).toBe(2);
      const registry = new realm.FinalizationRegistry(() => undefined);
      const token = {};
      expect(registry.register({}, 'held', token)).toBeUndefined();
      expect(registry.unregister(token)).toBe(true);
      // The realm's own TypeError, as without the count.
      expect(() => registry.register(42 as unknown as object, 'held')).toThrow(expect.objectContaining({ name: 'TypeError' }));
      expect(() => register.call({}, {}, 'held')).toThrow(expect.objectContaining({ name: 'TypeError' }));

      const compile = realm.WebAssembly.compile;
      expect(compile.name).toBe('compile');
      expect(compile.length).toBe(1);
      await expect(compile(new Uint8Array([1, 2, 3]))).rejects.toMatchObject({ name: 'CompileError' });
    });
  });

  test('an error thrown through a counted function shows no frame of the detector', async () => {
    const realm = newRealm();
    await counting(realm, () => {
      const registry = new realm.FinalizationRegistry(() => undefined);
      let thrown: unknown;
      try {
        registry.register(42 as unknown as object, 'held');
      } catch (error) {
        thrown = error;
      }
      const stack = String((thrown as Error).stack);
      expect(stack).toContain('native-work.test.ts');
      expect(stack).not.toContain(path.join('src', 'track', 'native-work'));
    });
  });

  test('a realm whose functions cannot be replaced (frozen) counts as having started everything', async () => {
    const realm = newRealm();
    realm.Object.freeze(realm.FinalizationRegistry.prototype);
    const mark = nativeWorkMark();
    await counting(realm, () => {
      expect(startedSince(mark, 'registrations')).toBe(true);
      expect(startedSince(mark, 'compilations')).toBe(true);
    });
  });
});
