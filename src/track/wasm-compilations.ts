// WebAssembly compilations, counted where they start: one runs on V8's own threads and
// settles its promise when done, with no async resource to show for it, so async_hooks never
// see it coming. undici (Node's fetch, Request, Response) compiles its HTTP parser lazily,
// and whatever awaits that is pending until then. The promise verdict takes a file that
// started none as one where nothing can run any more (see promise-verdict.ts).
import { likeOriginal, SharedPatches, type Patches } from './patches';
import { withoutOwnFrames } from './stack';

let compilations = 0;
/** Some realm could not be counted (a frozen WebAssembly): assume compilations were started. */
let blind = false;

const ASYNC_COMPILES = ['compile', 'instantiate', 'compileStreaming', 'instantiateStreaming'];

/** Counts every asynchronous compilation started through `wasm` (a realm's WebAssembly), until `patches` is undone. */
function countOn(wasm: object | undefined, patches: Patches): void {
  if (wasm === undefined || wasm === null) return;
  for (const name of ASYNC_COMPILES) {
    try {
      patches.patch(wasm as Record<string, (...args: unknown[]) => unknown>, name, (original) => {
        const counted = function (this: unknown, ...args: unknown[]): unknown {
          compilations++;
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
}

const webAssemblyOf = (global: object): object | undefined => (global as { WebAssembly?: object }).WebAssembly;

/** The detector's own realm: Node's internals (undici's compilations) use its globals. */
const ownRealm = new SharedPatches((patches) => countOn(webAssemblyOf(globalThis), patches));

/** Counts the compilations started in the test global's realm and in the worker's own, until `patches` is undone. */
export function countCompilations(global: object, patches: Patches): void {
  ownRealm.use(patches);
  const wasm = webAssemblyOf(global);
  if (wasm !== webAssemblyOf(globalThis)) countOn(wasm, patches);
}

/** The count now, to compare with later (see compiledSince). */
export function compilationMark(): number {
  return compilations;
}

/** Whether a compilation was started since `mark` was read (or may have been, uncounted). */
export function compiledSince(mark: number): boolean {
  return blind || compilations !== mark;
}
