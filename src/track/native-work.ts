// Work that settles promises with no async resource to show for it, so that async_hooks never
// see it coming, counted where it starts: a WebAssembly compilation runs on V8's own threads
// and settles its promise when done. undici (Node's fetch, Request, Response) compiles its
// HTTP parser lazily, and whatever awaits that is pending until then. The promise verdict
// takes a file that started none as one where nothing can run any more (see
// promise-verdict.ts).
import { likeOriginal, SharedPatches, type Patches } from './patches';
import { withoutOwnFrames } from './stack';

/** Counts of each kind of work started so far in this worker (in every realm counted). */
export interface NativeWork {
  readonly compilations: number;
}

const counts = { compilations: 0 };
/** Some realm could not be counted (a frozen prototype): assume everything was started. */
let blind = false;

/** Replaces `target[key]` with a function that counts a call into `counter` and calls the original. */
function countCalls(target: object | undefined, key: string, counter: keyof typeof counts, patches: Patches): void {
  if (target === undefined || target === null) return;
  try {
    patches.patch(target as Record<string, (...args: unknown[]) => unknown>, key, (original) => {
      const counted = function (this: unknown, ...args: unknown[]): unknown {
        counts[counter]++;
        try {
          return Reflect.apply(original, this, args);
        } catch (error) {
          throw withoutOwnFrames(error);
        }
      };
      return likeOriginal(counted, original);
    });
  } catch {
    blind = true;
  }
}

const ASYNC_COMPILES = ['compile', 'instantiate', 'compileStreaming', 'instantiateStreaming'];

interface Realm {
  WebAssembly?: object;
}

/** Counts in `realm`, but for what it shares with `counted` (a realm already counted). */
function countIn(realm: Realm, patches: Patches, counted: Realm = {}): void {
  if (realm.WebAssembly !== counted.WebAssembly) for (const name of ASYNC_COMPILES) countCalls(realm.WebAssembly, name, 'compilations', patches);
}

/** The detector's own realm: Node's internals (undici's compilations) use its globals. */
const ownRealm = new SharedPatches((patches) => countIn(globalThis as Realm, patches));

/** Counts the work started in the test global's realm and in the worker's own, until `patches` is undone. */
export function countNativeWork(global: object, patches: Patches): void {
  ownRealm.use(patches);
  countIn(global as Realm, patches, globalThis as Realm);
}

/** The counts now, to compare with later (see startedSince). */
export function nativeWorkMark(): NativeWork {
  return { ...counts };
}

/** Whether work of that kind was started since `mark` was read (or may have been, uncounted). */
export function startedSince(mark: NativeWork, kind: keyof NativeWork): boolean {
  return blind || counts[kind] !== mark[kind];
}
