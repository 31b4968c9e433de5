import type { Circus } from '@jest/types';
import { Attribution } from '../../src/track/attribution';

// Attribution: which owner a test's attempt, its hooks and the file are.
const KINDS = new Set(['timer'] as const);

function testEntry(name: string, parent?: Partial<Circus.DescribeBlock>): Circus.TestEntry {
  return { type: 'test', name, parent: parent ?? { name: 'ROOT_DESCRIBE_BLOCK', parent: undefined } } as unknown as Circus.TestEntry;
}

test('the file owner is one, named after the test path; each test gets its own owner, named as Jest prints it', () => {
  const attribution = new Attribution('/project/a.test.js', KINDS);
  expect(attribution.file).toMatchObject({ scope: 'file', name: '/project/a.test.js' });
  const block = { name: 'users', parent: { name: 'ROOT_DESCRIBE_BLOCK', parent: undefined } } as unknown as Circus.DescribeBlock;
  const test = testEntry('creates one', block);
  const owner = attribution.ownerOf(test);
  expect(owner).toMatchObject({ scope: 'test', name: 'users › creates one' });
  expect(attribution.ownerOf(test)).toBe(owner); // its hooks run in the same owner
  expect([...attribution.testOwners()]).toEqual([owner]);
});

test('judging a test ends its attempt: a retry is a new owner', () => {
  const attribution = new Attribution('/project/a.test.js', KINDS);
  const test = testEntry('flaky');
  const first = attribution.ownerOf(test);
  expect(attribution.judge(test)).toBe(first);
  expect(attribution.judge(test)).toBeUndefined();
  expect([...attribution.testOwners()]).toEqual([]);
  const retry = attribution.ownerOf(test);
  expect(retry).not.toBe(first);
});

test('a test judged clean sends what its context creates later to the file', () => {
  const attribution = new Attribution('/project/a.test.js', KINDS);
  const owner = attribution.ownerOf(testEntry('clean'));
  expect(owner.lateTo).toBeUndefined();
  attribution.judgedClean(owner);
  expect(owner.lateTo).toBe(attribution.file);
});
