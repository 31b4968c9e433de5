// FinalizationRegistry registrations are counted in the test realm and the worker's own,
// invisibly to the code that registers, and put back in teardown. Where a realm cannot be
// counted, the promise verdict must assume registrations were made.
import { runInNewContext } from 'node:vm';
import { countRegistrations, registeredSince, registrationMark } from '../../src/track/finalizers';
import { Patches } from '../../src/track/patches';

type Registry = new (cleanup: (held: unknown) => void) => FinalizationRegistry<unknown>;

/** A fresh realm's global, as a test environment's would be. */
const newRealm = (): { FinalizationRegistry: Registry; Object: ObjectConstructor } =>
  runInNewContext('({ FinalizationRegistry, Object })') as { FinalizationRegistry: Registry; Object: ObjectConstructor };

describe('countRegistrations', () => {
  test('counts registrations in the test realm and in the worker’s own, until the patches are undone', () => {
    const realm = newRealm();
    const originalRegister = realm.FinalizationRegistry.prototype.register;
    const ownRegister = FinalizationRegistry.prototype.register;
    const patches = new Patches();
    countRegistrations(realm, patches);

    const mark = registrationMark();
    expect(registeredSince(mark)).toBe(false);
    new realm.FinalizationRegistry(() => undefined).register({}, 'held');
    expect(registeredSince(mark)).toBe(true);

    const ownMark = registrationMark();
    new FinalizationRegistry(() => undefined).register({}, 'held');
    expect(registeredSince(ownMark)).toBe(true);

    patches.undo();
    expect(realm.FinalizationRegistry.prototype.register).toBe(originalRegister);
    expect(FinalizationRegistry.prototype.register).toBe(ownRegister);
    const afterUndo = registrationMark();
    new realm.FinalizationRegistry(() => undefined).register({}, 'held');
    expect(registeredSince(afterUndo)).toBe(false);
  });

  test('register behaves as before: its name and length, its result, its errors', () => {
    const realm = newRealm();
    const patches = new Patches();
    countRegistrations(realm, patches);
    try {
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
    } finally {
      patches.undo();
    }
  });

  test('a realm whose FinalizationRegistry cannot be counted (frozen) counts as registering', () => {
    const realm = newRealm();
    realm.Object.freeze(realm.FinalizationRegistry.prototype);
    const mark = registrationMark();
    const patches = new Patches();
    countRegistrations(realm, patches);
    try {
      expect(registeredSince(mark)).toBe(true);
    } finally {
      patches.undo();
    }
  });
});
