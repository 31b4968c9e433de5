// async_hooks → records. Every resource created in an async context that belongs to an
// owner (a test, or the file) inherits that owner — the way AsyncLocalStorage propagates a
// store — and, when it is of a tracked kind, is recorded in the owner's set. Nothing here
// keeps a resource alive: records hold WeakRefs (a watched promise's holds nothing: see
// promise-tracker.ts), and creation stacks are captured as unformatted Error objects
// (cheap), read into plain data when their owner is judged (see materialize).
import { AsyncResource, createHook, executionAsyncId, executionAsyncResource, type AsyncHook } from 'node:async_hooks';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { CALL, isActive, kindOfType, type Call, type Kind } from './kinds';
import { tcpHandleOf, timerState } from './node-internals';
import { HandleRecord } from './handle-record';
import { Owner, type ResourceRecord } from './owner';
import { PromiseTracker } from './promise-tracker';
import { materialize, MODULE_PROMISE_STACK_FRAMES, NO_STACK, PROMISE_STACK_FRAMES, type StackHolder } from './stack';

export { Owner, PROMISE_STACKS, type Ref, type ResourceRecord } from './owner';

const OWNER = Symbol('leakcheck.owner');
// The creation stack of a request whose callback creates handles (a DNS lookup before
// listen/connect): without it such a handle's stack has no user frame. Not captured for
// process.nextTick (TickObject): far too frequent; listen() is annotated instead.
const ORIGIN = Symbol('leakcheck.origin');
const ORIGIN_TYPES = new Set(['GETADDRINFOREQWRAP']);
// undici's diagnostics channels (Node's fetch): a request made, its headers sent on a socket.
const REQUEST_CREATED = 'undici:request:create';
const REQUEST_SENT = 'undici:client:sendHeaders';
/** Sources of callbacks noted before the dead and finished ones are dropped (see Tracker.mayStillRun). */
const SOURCES_SWEEP = 4096;
/**
 * Resource types whose callbacks run before any macrotask: drained before a verdict is
 * reached (it awaits a macrotask), so they can never run later.
 */
const DRAINED_TYPES = new Set(['PROMISE', 'TickObject', 'Microtask']);
// CALL (see kinds.ts) is carried further than ORIGIN: to everything created in a wrapped
// call's context and in the continuations of what was, however deep.
type Stamped = { [OWNER]?: Owner | null; [ORIGIN]?: StackHolder | WeakRef<StackHolder>; [CALL]?: Call };

/** The origin stamped on a context: a timer's is weak (see recordHandle). */
function originOf(context: Stamped): StackHolder | undefined {
  const origin = context[ORIGIN];
  return origin instanceof WeakRef ? origin.deref() : origin;
}

/**
 * Runs `fn` with `call` stamped on the current async context, so that what it creates, and
 * everything created in their continuations, carries it (see CALL). Like runAs: the context
 * gets it back as it was.
 */
export function runCall<T>(call: Call, fn: () => T): T {
  const context = executionAsyncResource() as Stamped;
  const previous = context[CALL];
  // A frozen resource cannot carry it: run the call as it is.
  if (!Reflect.set(context, CALL, call)) return fn();
  try {
    return fn();
  } finally {
    context[CALL] = previous;
  }
}

/** Whom a new resource is recorded for (see Tracker.handleRecording). */
interface Recording {
  readonly kind: Kind;
  /** The async context it was created in. */
  readonly context: Stamped;
  /** Undefined: not owned yet, noted for module-scope attribution. */
  readonly owner: Owner | undefined;
  /** Created in the context of this test after it had been judged (see Owner.lateTo). */
  readonly lateFrom?: string;
}

export interface TrackerOptions {
  /** Captures the creation stack; called once per recorded resource. */
  captureStack(frames?: number): StackHolder;
  /** Called once if the tracker itself fails; tracking stops. */
  onError(error: unknown): void;
}

