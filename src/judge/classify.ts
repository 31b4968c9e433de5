// The classify stage: what the settled resources are to a person. One leak is reported
// once: a child process's stdio pipes and a worker's own ports are parts of it, and both
// ends of a loopback connection the test leaked are one connection. A pending promise
// behind a leaked handle is a symptom of it. The pending promises an async function
// suspended forever leaves behind (its own, the awaited one, V8's throwaway ones) are one
// chain: linked by async_hooks trigger and execution ids.
import { connectionOf, partsOf } from '../track/kinds';
import type { ResourceRecord } from '../track/tracker';

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

export interface PromiseChain {
  /** The first promise of the chain (e.g. the async function's own promise). */
  readonly root: ResourceRecord;
  readonly members: readonly ResourceRecord[];
}

/** Groups pending promises that were created by or for each other. */
export function chainsOf(records: readonly ResourceRecord[]): PromiseChain[] {
  const parent = new Map<number, number>();
  const find = (id: number): number => {
    let root = id;
    while (parent.get(root) !== root) root = parent.get(root) as number;
    parent.set(id, root);
    return root;
  };
  for (const r of records) parent.set(r.asyncId, r.asyncId);
  const union = (a: number, b: number): void => {
    if (parent.has(b)) parent.set(find(a), find(b));
  };
  for (const r of records) {
    union(r.asyncId, r.triggerAsyncId);
    union(r.asyncId, r.executionAsyncId);
  }
  const groups = new Map<number, ResourceRecord[]>();
  for (const r of records) {
    const key = find(r.asyncId);
    const group = groups.get(key);
    if (group) group.push(r);
    else groups.set(key, [r]);
  }
  return [...groups.values()].map((members) => {
    const sorted = members.sort((a, b) => a.seq - b.seq);
    return { root: sorted[0], members: sorted };
  });
}
