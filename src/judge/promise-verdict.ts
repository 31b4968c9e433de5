// The promise verdict, once per file. A pending promise is a leak only if it can never
// settle and something keeps it alive: one that nothing references is garbage. Telling
// the two apart takes a garbage collection; so each judged test hands its still-pending
// promises over here, and after the file's last afterAll the collections decide for all
// of them. jest-circus builds the file's results from each test's errors after
// `run_finish`, so a leak found then still fails the test that made it.
//
// A full collection of the heap costs about a millisecond per 1–2 MB of live heap: little
// on a small heap, far more than a test on a big one. There, the file's promises are
// watched instead (see promise-tracker.ts): a young-generation collection, a few
// milliseconds whatever the heap's size, finds most garbage promises out, and a full one is
// made only if something survives it.
//
// Before the collections, what only Jest's own bookkeeping keeps alive is let go: the call
// records of `jest.fn()` mocks (a listener passed to a mocked `http.request` holds its
// promise's resolver) and the pending timers of fake clocks (a job awaiting a fake
// `setTimeout` is what a pending fake timer is: see the `fakeTimers` option). Every test
// and hook of the file has run by then, so nothing can observe the difference.
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Retainer } from './retainers';
import { nextMacrotask, sleep, turns } from './wait';
import { compilationMark, compiledSince } from '../track/wasm-compilations';
import type { ResourceRecord, Tracker } from '../track/tracker';

type GcFunction = (options?: { type: 'minor' }) => void;
let gcFunction: GcFunction | undefined;
/** How long this process's last full collection took, in ms. */
let lastFullMs: number | undefined;

/** A garbage collection (young generation only, or the whole heap), without asking the user to pass --expose-gc. */
function collectGarbage(type: 'minor' | 'major'): void {
  if (gcFunction === undefined) {
    const exposed = (globalThis as { gc?: GcFunction }).gc;
    if (typeof exposed === 'function') gcFunction = exposed;
    else {
      setFlagsFromString('--expose-gc');
      gcFunction = runInNewContext('gc') as GcFunction;
      setFlagsFromString('--no-expose-gc');
    }
  }
  if (type === 'minor') {
    gcFunction({ type });
    return;
  }
  // A full one takes no options: on Node 20 `gc()` with any, `{ type: 'major' }` included,
  // only scavenges the young generation (--trace-gc logs a Scavenge, not a Mark-Compact).
  const start = performance.now();
  gcFunction();
  lastFullMs = performance.now() - start;
}

/**
 * Watching costs about a microsecond for every promise (and other async resource) the
 * process creates; a full collection about a millisecond per 1–2 MB of live heap. So a
 * file's promises are watched when, as its first test starts, its heap is big (used, so
 * garbage included: about twice the live heap), or when the worker's last file needed a
 * collection and watching it would have cost less than the worker's last full collection.
 * A file that creates many promises and leaves none pending is never worth watching.
 */
const WATCH_HEAP_BYTES = 128 * 1024 * 1024;
const WATCH_MS_PER_RESOURCE = 0.0015;
/** The worker's last judged file: how many async resources it created, and whether it needed a collection. */
let lastFile: { resources: number; collected: boolean } | undefined;
/**
 * A seam for the project's own tests and benchmarks: `always` watches every file's promises
 * from its start, `never` none; anything else leaves the choice to the costs above.
 */
export const WATCH_PROMISES_ENV = 'JEST_LEAKCHECK_WATCH_PROMISES';

/** Turns of the event loop given to FinalizationRegistry cleanups between the full collections: one registry's each. */
const CLEANUP_TURNS = 10;

/** Full collections a verdict makes while held promises survive them (see judge)... */
const COLLECTIONS = 3;
/** ...and at most, the ones past COLLECTIONS only while each still frees some of them. */
const MAX_COLLECTIONS = 5;

/** Macrotasks to wait for a collection's destroy events before judging without them. */
const WITNESS_TURNS = 20;

