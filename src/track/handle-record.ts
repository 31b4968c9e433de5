// A handle's record (a timer, a socket, a server, ...). Its unread creation stack is kept
// by the handle while its owner runs (see unread-stacks.ts): `pool.open()` arms an idle
// timer the pool holds, and the stack naming the pool kept it alive after `pool.close()`.
import type { Kind } from './kinds';
import type { Owner, ResourceRecord } from './owner';
import { NO_STACK, type StackHolder } from './stack';
import { handOver, readAndKeep, stackOf, takeBack } from './unread-stacks';

/** A handle record's fields, but for its reference and stack (made from the handle and its stack). */
export type HandleRecordFields = Omit<ResourceRecord, 'ref' | 'stack' | 'settledAt'>;

export class HandleRecord implements ResourceRecord {
  readonly asyncId: number;
  readonly triggerAsyncId: number;
  readonly type: string;
  readonly kind: Kind;
  readonly ref: WeakRef<object>;
  readonly origin: StackHolder | undefined;
  readonly executionAsyncId: number;
  readonly seq: number;
  owner: Owner | undefined;
  readonly lateFrom?: string;
  /** Its creation stack, or a note that the handle keeps it (see byHandle). */
  private holder: StackHolder;

  constructor(fields: HandleRecordFields, resource: object, stack: StackHolder) {
    this.asyncId = fields.asyncId;
    this.triggerAsyncId = fields.triggerAsyncId;
    this.type = fields.type;
    this.kind = fields.kind;
    this.origin = fields.origin;
    this.executionAsyncId = fields.executionAsyncId;
    this.seq = fields.seq;
    this.owner = fields.owner;
    this.lateFrom = fields.lateFrom;
    this.ref = new WeakRef(resource);
    this.holder = stack;
  }

  get stack(): StackHolder {
    return stackOf(this.holder, this.ref);
  }

  /**
   * Has the handle keep its unread stack. Only for an owner's records: whoever holds them
   * until the owner is judged reads or drops the stack then (see keepStack, dropStack).
   */
  byHandle(): void {
    this.holder = handOver(this.ref.deref(), this.holder);
  }

  /** Reads its stack and keeps it: read, it holds nothing (see materialize); the handle may outlive the test. */
  keepStack(): void {
    this.holder = readAndKeep(this.holder, this.ref);
  }

  /** Done with (dismissed): the handle, which may live on, no longer keeps its stack. */
  dropStack(): void {
    takeBack(this.holder, this.ref);
    this.holder = NO_STACK;
  }
}