export class Tracker {
  private readonly hook: AsyncHook;
  /** The destroy hook, enabled by watchCollections. */
  private readonly collections: AsyncHook;
  private seq = 0;
  /** Promises of tracked owners: their own subsystem. */
  private readonly promises: PromiseTracker;
  /**
   * Pending promises charged to another owner (see transfer) that the record cannot reach
   * to stamp, by async id: what runs in their context is charged to that owner.
   */
  private readonly redirects = new Map<number, Owner>();
  /** Async ids of the witnesses of collections not yet told of (see gcWitness). */
  private readonly witnesses = new Set<number>();
  /** Servers of running tests by async id: the owners of the connections they accept. */
  private readonly acceptors = new Map<number, Owner>();
  /** Set while the tracker creates its own resources, which are never recorded. */
  private internal = false;
  /** Unowned resources seen before the run starts, for module-scope attribution. */
  private unowned: ResourceRecord[] | undefined;
  /**
   * Every resource created while tracking, other than promises and what runs before the
   * next macrotask (any owner, judged or not, or none; any type), weakly: what could still
   * call back into the file's code (see mayStillRun). Only the detector's own is left out.
   */
  private sources: Array<WeakRef<object>> = [];
  private sourceTypes: string[] = [];
  private sourcesSweepAt = SOURCES_SWEEP;
  /** Sockets opened for a call (see CALL), with their current record (see chargeSocket). */
  private readonly callSockets = new WeakMap<object, ResourceRecord>();
  /** Requests of Node's fetch, with the owner and call that made them (see chargeSocket). */
  private readonly requests = new WeakMap<object, { readonly owner: Owner; readonly call: Call }>();
  // Node's fetch (undici) announces each request, in the context of the call that made it,
  // and then the socket it is sent on: maybe an idle kept-alive one another call opened,
  // possibly in another test. Never let an exception out into undici.
  private readonly onRequest = (message: unknown): void => {
    try {
      this.noteRequest(message);
    } catch (error) {
      this.failed(error);
    }
  };
  private readonly onSend = (message: unknown): void => {
    try {
      this.chargeSocket(message);
    } catch (error) {
      this.failed(error);
    }
  };

  constructor(private readonly options: TrackerOptions) {
    this.promises = new PromiseTracker((fn) => {
      this.internal = true;
      try {
        setImmediate(fn);
      } finally {
        this.internal = false;
      }
    });
    // An exception escaping an async hook kills the process: never let one out.
    this.hook = createHook({
      init: (asyncId, type, triggerAsyncId, resource) => {
        try {
          // A creation stack is captured right here: every frame above the user's code
          // costs as much to walk as one of theirs (see PROMISE_STACK_FRAMES).
          if (type !== 'PROMISE') {
            const recording = this.handleRecording(asyncId, type, triggerAsyncId, resource);
            if (recording !== undefined) this.recordHandle(asyncId, type, triggerAsyncId, resource, recording, this.options.captureStack());
            return;
          }
          const owner = this.promiseOwner(asyncId, triggerAsyncId, resource);
          if (owner === undefined) return;
          const stack = owner.takePromiseStack()
            ? this.options.captureStack(owner.scope === 'file' ? MODULE_PROMISE_STACK_FRAMES : PROMISE_STACK_FRAMES)
            : NO_STACK;
          this.promises.record(asyncId, triggerAsyncId, executionAsyncId(), ++this.seq, owner, stack, resource);
        } catch (error) {
          this.failed(error);
        }
      },
      promiseResolve: (asyncId) => {
        try {
          this.promises.settled(asyncId);
        } catch (error) {
          this.failed(error);
        }
      },
    });
    // Node tells when each promise is collected (the destroy event) only while a destroy
    // hook is enabled, and then for every promise of the process, which costs each one
    // about a microsecond: so only once the promise verdict asks (see watchCollections).
    this.collections = createHook({
      destroy: (asyncId) => {
        try {
          this.promises.destroyed(asyncId);
          if (this.redirects.size > 0) this.redirects.delete(asyncId);
          if (this.witnesses.size > 0) this.witnesses.delete(asyncId);
        } catch (error) {
          this.failed(error);
        }
      },
    });
  }

  private failed(error: unknown): void {
    this.hook.disable();
    this.collections.disable();
    this.unsubscribe();
    this.internal = true;
    this.options.onError(error);
  }

  enable(): void {
    this.hook.enable();
    subscribe(REQUEST_CREATED, this.onRequest);
    subscribe(REQUEST_SENT, this.onSend);
  }

