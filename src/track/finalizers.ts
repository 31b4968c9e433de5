// FinalizationRegistry registrations, counted. A cleanup callback runs after the collection
// that freed its target, and what it lets go of (a cache entry it deletes, its held value)
// can be freed only by the next one: a pending promise kept only that way is garbage that a
// single collection reports as a leak. The promise verdict collects a second time only when
// a registration was made while the file ran (see promise-verdict.ts).
import { SharedPatches, type Patches } from './patches';

let registrations = 0;
/** A realm's registrations could not be counted (a frozen prototype): assume there were some. */
let blind = false;

/** Counts every `register` on `prototype` until `patches` is undone. */
function countOn(prototype: object | undefined, patches: Patches): void {
  if (prototype === undefined) return;
  try {
    patches.patch(prototype as { register: (...args: unknown[]) => unknown }, 'register', (original) => {
      const counted = {
        register(this: unknown, ...args: unknown[]): unknown {
          registrations++;
          return Reflect.apply(original, this, args);
        },
      }.register;
      Object.defineProperty(counted, 'length', { value: original.length });
      return counted;
    });
  } catch {
    blind = true;
  }
}

const prototypeOf = (global: object): object | undefined =>
  (global as { FinalizationRegistry?: { prototype?: object } }).FinalizationRegistry?.prototype;

/** The detector's own realm, where Node's fetch (undici) registers its responses. */
const ownRealm = new SharedPatches((patches) => countOn(prototypeOf(globalThis), patches));

/** Counts the registrations of the test global's realm and of the worker's own, until `patches` is undone. */
export function countRegistrations(global: object, patches: Patches): void {
  ownRealm.use(patches);
  const prototype = prototypeOf(global);
  if (prototype !== prototypeOf(globalThis)) countOn(prototype, patches);
}

/** A reading of the count, for registeredSince. */
export function registrationMark(): number {
  return registrations;
}

/** Whether a registration was made since `mark` was read (or may have been, uncounted). */
export function registeredSince(mark: number): boolean {
  return blind || registrations !== mark;
}
