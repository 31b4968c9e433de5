// async_hooks → records. Every resource created in an async context that belongs to an
// owner (a test, or the file) inherits that owner — the way AsyncLocalStorage propagates a
// store — and, when it is of a tracked kind, is recorded in the owner's set. Nothing here
// keeps a resource alive: records hold WeakRefs, and creation stacks are captured as
// unformatted Error objects that are only turned into text when a leak is reported.
import { createHook, executionAsyncId, executionAsyncResource, type AsyncHook } from 'node:async_hooks';
import { kindOfType, type Kind } from './kinds';

const OWNER = Symbol('leakcheck.owner');
// The creation stack of a request whose callback creates handles (a DNS lookup before
// listen/connect, a deferred callback): without it such a handle's stack has no user frame.
const ORIGIN = Symbol('leakcheck.origin');
const ORIGIN_TYPES = new Set(['GETADDRINFOREQWRAP', 'TickObject']);
type Stamped = { [OWNER]?: Owner | null; [ORIGIN]?: StackHolder };

/** A holder of a captured, not yet formatted, creation stack. */
export interface StackHolder {
  readonly stack?: string;
}

export interface ResourceRecord {
  readonly asyncId: number;
  readonly triggerAsyncId: number;
  /** The async_hooks type, e.g. `Timeout`, `TCPSERVERWRAP`. */
  readonly type: string;
  readonly kind: Kind;
  readonly ref: WeakRef<object>;
  readonly stack: StackHolder;
  /** Where the request whose callback created this resource was made, if known. */
  readonly origin: StackHolder | undefined;
  /** The async context the resource was created in, for module-scope attribution. */
  readonly executionAsyncId: number;
  readonly seq: number;
  owner: Owner | undefined;
}

/** Whoever is charged with a resource: one test (one attempt of it), or the test file. */
export class Owner {
  readonly records = new Set<ResourceRecord>();
  /** Once judged, an owner records nothing more: what it leaked was reported once. */
  closed = false;
  private sweepAt = 1024;

  constructor(
    readonly scope: 'test' | 'file',
    readonly name: string,
    /** Kinds recorded for this owner; the rest are only propagated through. */
    readonly kinds: ReadonlySet<Kind>,
  ) {}

  close(): void {
    this.closed = true;
    this.records.clear();
  }

  add(record: ResourceRecord): void {
    this.records.add(record);
    // Without a destroy hook dead records are only dropped when looked at; sweep now
    // and then so a test that churns through resources keeps a bounded set.
    if (this.records.size >= this.sweepAt) {
      for (const r of this.records) if (r.ref.deref() === undefined) this.records.delete(r);
      this.sweepAt = Math.max(1024, this.records.size * 2);
    }
  }
}

export interface TrackerOptions {
  /** Captures the creation stack; called once per recorded resource. */
  captureStack(): StackHolder;
}

export class Tracker {
  private readonly hook: AsyncHook;
  private seq = 0;
  /** Pending promises by async id, so promiseResolve can drop them in O(1). */
  private readonly pendingPromises = new Map<number, ResourceRecord>();
  /** Unowned resources seen before the run starts, for module-scope attribution. */
  private unowned: ResourceRecord[] | undefined;

  constructor(private readonly options: TrackerOptions) {
    this.hook = createHook({
      init: (asyncId, type, triggerAsyncId, resource) => this.init(asyncId, type, triggerAsyncId, resource),
      promiseResolve: (asyncId) => this.settled(asyncId),
    });
  }

  enable(): void {
    this.hook.enable();
  }

  disable(): void {
    this.hook.disable();
    this.pendingPromises.clear();
    this.unowned = undefined;
  }

  private init(asyncId: number, type: string, triggerAsyncId: number, resource: object): void {
    const owner = (executionAsyncResource() as Stamped)[OWNER];
    if (owner === null) return; // the detector's own work
    if (owner !== undefined) {
      (resource as Stamped)[OWNER] = owner;
      if (this.adopted !== undefined && executionAsyncId() === this.adopted.asyncId) {
        this.adopted.created.push({ ref: new WeakRef(resource), seq: ++this.seq });
      }
    }
    const kind = kindOfType(type);
    if (kind === undefined) {
      if (owner !== undefined && ORIGIN_TYPES.has(type)) (resource as Stamped)[ORIGIN] = this.options.captureStack();
      return;
    }
    if (owner === undefined) {
      if (this.unowned !== undefined && kind !== 'promise') {
        this.unowned.push(this.record(asyncId, type, kind, triggerAsyncId, resource, undefined));
      }
      return;
    }
    if (owner.closed || !owner.kinds.has(kind)) return;
    const record = this.record(asyncId, type, kind, triggerAsyncId, resource, owner);
    owner.add(record);
    if (kind === 'promise') this.pendingPromises.set(asyncId, record);
  }