  private unsubscribe(): void {
    unsubscribe(REQUEST_CREATED, this.onRequest);
    unsubscribe(REQUEST_SENT, this.onSend);
  }

  disable(): void {
    this.hook.disable();
    this.collections.disable();
    this.unsubscribe();
    this.promises.clear();
    this.redirects.clear();
    this.witnesses.clear();
    this.acceptors.clear();
    this.unowned = undefined;
    this.sources = [];
    this.sourceTypes = [];
  }

  /** Ends the young generation of promises now (also done at the end of each macrotask). */
  weakenYoung(): void {
    this.promises.weakenYoung();
  }

  /**
   * From now on, promises are told collected by Node (their destroy event), and their
   * records hold no reference to them: a young-generation collection finds a garbage one
   * out (see promise-tracker.ts). Once on, on until the tracker is disabled: turning it
   * off would lose the events of the promises recorded meanwhile.
   */
  watchCollections(): void {
    if (this.promises.watched) return;
    this.collections.enable();
    this.promises.watched = true;
  }

  /**
   * With collections watched, a witness of the next garbage collection: an object nothing
   * references, whose destroy event comes in the batch Node delivers after that collection,
   * together with those of the promises it freed. Returns whether it has come yet.
   */
  gcWitness(): (() => boolean) | undefined {
    if (!this.promises.watched) return undefined;
    const asyncId = this.ownResource('LEAKCHECK_GC_WITNESS', false);
    this.witnesses.add(asyncId);
    return () => !this.witnesses.has(asyncId);
  }

  /**
   * Node's count of async resources (promises included) so far: the difference between two
   * readings is how many the process created in between. Read, not counted in the hook,
   * which runs for every resource.
   */
  asyncResourcesSoFar(): number {
    return this.ownResource('LEAKCHECK_COUNT', true);
  }

  /** An async resource of the detector's own (never recorded); its async id. */
  private ownResource(type: string, requireManualDestroy: boolean): number {
    this.internal = true;
    try {
      return new AsyncResource(type, { requireManualDestroy }).asyncId();
    } finally {
      this.internal = false;
    }
  }

  /** The owner stamped on the current context, or else the one a transfer redirected it to. */
  private contextOwner(context: Stamped): Owner | null | undefined {
    const owner = context[OWNER];
    if (this.redirects.size === 0) return owner;
    return this.redirects.get(executionAsyncId()) ?? owner;
  }

  /**
   * The owner of a resource being created, stamped on it together with the call it belongs
   * to (see CALL); null for the detector's own work, undefined for none. The same for every
   * type: what differs is whom it is recorded for (handleRecording, promiseOwner).
   */
  private stampNew(asyncId: number, triggerAsyncId: number, resource: object, context: Stamped): Owner | null | undefined {
    let owner = this.contextOwner(context);
    // A connection a server accepts is created outside any JavaScript context: it belongs
    // to the test whose server accepted it.
    if (owner === undefined && this.acceptors.size > 0 && executionAsyncId() === 0) owner = this.acceptors.get(triggerAsyncId);
    if (owner === null) return null;
    const call = context[CALL];
    if (call !== undefined) (resource as Stamped)[CALL] = call;
    if (owner !== undefined) {
      (resource as Stamped)[OWNER] = owner;
      if (this.adopted !== undefined && this.adopted.owner === owner) {
        this.adopted.created.push({ ref: new WeakRef(resource), seq: ++this.seq, asyncId, executionAsyncId: executionAsyncId() });
      }
    }
    return owner;
  }

  /**
   * init for everything but promises, up to its record (see the hook): says whom to record
   * it for, if anyone.
   */
  private handleRecording(asyncId: number, type: string, triggerAsyncId: number, resource: object): Recording | undefined {
    if (this.internal) return undefined;
    const context = executionAsyncResource() as Stamped;
    const owner = this.stampNew(asyncId, triggerAsyncId, resource, context);
    if (owner === null) return undefined; // the detector's own work
    // Owned or not (module scope before its adoption, a connection a file-level server
    // accepted, Jest's own): anything that may call back later.
    if (!DRAINED_TYPES.has(type)) this.noteSource(resource, type);
    const kind = kindOfType(type);
    if (kind === undefined) {
      if (owner !== undefined && ORIGIN_TYPES.has(type)) (resource as Stamped)[ORIGIN] = this.options.captureStack();
      return undefined;
    }
    if (owner === undefined) return this.unowned === undefined ? undefined : { kind, context, owner: undefined };
    if (owner.closed) {
      const late = owner.lateTo;
      if (late === undefined || late.closed || !late.kinds.has(kind)) return undefined;
      return { kind, context, owner: late, lateFrom: owner.name };
    }
    return owner.kinds.has(kind) ? { kind, context, owner } : undefined;
  }

