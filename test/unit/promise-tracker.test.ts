// The promise tracker's bookkeeping on its own: which records are pending, found by async
// id whether they are still young (a binary search over the current macrotask's records)
// or outlived their macrotask (a map), through settles, collections, forgets and transfers.
import { Owner } from '../../src/track/owner';
import { PromiseTracker } from '../../src/track/promise-tracker';
import { NO_STACK } from '../../src/track/stack';

function tracker(): { promises: PromiseTracker; endMacrotask: () => void; owner: Owner } {
  let ends: Array<() => void> = [];
  const promises = new PromiseTracker((fn) => ends.push(fn));
  const endMacrotask = (): void => {
    const due = ends;
    ends = [];
    for (const fn of due) fn();
  };
  return { promises, endMacrotask, owner: new Owner('test', 'a test', new Set(['promise'])) };
}

/** Records promises with these async ids (in this order) for `owner`. */
function recordAll(promises: PromiseTracker, owner: Owner, ids: number[]): void {
  for (const id of ids) promises.record(id, 1, 1, id, owner, NO_STACK, { id });
}

const pendingIds = (promises: PromiseTracker, owner: Owner): number[] => owner.promises.filter((r) => promises.isPending(r)).map((r) => r.asyncId);

test('promises settled in their macrotask are found among the young, in any order', () => {
  const { promises, owner } = tracker();
  const ids = Array.from({ length: 50 }, (_, i) => 100 + i * 3);
  recordAll(promises, owner, ids);
  for (const id of [ids[49], ids[0], ids[17], ids[18], ids[31]]) promises.settled(id);
  expect(pendingIds(promises, owner)).toEqual(ids.filter((id) => ![ids[49], ids[0], ids[17], ids[18], ids[31]].includes(id)));
  // An id never recorded, between two that were: nothing happens.
  promises.settled(101);
  expect(pendingIds(promises, owner)).toHaveLength(45);
});

test('promises pending at the end of their macrotask are found by id later, settled or collected', () => {
  const { promises, endMacrotask, owner } = tracker();
  recordAll(promises, owner, [10, 11, 12, 13]);
  promises.settled(11);
  endMacrotask();
  recordAll(promises, owner, [20, 21]);
  promises.settled(12); // an older one, while others are young
  promises.destroyed(13);
  promises.settled(21);
  expect(pendingIds(promises, owner)).toEqual([10, 20]);
  endMacrotask();
  promises.settled(20);
  // Settled twice, or collected after settling: nothing changes.
  promises.settled(12);
  promises.destroyed(12);
  expect(pendingIds(promises, owner)).toEqual([10]);
});

test('a long chain in one macrotask is compacted and still found', () => {
  const { promises, owner } = tracker();
  const ids = Array.from({ length: 5000 }, (_, i) => 1000 + i);
  recordAll(promises, owner, ids);
  // Settle all but every 1000th, as they are created: the young are compacted meanwhile.
  for (const id of ids) if (id % 1000 !== 0) promises.settled(id);
  recordAll(promises, owner, [9000]);
  for (const id of [2000, 4000]) promises.settled(id);
  expect(pendingIds(promises, owner)).toEqual([1000, 3000, 5000, 9000]);
});

test('a forgotten promise is not pending, young or not; a transfer makes it pending again, for its new owner', () => {
  const { promises, endMacrotask, owner } = tracker();
  recordAll(promises, owner, [1, 2, 3, 4]);
  const [first, second, , fourth] = owner.promises;
  promises.forget(first);
  endMacrotask();
  promises.forget(second);
  expect(pendingIds(promises, owner)).toEqual([3, 4]);
  // Forgotten ones no longer settle anything.
  promises.settled(1);
  expect(first.settledAt).toBeUndefined();
  // Transferred (as Tracker.transfer does): forgotten, charged to another owner, adopted.
  const other = new Owner('test', 'another test', new Set(['promise']));
  for (const record of [second, fourth]) {
    promises.forget(record);
    record.owner = other;
    promises.adopt(record, other);
  }
  expect(pendingIds(promises, other)).toEqual([2, 4]);
  promises.settled(2);
  expect(pendingIds(promises, other)).toEqual([4]);
  // Each owner keeps only what is charged to it.
  expect(promises.close(owner, true).map((r) => r.asyncId)).toEqual([3]);
  expect(promises.close(other, true).map((r) => r.asyncId)).toEqual([4]);
});

test('closing an owner keeps its pending promises for the verdict, or forgets them', () => {
  const { promises, endMacrotask, owner } = tracker();
  recordAll(promises, owner, [1, 2, 3]);
  promises.settled(2);
  endMacrotask();
  const kept = promises.close(owner, true);
  expect(kept.map((r) => r.asyncId)).toEqual([1, 3]);
  // Settling after the owner was judged is noted (the verdict decides if it was too late).
  owner.close();
  promises.settled(3);
  expect(kept.map((r) => [r.asyncId, promises.isPending(r), typeof r.settledAt])).toEqual([
    [1, true, 'undefined'],
    [3, false, 'number'],
  ]);
  const other = new Owner('test', 'another test', new Set(['promise']));
  recordAll(promises, other, [7, 8]);
  expect(promises.close(other, false)).toEqual([]);
  expect(pendingIds(promises, other)).toEqual([]);
});