/** One owner's pending promises, and where its leaks go (the owner's policy is applied there). */
export interface Suspects {
  records: ResourceRecord[];
  /** When the owner was judged: a promise settling more than the grace later was a leak all the same. */
  readonly heldAt: number;
  /** Reports what survives (fails the test, the file, or warns), with what keeps each alive if known. */
  readonly deliver: (survivors: readonly ResourceRecord[], retainers: ReadonlyMap<ResourceRecord, Retainer>) => void;
}

export interface PromiseVerdictOptions {
  /** Lets go of what only Jest's bookkeeping keeps alive (mock records, fake clocks). */
  releaseBookkeeping(): void;
  /** What keeps the leaked promises alive (the `retainers` option); called once, with every leak of the file. */
  retainers?(leaks: readonly ResourceRecord[]): ReadonlyMap<ResourceRecord, Retainer>;
}

/** Pending records held before dead and settled ones are dropped. */
const PRUNE_AT = 10_000;

export class PromiseVerdict {
  /** By test (one entry per test: a retry replaces its earlier attempt's) or by file. */
  private readonly suspects = new Map<object, Suspects>();
  private held = 0;
  private pruneAt = PRUNE_AT;

  private readonly watch = process.env[WATCH_PROMISES_ENV];
  /** Node's count of async resources when the file started (see lastFile). */
  private readonly resourcesAtStart: number;
  /** WebAssembly compilations started before the file (see judge). */
  private readonly compilationsAtStart = compilationMark();

  constructor(
    private readonly tracker: Tracker,
    /** How long after its owner is judged a promise may take to settle (the `timeoutMs` option). */
    private readonly graceMs: number,
    /** Whether the file's promises may be watched: promises are checked, and records need no reference to them. */
    private readonly canWatch: boolean,
  ) {
    this.resourcesAtStart = tracker.asyncResourcesSoFar();
    if (canWatch && this.watch === 'always') tracker.watchCollections();
  }

  /** As the file's first test starts: watches its promises from now on if full collections are dear (see WATCH_HEAP_BYTES). */
  testsStart(): void {
    if (!this.canWatch || this.watch === 'always' || this.watch === 'never') return;
    const cheaper = lastFile?.collected === true && lastFullMs !== undefined && lastFile.resources * WATCH_MS_PER_RESOURCE < lastFullMs;
    if (cheaper || getHeapStatistics().used_heap_size >= WATCH_HEAP_BYTES) this.tracker.watchCollections();
  }

  /** Holds an owner's pending promises for the file's verdict, replacing `key`'s earlier ones. */
  hold(key: object, suspects: Suspects): void {
    const previous = this.suspects.get(key);
    if (previous !== undefined) this.held -= previous.records.length;
    if (suspects.records.length === 0) {
      this.suspects.delete(key);
      return;
    }
    this.suspects.set(key, suspects);
    this.held += suspects.records.length;
    if (this.held >= this.pruneAt) this.prune();
  }

  /** Drops records whose promise settled in time or was collected (a test may leave thousands of garbage ones). */
  private prune(): void {
    this.held = 0;
    for (const [key, entry] of this.suspects) {
      entry.records = this.leaksOf(entry);
      if (entry.records.length === 0) this.suspects.delete(key);
      this.held += entry.records.length;
    }
    this.pruneAt = Math.max(PRUNE_AT, this.held * 2);
  }

  /** Pending and alive, or settled past the grace (so it was pending and alive until then). */
  private leaksOf(entry: Suspects): ResourceRecord[] {
    const late = entry.heldAt + this.graceMs;
    return entry.records.filter((record) => (record.settledAt === undefined ? this.tracker.isPendingAlive(record) : record.settledAt > late));
  }

  private pendingCount(): number {
    let count = 0;
    for (const entry of this.suspects.values()) for (const record of entry.records) if (this.tracker.isPendingAlive(record)) count++;
    return count;
  }

