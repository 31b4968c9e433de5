import { chainsOf, promisesAreSymptoms } from '../../src/judge/classify';
import { NO_STACK } from '../../src/track/stack';
import type { ResourceRecord } from '../../src/track/tracker';

// Promise chains: the pending promises an async function or a `.then` chain leaves are one
// leak, grouped through their async_hooks trigger and execution ids.
function promise(asyncId: number, triggerAsyncId: number, executionAsyncId: number, seq = asyncId): ResourceRecord {
  return {
    asyncId,
    triggerAsyncId,
    executionAsyncId,
    seq,
    type: 'PROMISE',
    kind: 'promise',
    ref: { deref: () => undefined },
    stack: NO_STACK,
    origin: undefined,
    owner: undefined,
  };
}

const ids = (chains: ReturnType<typeof chainsOf>): number[][] => chains.map((chain) => chain.members.map((member) => member.asyncId));

test('promises linked by trigger or execution id are one chain, rooted at the first created', () => {
  // 10 → 11 (then of 10) → 12 (then of 11); 20 created while 10's reaction ran (execution id 10).
  const records = [promise(12, 11, 1), promise(10, 1, 1), promise(11, 10, 1), promise(20, 5, 10)];
  const chains = chainsOf(records);
  expect(ids(chains)).toEqual([[10, 11, 12, 20]]);
  expect(chains[0].root.asyncId).toBe(10);
});

test('unrelated promises are separate chains; links to promises not among them do not join them', () => {
  // 30 and 40 were both triggered by 99, which is not pending (not a record): two leaks.
  const chains = chainsOf([promise(30, 99, 1), promise(40, 99, 1), promise(41, 40, 1)]);
  expect(ids(chains).sort((a, b) => a[0] - b[0])).toEqual([[30], [40, 41]]);
});

test('members are ordered by creation, not by id', () => {
  const chains = chainsOf([promise(7, 1, 1, 3), promise(8, 7, 1, 1), promise(9, 8, 1, 2)]);
  expect(ids(chains)).toEqual([[8, 9, 7]]);
  expect(chains[0].root.asyncId).toBe(8);
});

test('no records, no chains', () => {
  expect(chainsOf([])).toEqual([]);
});

test('pending promises are symptoms exactly when the owner leaked a handle', () => {
  expect(promisesAreSymptoms([])).toBe(false);
  expect(promisesAreSymptoms([{ kind: 'timer' }])).toBe(true);
});
