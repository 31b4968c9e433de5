// WebAssembly compilations, which the async hooks never see, are counted in the test realm
// and the worker's own, invisibly to the code that starts them, and the patches are put back
// in teardown. Where a realm cannot be counted, the promise verdict must assume compilations
// were started.
import { runInNewContext } from 'node:vm';
import { compilationMark, compiledSince, countCompilations } from '../../src/track/wasm-compilations';
import { Patches } from '../../src/track/patches';

interface Realm {
  WebAssembly: typeof WebAssembly;
  Object: ObjectConstructor;
}

/** A fresh realm's global, as a test environment's would be. */
const newRealm = (): Realm => runInNewContext('({ WebAssembly, Object })') as Realm;

/** The smallest valid WebAssembly module: the magic number and version 1. */
const EMPTY_MODULE = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

/** Runs `fn` with the counts of `realm` (and the worker's own realm) on, then undoes them. */
async function counting(realm: Realm, fn: () => Promise<void> | void): Promise<void> {
  const patches = new Patches();
  countCompilations(realm, patches);
  try {
    await fn();
  } finally {
    patches.undo();
  }
}

describe('countCompilations', () => {
  test('counts asynchronous WebAssembly compilations in both realms, not synchronous ones', async () => {
    const realm = newRealm();
    const originalCompile = realm.WebAssembly.compile;
    await counting(realm, async () => {
      const mark = compilationMark();
      expect(new realm.WebAssembly.Module(EMPTY_MODULE)).toBeDefined();
      expect(compiledSince(mark)).toBe(false);
      const compiled = await realm.WebAssembly.compile(EMPTY_MODULE);
      expect(compiledSince(mark)).toBe(true);

      const ownMark = compilationMark();
      const instance = await WebAssembly.instantiate(compiled);
      expect(instance).toBeInstanceOf(WebAssembly.Instance);
      expect(compiledSince(ownMark)).toBe(true);
    });
    expect(realm.WebAssembly.compile).toBe(originalCompile);
  });

  test('the counted functions behave as before: name and length, result, rejection', async () => {
    const realm = newRealm();
    await counting(realm, async () => {
      const compile = realm.WebAssembly.compile;
      expect(compile.name).toBe('compile');
      expect(compile.length).toBe(1);
      await expect(compile(new Uint8Array([1, 2, 3]))).rejects.toMatchObject({ name: 'CompileError' });
    });
  });

  test('a realm whose functions cannot be replaced (frozen) counts as having started everything', async () => {
    const realm = newRealm();
    realm.Object.freeze(realm.WebAssembly);
    const mark = compilationMark();
    await counting(realm, () => {
      expect(compiledSince(mark)).toBe(true);
    });
  });
});
