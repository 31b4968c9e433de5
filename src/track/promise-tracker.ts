// Promises, tracked apart from handles: far more numerous (thousands per test), pending
// until settled rather than active until closed, and judged once per file by reachability
// (promise-verdict.ts). The tracker's async hook hands each promise of a tracked owner to
// this, and its promiseResolve and destroy events; records join the owner's handle records
// only at the candidate shape (ResourceRecord).
//
// Whether a pending promise is garbage is found out in one of two ways, chosen per file by
// the promise verdict (see Tracker.watchCollections):
// - by reference: a record holds a WeakRef to its promise, which a full collection clears
//   if the promise is garbage. V8 treats a WeakRef's target as strong in young-generation
//   collections, so a promise pending at the end of its macrotask survives into the old
//   generation: only a full collection of the whole heap tells.
// - watched: Node tells when a promise is collected (the async hook's destroy event), for a
//   young one at the next young-generation collection, a few milliseconds whatever the
//   heap's size; the record holds no reference at all. Node then does this for every
//   promise of the process, about a microsecond each.
import { NO_STACK, type StackHolder } from './stack';
import { handOver, readAndKeep, stackOf, takeBack } from './unread-stacks';
import type { Owner, Ref, ResourceRecord } from './owner';

/**
 * A promise's record, which is also its reference. By reference, a WeakRef per promise
 * would cost microseconds while almost every promise settles within the macrotask that
 * created it. So a new promise is held strongly only until the end of the macrotask that
 * created it — no longer than a WeakRef would keep it — and only one still pending then
 * gets a WeakRef. Watched, it holds nothing. One object per promise, no identity-hashed
 * Set: this is the hot path.
 */
class PromiseRecord implements ResourceRecord, Ref {
  // The same for every promise: on the prototype, not in each of a million records.
  get type(): string {
    return 'PROMISE';
  }
  get kind(): 'promise' {
    return 'promise';
  }
  get origin(): undefined {
    return undefined;
  }
  private target: object | undefined;
  private weak: WeakRef<object> | undefined;
  /** Its creation stack, or a note that the promise keeps it (see weaken). */
  private holder: StackHolder;
  /** When it settled, if that was after its owner had been judged (see PromiseTracker.settled). */
  settledAt: number | undefined;
  /** Not settled, collected (if watched) nor forgotten: what PromiseTracker.isPending says. */
  pending = true;
  /** In PromiseTracker's map by async id (see there). */
  indexed = false;
  constructor(
    readonly asyncId: number,
    readonly triggerAsyncId: number,
    readonly executionAsyncId: number,
    readonly seq: number,
    public owner: Owner | undefined,
    stack: StackHolder,
    /** Undefined when watched: its collection is told by a destroy event. */
    target: object | undefined,
  ) {
    this.holder = stack;
    this.target = target;
    this.watched = target === undefined;
  }
  /** Whether its collection is told by a destroy event (it then holds no reference). */
  readonly watched: boolean;
  get ref(): Ref {
    return this;
  }
  /** Its creation stack: read or not, or NO_STACK once the promise is gone (it can no longer be reported). */
  get stack(): StackHolder {
    return stackOf(this.holder, this);
  }
  /** Reads its creation stack and keeps it: read, it holds nothing (see materialize). */
  keepStack(): void {
    this.holder = readAndKeep(this.holder, this);
  }
  deref(): object | undefined {
    return this.target ?? this.weak?.deref();
  }
  /** Not known to be collected: watched and not told so, or its reference not cleared. */
  alive(): boolean {
    return this.watched || this.deref() !== undefined;
  }
  /**
   * Settled or collected: nothing to check any more. Its creation stack goes too, unless it
   * may still be reported (settled after its owner was judged: then it was read as its
   * owner closed, see PromiseTracker.close). Not read, a stack holds its frames' receivers:
   * a settled promise's creation stack kept the promise whose `then` made it, and that
   * one's value, alive for the rest of the test (apollo-client's test that a value is
   * garbage-collected failed).
   */
  release(): void {
    if (this.owner?.closed !== true) {
      takeBack(this.holder, this);
      this.holder = NO_STACK;
    }
    this.target = undefined;
    this.weak = undefined;
  }
  /**
   * End of the creating macrotask (or forgotten): from now on, weakly, and its unread stack
   * kept by the promise (see unread-stacks.ts). Watched, it has no promise to find the stack
   * by: a WeakRef would be strong in young-generation collections, the very ones that find
   * most watched garbage out, so a watched record holds its stack itself.
   */
  weaken(): void {
    if (this.target === undefined) return;
    this.holder = handOver(this.target, this.holder);
    this.weak = new WeakRef(this.target);
    this.target = undefined;
  }
}

/** Young promises held before the settled ones are dropped (see PromiseRecord). */
const YOUNG_LIMIT = 1024;

export class PromiseTracker {
  /**
   * Pending promises by async id, so promiseResolve and destroy find them in O(1): every
   * watched one, and the others once they outlive the macrotask that created them. One that
   * settles within it (almost all of them) is found among the young instead: a binary
   * search, where a map's set and delete would cost more for every promise.
   */
  private readonly indexed = new Map<number, PromiseRecord>();
  /** Promises created in the current macrotask, in creation (so async id) order, held until it ends (see PromiseRecord). */
  private young: PromiseRecord[] = [];
  private youngLimit = YOUNG_LIMIT;
  /** Whether the end of the current macrotask is already scheduled to weaken the young. */
  private youngEnds = false;