  /** Records a resource as handleRecording said, with its creation stack. */
  private recordHandle(asyncId: number, type: string, triggerAsyncId: number, resource: object, recording: Recording, stack: StackHolder): void {
    const { kind, context, owner, lateFrom } = recording;
    const call = context[CALL];
    const record = new HandleRecord(
      {
        lateFrom,
        asyncId,
        triggerAsyncId,
        type,
        kind,
        // The call's stack names the user's line; a DNS request's, made by that call, would not.
        origin: call?.stack ?? originOf(context),
        executionAsyncId: executionAsyncId(),
        seq: ++this.seq,
        owner,
      },
      resource,
      stack,
    );
    if (owner === undefined) {
      this.unowned?.push(record);
      return;
    }
    record.byHandle();
    owner.add(record);
    if (lateFrom !== undefined) return;
    if (call !== undefined && kind === 'socket') this.callSockets.set(resource, record);
    if (kind === 'server' && owner.scope === 'test') this.acceptors.set(asyncId, owner);
    // A timer's callback may arm the next timer (a re-arming loop such as jsdom's
    // setInterval), whose own stack has no user frame: it points back to the first.
    // Weakly: a stack not yet read holds every frame's receiver, and a timer may outlive
    // its record by far (Node's HTTP date cache arms one for up to a second, in a
    // ServerResponse method: held, that response's listeners and their promises stayed
    // alive through the promise verdict). The record holds the stack while it matters.
    if (kind === 'timer') (resource as Stamped)[ORIGIN] = new WeakRef(record.origin ?? record.stack);
  }

  /**
   * init for a promise, up to its record: the path above without its lookups by type (a
   * promise is of kind `promise`, drained before any verdict, never an origin, never
   * recorded unowned or late). Node runs it for every promise of the process, Jest's own
   * included. Returns the owner to record it for, if any.
   */
  private promiseOwner(asyncId: number, triggerAsyncId: number, promise: object): Owner | undefined {
    if (this.internal) return undefined;
    const owner = this.stampNew(asyncId, triggerAsyncId, promise, executionAsyncResource() as Stamped);
    if (owner == null || owner.closed || !owner.kinds.has('promise')) return undefined;
    return owner;
  }

  private noteSource(resource: object, type: string): void {
    this.sources.push(new WeakRef(resource));
    this.sourceTypes.push(type);
    if (this.sources.length >= this.sourcesSweepAt) {
      this.mayStillRun();
      this.sourcesSweepAt = Math.max(SOURCES_SWEEP, this.sources.length * 2);
    }
  }

  /**
   * Whether anything created while the file ran (by its module scope, hooks, tests, what
   * they started, or anyone else) could still run a callback or settle a promise: a live
   * timer or immediate not yet run, an open handle (ref'd or not), or any other resource
   * still alive (a request in flight, ...; alive is taken as possibly in flight). Drops what
   * can no longer run.
   */
  mayStillRun(): boolean {
    const sources: Array<WeakRef<object>> = [];
    const types: string[] = [];
    for (let i = 0; i < this.sources.length; i++) {
      const resource = this.sources[i].deref();
      if (resource === undefined) continue;
      const type = this.sourceTypes[i];
      let live = true;
      if (type === 'Timeout' || type === 'Immediate') live = !timerState(resource).destroyed;
      else {
        const kind = kindOfType(type);
        if (kind !== undefined) {
          try {
            live = isActive(kind, resource, { includeUnref: true });
          } catch {
            live = true;
          }
        }
      }
      if (!live) continue;
      sources.push(this.sources[i]);
      types.push(type);
    }
    this.sources = sources;
    this.sourceTypes = types;
    return sources.length > 0;
  }

