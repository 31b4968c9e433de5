// The classify stage: what the settled resources are to a person. One leak is reported
// once: a child process's stdio pipes and a worker's own ports are parts of it, and both
// ends of a loopback connection the test leaked are one connection. A pending promise
// behind a leaked handle is a symptom of it. (Promise chains: see promises.ts.)
import { connectionOf, partsOf } from './kinds';
import type { ResourceRecord } from './tracker';

/** A settled record with its resource, if still there. */
export interface Settled {
  readonly record: ResourceRecord;
  readonly resource: object | undefined;
  /** Why it could not be inspected, if it could not: its parts and ends are not looked for. */
  readonly failure?: unknown;
}

/** The records that are leaks of their own: without the parts of others and the server ends of loopback connections. */
export function withoutRepeats<S extends Settled>(settled: readonly S[]): S[] {
  const inspectable = settled.filter((s): s is S & { resource: object } => s.resource !== undefined && s.failure === undefined);
  const parts = new Set<object>();
  for (const { record, resource } of inspectable) {
    try {
      for (const part of partsOf(record.kind, resource)) parts.add(part);
    } catch {
      // Parts are only for de-duplication.
    }
  }
  // Both ends of one loopback connection leaked by the test are one leak: the client's.
  const ends = new Map<object, ReturnType<typeof connectionOf>>();
  const clientEnds = new Set<string>();
  for (const { record, resource } of inspectable) {
    if (record.type !== 'TCPWRAP') continue;
    const connection = connectionOf(resource);
    ends.set(resource, connection);
    if (!connection.accepted && connection.local !== undefined) clientEnds.add(connection.local);
  }
  return settled.filter(({ resource }) => {
    if (resource === undefined) return true;
    if (parts.has(resource)) return false;
    const connection = ends.get(resource);
    return !(connection?.accepted && connection.peer !== undefined && clientEnds.has(connection.peer));
  });
}

/**
 * A test that leaked a handle has its pending promises explained by it (a promise awaiting
 * a leaked socket, `Promise.race` with a losing `setTimeout`): the handle is the cause, and
 * the promises are not judged.
 */
export function promisesAreSymptoms(handleLeaks: readonly unknown[]): boolean {
  return handleLeaks.length > 0;
}