  private record(
    asyncId: number,
    type: string,
    kind: Kind,
    triggerAsyncId: number,
    resource: object,
    owner: Owner | undefined,
  ): ResourceRecord {
    return {
      asyncId,
      triggerAsyncId,
      type,
      kind,
      ref: new WeakRef(resource),
      stack: this.options.captureStack(),
      origin: (executionAsyncResource() as Stamped)[ORIGIN],
      executionAsyncId: executionAsyncId(),
      seq: ++this.seq,
      owner,
    };
  }

  private settled(asyncId: number): void {
    const record = this.pendingPromises.get(asyncId);
    if (record === undefined) return;
    this.pendingPromises.delete(asyncId);
    record.owner?.records.delete(record);
  }

  /**
   * Runs `fn` with `owner` as the owner of everything it creates, synchronously or in
   * any continuation. `null` means "the detector itself": nothing is recorded.
   */
  runAs<T>(owner: Owner | null, fn: () => T): T {
    const resource = executionAsyncResource() as Stamped;
    const previous = resource[OWNER];
    resource[OWNER] = owner;
    try {
      return fn();
    } finally {
      resource[OWNER] = previous;
    }
  }

  /** Whether a promise recorded for an owner is still pending. */
  isPending(record: ResourceRecord): boolean {
    return this.pendingPromises.get(record.asyncId) === record;
  }

  /** Forgets a record: it is never reported or counted again. */
  forget(record: ResourceRecord): void {
    record.owner?.records.delete(record);
    if (record.kind === 'promise') this.pendingPromises.delete(record.asyncId);
  }

  // ---- module scope -----------------------------------------------------------------
  // Module scope runs in an async context that Jest also uses for its own work, so it
  // cannot be wrapped like a test. Instead, the first time the file defines a test or
  // hook, the current context is adopted by the file, together with the resources that
  // were created in that same context before; once the run starts, whatever Jest itself
  // created in that context after the last definition is handed back.

  /** Starts noting unowned resources (from the framework's `setup` on). */
  collectUnowned(): void {
    this.unowned = [];
  }

  private adopted:
    | { resource: Stamped; asyncId: number; lastSeq: number; created: Array<{ ref: WeakRef<Stamped>; seq: number }> }
    | undefined;

  /** Called while the test file defines a test or hook, i.e. from module scope. */
  adoptCurrentContext(file: Owner): void {
    const resource = executionAsyncResource() as Stamped;
    const asyncId = executionAsyncId();
    if (resource[OWNER] === undefined) {
      resource[OWNER] = file;
      for (const record of this.unowned ?? []) {
        if (record.executionAsyncId !== asyncId) continue;
        const target = record.ref.deref() as Stamped | undefined;
        if (target === undefined) continue;
        target[OWNER] = file;
        if (!file.kinds.has(record.kind)) continue;
        record.owner = file;
        file.add(record);
      }
      this.adopted = { resource, asyncId, lastSeq: this.seq, created: [] };
    } else if (this.adopted?.asyncId === asyncId) {
      this.adopted.lastSeq = this.seq;
    }
  }

  /** Called when the run starts: module scope is over. */
  releaseModuleScope(file: Owner): void {
    this.unowned = undefined;
    const adopted = this.adopted;
    this.adopted = undefined;
    if (adopted === undefined) return;
    if (adopted.resource[OWNER] === file) adopted.resource[OWNER] = undefined;
    for (const { ref, seq } of adopted.created) {
      const target = ref.deref();
      if (seq > adopted.lastSeq && target !== undefined && target[OWNER] === file) target[OWNER] = undefined;
    }
    for (const record of file.records) {
      if (record.executionAsyncId === adopted.asyncId && record.seq > adopted.lastSeq) this.forget(record);
    }
  }
}