  /** Whether promises recorded from now on are watched (see the top of this file). */
  watched = false;
  private readonly stillPending = (record: ResourceRecord): boolean => this.isPending(record);

  constructor(
    /** Runs `fn` at the end of the current macrotask, as the detector's own work. */
    private readonly atMacrotaskEnd: (fn: () => void) => void,
  ) {}

  /** Records a new promise of `owner`. */
  record(asyncId: number, triggerAsyncId: number, executionAsyncId: number, seq: number, owner: Owner, stack: StackHolder, promise: object): void {
    const record = new PromiseRecord(asyncId, triggerAsyncId, executionAsyncId, seq, owner, stack, this.watched ? undefined : promise);
    if (record.watched) this.index(record);
    else {
      if (this.young.push(record) >= this.youngLimit) this.compactYoung();
      if (!this.youngEnds) {
        this.youngEnds = true;
        this.atMacrotaskEnd(() => this.weakenYoung());
      }
    }
    owner.addPromise(record, this.stillPending);
  }

  private index(record: PromiseRecord): void {
    if (record.indexed) return;
    record.indexed = true;
    this.indexed.set(record.asyncId, record);
  }

  private unindex(record: PromiseRecord): void {
    if (!record.indexed) return;
    record.indexed = false;
    this.indexed.delete(record.asyncId);
  }

  /** A young record by async id (the young are in async id order). */
  private youngRecord(asyncId: number): PromiseRecord | undefined {
    const young = this.young;
    let low = 0;
    let high = young.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const id = young[middle].asyncId;
      if (id === asyncId) return young[middle];
      if (id < asyncId) low = middle + 1;
      else high = middle - 1;
    }
    return undefined;
  }

  /** A pending record that is done with (settled or collected): no longer pending, and holding nothing. */
  private take(asyncId: number): PromiseRecord | undefined {
    const record = this.youngRecord(asyncId) ?? this.indexed.get(asyncId);
    if (record === undefined) return undefined;
    this.unindex(record);
    if (!record.pending) return undefined;
    record.pending = false;
    record.release();
    return record;
  }

  /** The destroy event: the promise was collected, so it can never settle nor be anyone's leak. */
  destroyed(asyncId: number): void {
    this.take(asyncId);
  }

  /** The promiseResolve event. */
  settled(asyncId: number): void {
    const record = this.take(asyncId);
    // Settling after its owner was judged proves it was pending and reachable until now:
    // the promise verdict decides whether that was past the grace.
    if (record?.owner?.closed === true) record.settledAt = Date.now();
  }

  /**
   * A long microtask chain (a loop of awaits) creates many promises in one macrotask:
   * drop the settled ones from the young generation.
   */
  private compactYoung(): void {
    // Still-pending ones stay until the macrotask ends (a long `.then` chain is pending as
    // a whole until it runs): a WeakRef each would cost more than the whole chain.
    this.young = this.young.filter((record) => record.pending);
    this.youngLimit = Math.max(YOUNG_LIMIT, this.young.length * 2);
  }

  /** Ends the young generation now (also done at the end of each macrotask). */
  weakenYoung(): void {
    const young = this.young;
    this.young = [];
    this.youngLimit = YOUNG_LIMIT;
    this.youngEnds = false;
    for (const record of young) {
      if (!record.pending) continue;
      record.weaken();
      this.index(record);
    }
  }

  /** Whether a promise recorded for an owner is still pending (not settled; collected only if watched). */
  isPending(record: ResourceRecord): boolean {
    return record instanceof PromiseRecord && record.pending;
  }

  /** Whether a promise recorded for an owner is still pending and not known to be collected. */
  isPendingAlive(record: ResourceRecord): boolean {
    return this.isPending(record) && (record as PromiseRecord).alive();
  }

  /** Whether a record's collection is told by a destroy event. */
  isWatched(record: ResourceRecord): boolean {
    return record instanceof PromiseRecord && record.watched;
  }

  /** Forgets a pending promise: never reported or counted again (and no longer held strongly, if it was young). */
  forget(record: ResourceRecord): void {
    if (!(record instanceof PromiseRecord) || !record.pending) return;
    record.pending = false;
    record.weaken();
    this.unindex(record);
  }

  /** Tracks a transferred record again, now charged to `owner` (see Tracker.transfer). */
  adopt(record: ResourceRecord, owner: Owner): void {
    if (!(record instanceof PromiseRecord)) return;
    record.pending = true;
    this.index(record);
    owner.addPromise(record, this.stillPending);
  }

  /**
   * An owner's still-pending promises as it is closed: kept (returned, their stacks
   * read so they hold nothing) when `keep`, for the file's promise verdict; otherwise
   * forgotten.
   */
  close(owner: Owner, keep: boolean): ResourceRecord[] {
    const kept: ResourceRecord[] = [];
    for (const record of owner.promises) {
      // A transferred record stays in its first owner's list: it is its new owner's now.
      if (record.owner !== owner || !this.isPending(record)) continue;
      if (keep) {
        (record as PromiseRecord).keepStack();
        kept.push(record);
      } else this.forget(record);
    }
    return kept;
  }

  clear(): void {
    this.indexed.clear();
    this.young = [];
  }
}