  private anyPending(): boolean {
    for (const entry of this.suspects.values()) if (entry.records.some((record) => this.tracker.isPendingAlive(record))) return true;
    return false;
  }

  /**
   * Collects garbage, then drops what it freed: watched promises once Node has told of
   * them (their destroy events come after the collection, in one batch). Also lets the
   * cleanup callbacks of what it freed (FinalizationRegistry) run.
   */
  private async collect(type: 'minor' | 'major'): Promise<void> {
    // WeakRefs dereferenced in this job keep their targets alive until it ends.
    await nextMacrotask();
    const told = this.tracker.gcWitness();
    collectGarbage(type);
    await nextMacrotask();
    for (let turn = 1; told !== undefined && turn < WITNESS_TURNS && !told(); turn++) await nextMacrotask();
    this.prune();
  }

  /**
   * Judges every held promise and delivers the leaks: only while something is still
   * pending, a young-generation collection if watched promises are, then full ones.
   */
  async judge(options: PromiseVerdictOptions): Promise<void> {
    const collected = this.anyPending();
    lastFile = { resources: this.tracker.asyncResourcesSoFar() - this.resourcesAtStart, collected };
    if (collected) {
      options.releaseBookkeeping();
      this.tracker.weakenYoung();
      if (this.tracker.watchesAnyPending([...this.suspects.values()].flatMap((entry) => entry.records))) await this.collect('minor');
      if (this.anyPending()) await this.collect('major');
      // Nothing the file started can still run (nor a WebAssembly compilation it started:
      // see wasm-compilations.ts): then no held promise can settle.
      const quiet = (): boolean => !this.tracker.mayStillRun() && !compiledSince(this.compilationsAtStart);
      // What one collection frees can let go of more, which only the next can free: a chain
      // of native objects and cleanups (V8 itself, asked for all the garbage it can find,
      // collects until a collection lets go of nothing more, up to 7 times). Such a chain
      // frees none of the file's promises until its last link, so a collection that freed
      // none of them proves nothing. On lint-staged's suite under heavy load, 348 of a file's
      // promises survived two collections and a third freed them all; in another run, with
      // nothing of the file left to run, the same 348 survived two and were reported. A file
      // whose promises really leak pays for the three.
      let freed = false;
      for (let collections = 1; this.anyPending() && (collections < COLLECTIONS || (freed && collections < MAX_COLLECTIONS)); collections++) {
        // The grace: the last tests' promises had no time to settle. It ends as soon as the
        // file is quiet: waiting longer could not change a verdict.
        const start = Date.now();
        for (let delay = 1; this.anyPending() && !quiet() && Date.now() - start < this.graceMs; delay = Math.min(delay * 2, 100)) {
          await sleep(Math.min(delay, this.graceMs - (Date.now() - start)));
        }
        if (!this.anyPending()) break;
        // Then collect again, quiet or not: what a collection frees can let go of more only
        // after it (a FinalizationRegistry's cleanup, which Node's internals register through
        // functions no patch reaches). On lint-staged's suite, under load, hundreds of a
        // quiet file's promises were freed only by the second one; two collections back to
        // back did not free them, one after these turns did: what lets go of them runs
        // between turns. V8 runs the cleanups of one registry per task, a task per turn.
        await turns(CLEANUP_TURNS);
        const before = this.pendingCount();
        await this.collect('major');
        freed = this.pendingCount() < before;
      }
    }
    const entries = [...this.suspects.values()].map((entry) => ({ entry, leaks: this.leaksOf(entry) }));
    this.suspects.clear();
    this.held = 0;
    const all = entries.flatMap(({ leaks }) => leaks);
    const retainers = all.length > 0 && options.retainers !== undefined ? options.retainers(all) : new Map<ResourceRecord, Retainer>();
    for (const { entry, leaks } of entries) if (leaks.length > 0) entry.deliver(leaks, retainers);
  }
}
