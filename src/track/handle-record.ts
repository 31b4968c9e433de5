// A handle's record (a timer, a socket, a server, ...). Its unread creation stack is kept
// by the handle while its owner runs (see unread-stacks.ts): `pool.open()` arms an idle
// timer the pool holds, and the stack naming the pool kept it alive after `pool.close()`.
import type { Kind } from './kinds';
import type { Owner, ResourceRecord } from './owner';
import { materialize, NO_STACK, type StackHolder } from './stack';
import { dropUnread, holdUnread, unreadStackOf } from './unread-stacks';

export interface HandleRecordFields {
  readonly asyncId: number;
  readonly triggerAsyncId: number;
  readonly type: string;
  readonly kind: Kind;
  readonly origin: StackHolder | undefined;
  readonly executionAsyncId: number;
  readonly seq: number;
  readonly owner: Owner | undefined;
  readonly lateFrom?: string;
}

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
  /** Its creation stack, unless the handle keeps it (see byHandle). */
  private holder: StackHolder;
  private unread = false;

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
    return this.unread ? unreadStackOf(this.ref.deref()) : this.holder;
  }

  /**
   * Has the handle keep its unread stack. Only for an owner's records: whoever holds them
   * until the owner is judged reads or drops the stack then (see keepStack, dropStack).
   */
  byHandle(): void {
    const resource = this.ref.deref();
    if (resource === undefined || this.holder === NO_STACK) return;
    holdUnread(resource, this.holder);
    this.holder = NO_STACK;
    this.unread = true;
  }

  /** Reads its stack and keeps it: read, it holds nothing (see materialize); the handle may outlive the test. */
  keepStack(): void {
    const holder = this.stack;
    materialize(holder);
    this.drop();
    this.holder = holder;
  }

  /** Done with (dismissed): the handle, which may live on, no longer keeps its stack. */
  dropStack(): void {
    this.drop();
    this.holder = NO_STACK;
  }

  private drop(): void {
    if (!this.unread) return;
    dropUnread(this.ref.deref());
    this.unread = false;
  }
}
