// Attribution: which owner each test (each attempt of it), hook and the file is. The
// tracker charges resources to the owner of the async context they are created in; this
// says which owner a context is.
import type { Circus } from '@jest/types';
import { testName } from '../jest/circus';
import type { Kind } from './kinds';
import { Owner } from './owner';

export class Attribution {
  /** Module scope, beforeAll and afterAll: the file. */
  readonly file: Owner;
  /** The owner of each test's current attempt. */
  private readonly tests = new Map<Circus.TestEntry, Owner>();

  constructor(
    testPath: string,
    /** The kinds recorded for every owner. */
    private readonly kinds: ReadonlySet<Kind>,
  ) {
    this.file = new Owner('file', testPath, kinds);
  }

  /** The owner of a test's current attempt (of its beforeEach/afterEach hooks too). */
  ownerOf(test: Circus.TestEntry): Owner {
    let owner = this.tests.get(test);
    if (owner === undefined) {
      owner = new Owner('test', () => testName(test), this.kinds);
      this.tests.set(test, owner);
    }
    return owner;
  }

  /** The owner of a test's attempt that is being judged; a retry is a new attempt with a new owner. */
  judge(test: Circus.TestEntry): Owner | undefined {
    const owner = this.tests.get(test);
    this.tests.delete(test);
    return owner;
  }

  /** The owners of the tests running now (their attempts not judged yet). */
  testOwners(): Iterable<Owner> {
    return this.tests.values();
  }

  /**
   * A test judged clean whose leaks it did not opt out of: what its context creates later
   * (a request still in flight when it ended) is the file's leak, named after the test.
   */
  judgedClean(owner: Owner): void {
    owner.sendLateTo(this.file);
  }
}
