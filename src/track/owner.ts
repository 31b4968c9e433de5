// Who is charged with what: an owner (one attempt of a test, or the test file) and the
// records of the resources charged to it. The tracker adds records; an owner changes only
// through its own methods, called by the tracker and the attribution.
import type { Kind } from './kinds';
import type { StackHolder } from './stack';

/** A reference to a resource that does not keep it alive (see PromiseRecord for promises). */
export interface Ref {
  deref(): object | undefined;
}

export interface ResourceRecord {
  readonly asyncId: number;
  readonly triggerAsyncId: number;
  /** The async_hooks type, e.g. `Timeout`, `TCPSERVERWRAP`. */
  readonly type: string;
  readonly kind: Kind;
  readonly ref: Ref;
  /** NO_STACK when not captured (promises past a test's stack budget). */
  readonly stack: StackHolder;
  /** Where the request whose callback created this resource was made, if known. */
  readonly origin: StackHolder | undefined;
  /** A promise that settled after its owner was judged: when (it was pending and alive until then). */
  readonly settledAt?: number;
  /** The async context the resource was created in, for module-scope attribution. */
  readonly executionAsyncId: number;
  readonly seq: number;
  owner: Owner | undefined;
  /** Created in the context of this test after it had been judged (see Owner.lateTo). */
  readonly lateFrom?: string;
}

/**
 * Creation stacks captured per owner for promises. A stack costs about 7 µs (13 frames), a
 * promise without one well under 1 µs; promise-heavy tests would otherwise pay for thousands.
 */
export const PROMISE_STACKS = 100;

/** Promise records an owner holds before the settled ones are dropped (see Owner.addPromise). */
const PROMISE_COMPACTION = 1024;

/** Whoever is charged with a resource: one test (one attempt of it), or the test file. */
export class Owner {
  private readonly handleRecords = new Set<ResourceRecord>();
  /**
   * Promise records in creation order, settled ones included until the next compaction
   * (see addPromise): a push per promise, where a Map's set and delete cost several times
   * more on the hot path. Whether one is still pending is the PromiseTracker's to say.
   */
  private promiseList: ResourceRecord[] = [];
  private compactPromisesAt = PROMISE_COMPACTION;
  private isClosed = false;
  private late: Owner | undefined;
  /** Promises whose creation stack is still captured; past that only their ids are. */
  private promiseStacksLeft: number;
  private sweepAt = 1024;
  private label: string | (() => string);

  constructor(
    readonly scope: 'test' | 'file',
    /**
     * "describe › test", or the file. A test's is built only if it is ever shown (a leak
     * report): most tests are clean, and building it for each cost more than the rest of
     * a clean test's verdict.
     */
    name: string | (() => string),
    /** Kinds recorded for this owner; the rest are only propagated through. */
    readonly kinds: ReadonlySet<Kind>,
    promiseStacks = PROMISE_STACKS,
  ) {
    this.promiseStacksLeft = promiseStacks;
    this.label = name;
  }

  get name(): string {
    if (typeof this.label === 'function') this.label = this.label();
    return this.label;
  }

  /** Handle records. */
  get records(): ReadonlySet<ResourceRecord> {
    return this.handleRecords;
  }

  /** Promise records, settled or forgotten ones included (see promiseList). */
  get promises(): readonly ResourceRecord[] {
    return this.promiseList;
  }

  /** Once judged, an owner records nothing more: what it leaked was reported once. */
  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * For a test judged clean: where handles its context creates afterwards go (the file).
   * A request still in flight when the test ended — a DNS lookup before listen() — can
   * create a handle after the verdict; it is still that test's doing.
   */
  get lateTo(): Owner | undefined {
    return this.late;
  }

  /** Judged clean: what its context creates from now on is `owner`'s (see lateTo). */
  sendLateTo(owner: Owner): void {
    this.late = owner;
  }

  /** Judged: records nothing more and forgets what it recorded (see Tracker.close). */
  close(): void {
    this.isClosed = true;
    this.handleRecords.clear();
    this.promiseList = [];
  }

  /**
   * A fresh stack budget for what comes next. For the file when its tests start: Jest's own
   * promises between module scope and the first hook are created in the file's context and
   * used most of it, leaving a beforeAll's promises without stacks.
   */
  refillPromiseStacks(): void {
    this.promiseStacksLeft = PROMISE_STACKS;
  }

  /** Whether the next promise gets a creation stack (the first PROMISE_STACKS do). */
  takePromiseStack(): boolean {
    return this.promiseStacksLeft-- > 0;
  }

  /** Forgets a handle record: never reported or counted again (a promise's is forgotten by the PromiseTracker). */
  remove(record: ResourceRecord): void {
    if (record.kind !== 'promise') this.handleRecords.delete(record);
  }

  /** Everything recorded for this owner: its handles not yet forgotten, its promises (settled ones too). */
  all(): ResourceRecord[] {
    return [...this.records, ...this.promiseList];
  }

  /**
   * Adds a promise record; now and then keeps only those `pending` says are still pending,
   * so that a test churning through promises keeps a bounded list.
   */
  addPromise(record: ResourceRecord, pending: (record: ResourceRecord) => boolean): void {
    if (this.promiseList.push(record) < this.compactPromisesAt) return;
    this.promiseList = this.promiseList.filter(pending);
    this.compactPromisesAt = Math.max(PROMISE_COMPACTION, this.promiseList.length * 2);
  }

  /** Adds a handle record (a promise's goes through addPromise). */
  add(record: ResourceRecord): void {
    const records = this.handleRecords;
    records.add(record);
    // Without a destroy hook dead records are only dropped when looked at; sweep now
    // and then so a test that churns through resources keeps a bounded set.
    if (records.size >= this.sweepAt) {
      for (const r of records) if (r.ref.deref() === undefined) records.delete(r);
      this.sweepAt = Math.max(1024, records.size * 2);
    }
  }
}