  private noteRequest(message: unknown): void {
    if (this.internal) return;
    const context = executionAsyncResource() as Stamped;
    const owner = context[OWNER];
    const call = context[CALL];
    const request = (message as { request?: unknown } | null)?.request;
    if (owner == null || call === undefined || typeof request !== 'object' || request === null) return;
    this.requests.set(request, { owner, call });
  }

  /**
   * A request of a call is sent on a socket: while it is in flight, the socket is that
   * call's leak, charged to the call's owner and described and shown as that call. Only a
   * socket sent a request by another call than the one it was recorded for gets a new
   * record (once per request, not per resource).
   */
  private chargeSocket(message: unknown): void {
    if (this.internal) return;
    const { request, socket } = (message ?? {}) as { request?: unknown; socket?: unknown };
    const sent = typeof request === 'object' && request !== null ? this.requests.get(request) : undefined;
    if (sent === undefined || typeof socket !== 'object' || socket === null) return;
    // The native TCP handle is what async_hooks tracks; a TLS socket's handle wraps it.
    const handle = tcpHandleOf(socket) as (Stamped & { getAsyncId?: () => number }) | undefined;
    if (handle === undefined) return;
    const { owner, call } = sent;
    const previous = this.callSockets.get(handle);
    if (previous !== undefined && previous.owner === owner && previous.origin === call.stack) return; // opened for it
    if (owner.closed || !owner.kinds.has('socket')) return;
    if (previous !== undefined) this.forget(previous);
    handle[OWNER] = owner;
    handle[CALL] = call;
    const executionId = executionAsyncId();
    const record: ResourceRecord = {
      asyncId: typeof handle.getAsyncId === 'function' ? handle.getAsyncId() : -1,
      triggerAsyncId: executionId,
      type: previous?.type ?? 'TCPWRAP',
      kind: 'socket',
      ref: new WeakRef(handle),
      stack: call.stack,
      origin: call.stack,
      executionAsyncId: executionId,
      seq: ++this.seq,
      owner,
    };
    owner.add(record);
    this.callSockets.set(handle, record);
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

  /**
   * Charges the handle `pending` resolves to (`handleOf` finds it in the value) to the
   * current owner, with the current stack. For handles Node creates outside any async
   * context, such as fs.promises.open's FileHandle. Call it synchronously from the caller.
   */
  claimResolved(pending: Promise<unknown>, type: string, handleOf: (value: unknown) => object | undefined): void {
    const context = executionAsyncResource() as Stamped;
    const owner = context[OWNER];
    const kind = kindOfType(type);
    if (owner == null || kind === undefined || owner.closed || !owner.kinds.has(kind)) return;
    const stack = this.options.captureStack();
    const origin = context[CALL]?.stack ?? originOf(context);
    const executionId = executionAsyncId();
    const claim = (value: unknown): void => {
      const resource = handleOf(value) as (Stamped & { getAsyncId?: () => number }) | undefined;
      // Already stamped: async_hooks saw it created in an owned context after all.
      if (resource === undefined || owner.closed || resource[OWNER] !== undefined) return;
      resource[OWNER] = owner;
      const asyncId = typeof resource.getAsyncId === 'function' ? resource.getAsyncId() : -1;
      owner.add({
        asyncId,
        triggerAsyncId: executionId,
        type,
        kind,
        ref: new WeakRef(resource),
        stack,
        origin,
        executionAsyncId: executionId,
        seq: ++this.seq,
        owner,
      });
    };
    // The detector's own continuation: recorded by no one.
    this.runAs(null, () => pending.then(claim, () => undefined));
  }

  /**
   * Closes a judged owner. Its still-pending promises are kept (returned, their stacks
   * read so they hold nothing) when `keepPromises`, for the file's promise verdict;
   * otherwise forgotten. The creation stacks of its live handles are read too: the
   * handles may outlive the test (unref'd, allowed), and their stacks must not keep alive
   * what the test made.
   */
  close(owner: Owner, keepPromises: boolean): ResourceRecord[] {
    const kept = this.promises.close(owner, keepPromises);
    for (const record of owner.records) {
      if (record.kind === 'server') this.acceptors.delete(record.asyncId);
      if (record.ref.deref() === undefined) continue;
      if (record instanceof HandleRecord) record.keepStack();
      else materialize(record.stack);
      materialize(record.origin);
    }
    owner.close();
    return kept;
  }

  /** Whether a promise recorded for an owner is still pending. */
  isPending(record: ResourceRecord): boolean {
    return this.promises.isPending(record);
  }

  /** Whether a promise recorded for an owner is still pending and not collected (as far as is known yet). */
  isPendingAlive(record: ResourceRecord): boolean {
    return this.promises.isPendingAlive(record);
  }

  /** Whether some pending promise's collection would be told (see watchCollections). */
  watchesAnyPending(records: Iterable<ResourceRecord>): boolean {
    for (const record of records) if (this.promises.isWatched(record) && this.promises.isPending(record)) return true;
    return false;
  }

  /** Forgets a record: it is never reported or counted again (nor is its stack kept). */
  forget(record: ResourceRecord): void {
    this.detach(record);
    if (record instanceof HandleRecord) record.dropStack();
  }

  /** Takes a record from its owner (see forget and transfer). */
  private detach(record: ResourceRecord): void {
    if (record.kind === 'promise') this.promises.forget(record);
    else record.owner?.remove(record);
  }

  /** The owner of the current async context (null: the detector's own; undefined: none). */
  currentOwner(): Owner | null | undefined {
    return this.contextOwner(executionAsyncResource() as Stamped);
  }

  /**
   * Charges a recorded resource to `owner` from now on, together with everything it
   * creates later (its callbacks run in its context). A closed owner records nothing.
   */
  transfer(record: ResourceRecord, owner: Owner): void {
    const promise = record.kind === 'promise';
    const pendingPromise = promise && this.promises.isPending(record);
    this.detach(record);
    const target = record.ref.deref() as Stamped | undefined;
    if (target !== undefined) target[OWNER] = owner;
    else if (pendingPromise) this.redirects.set(record.asyncId, owner);
    record.owner = owner;
    // A settled promise is done with: nothing to charge.
    if (owner.closed || (promise && !pendingPromise)) {
      if (record instanceof HandleRecord) record.dropStack();
      return;
    }
    if (promise) this.promises.adopt(record, owner);
    else owner.add(record);
  }

  // ---- module scope -----------------------------------------------------------------
  // Module scope runs in an async context that Jest also uses for its own work, so it
  // cannot be wrapped like a test. Instead, the first time the file defines a test or
  // hook, the current context is adopted by the file, together with the resources that
  // were created in that same context before; once the run starts, whatever Jest itself
  // created in that context after the last definition — and everything descending from
  // that — is handed back.

  /** Starts noting unowned resources (from the framework's `setup` on). */
  collectUnowned(): void {
    this.unowned = [];
  }

  private adopted:
    | {
        readonly owner: Owner;
        readonly resource: Stamped;
        readonly asyncId: number;
        lastSeq: number;
        /** Every resource the file owned from adoption to release, in creation order. */
        readonly created: Array<{ ref: WeakRef<Stamped>; seq: number; asyncId: number; executionAsyncId: number }>;
      }
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
      this.adopted = { owner: file, resource, asyncId, lastSeq: this.seq, created: [] };
    } else if (this.adopted?.asyncId === asyncId) {
      this.adopted.lastSeq = this.seq;
    }
  }

  /** Called when the run starts: module scope is over. */
  releaseModuleScope(file: Owner): void {
    this.unowned = undefined;
    file.refillPromiseStacks();
    const adopted = this.adopted;
    this.adopted = undefined;
    if (adopted === undefined) return;
    if (adopted.resource[OWNER] === file) adopted.resource[OWNER] = undefined;
    // Contexts handed back: the adopted one (after the last definition), and descendants.
    const contexts = new Set([adopted.asyncId]);
    const released = new Set<number>();
    for (const entry of adopted.created) {
      if (!contexts.has(entry.executionAsyncId)) continue;
      if (entry.executionAsyncId === adopted.asyncId && entry.seq <= adopted.lastSeq) continue;
      contexts.add(entry.asyncId);
      released.add(entry.asyncId);
      const target = entry.ref.deref();
      if (target !== undefined && target[OWNER] === file) target[OWNER] = undefined;
    }
    for (const record of file.all()) if (released.has(record.asyncId)) this.forget(record);
  }
}
