// Creation stacks not read yet, held by the resource they were captured for rather than by
// its record. An unread stack holds every frame's receiver, and the object that made a
// resource usually holds it (`new Conn()` its pending promise, `pool.open()` its idle
// timer): kept by the record, the stack kept both alive while the test ran, after the test
// had dropped them. Kept by the resource (a WeakMap), it lives only as long as the resource
// does. Read when its owner is judged (see materialize), a stack holds nothing and its
// record keeps it again. A record holds BY_RESOURCE meanwhile.
import { materialize, NO_STACK, type StackHolder } from './stack';

const unread = new WeakMap<object, StackHolder>();

/** What a record holds in place of a stack its resource keeps. */
const BY_RESOURCE: StackHolder = { stack: undefined };

/** How a record reaches its resource. */
interface Resourced {
  deref(): object | undefined;
}

/** Has `resource` keep the unread stack `held`; returns what the record holds from now on. */
export function handOver(resource: object | undefined, held: StackHolder): StackHolder {
  if (resource === undefined || held === NO_STACK || held === BY_RESOURCE) return held;
  unread.set(resource, held);
  return BY_RESOURCE;
}

/** The stack a record holding `held` has: its own, or its resource's (NO_STACK once that is gone: it can no longer be reported). */
export function stackOf(held: StackHolder, ref: Resourced): StackHolder {
  if (held !== BY_RESOURCE) return held;
  const resource = ref.deref();
  return resource === undefined ? NO_STACK : (unread.get(resource) ?? NO_STACK);
}

/** The stack a record holding `held` has, taken back from its resource (which keeps it no longer). */
export function takeBack(held: StackHolder, ref: Resourced): StackHolder {
  if (held !== BY_RESOURCE) return held;
  const resource = ref.deref();
  if (resource === undefined) return NO_STACK;
  const stack = unread.get(resource) ?? NO_STACK;
  unread.delete(resource);
  return stack;
}

/** Reads the stack a record holding `held` has (so it holds nothing) and returns it, for the record to keep. */
export function readAndKeep(held: StackHolder, ref: Resourced): StackHolder {
  const stack = takeBack(held, ref);
  materialize(stack);
  return stack;
}
