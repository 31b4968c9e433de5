// Creation stacks not read yet, held by the resource they were captured for rather than by
// its record. An unread stack holds every frame's receiver, and the object that made a
// resource usually holds it (`new Conn()` its pending promise, `pool.open()` its idle
// timer): kept by the record, the stack kept both alive while the test ran, after the test
// had dropped them. Kept by the resource (a WeakMap), it lives only as long as the resource
// does. Read when its owner is judged (see materialize), a stack holds nothing and its
// record keeps it.
import { NO_STACK, type StackHolder } from './stack';

const unread = new WeakMap<object, StackHolder>();

/** Has `resource` keep its unread stack. */
export function holdUnread(resource: object, holder: StackHolder): void {
  unread.set(resource, holder);
}

/** The unread stack `resource` keeps; NO_STACK once it is gone (it can no longer be reported). */
export function unreadStackOf(resource: object | undefined): StackHolder {
  return resource === undefined ? NO_STACK : (unread.get(resource) ?? NO_STACK);
}

/** Lets go of the unread stack `resource` keeps (read and kept by its record, or no longer needed). */
export function dropUnread(resource: object | undefined): void {
  if (resource !== undefined) unread.delete(resource);
}
