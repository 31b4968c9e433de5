// Promises past the creation-stack budget: a beforeAll's leak keeps its stack in a file of
// many tests, and a leak without a stack names its scope and is printed once.
import { failureText, PROMISE_WATCHING, runJest, type JestRun } from './helpers/run-jest';

const count = (text: string, part: string): number => text.split(part).length - 1;

describe.each(PROMISE_WATCHING)('the promise stack budget on Jest %s (promises %s)', (jest, _watching, env) => {
  let run: JestRun;
  beforeAll(() => {
    run = runJest('promise-budget', { jest, env });
  });

  test("a beforeAll's leak in a file of 80 tests is shown at its line (Jest's own promises before it do not use up the budget)", () => {
    const file = run.file('before-all.test.js');
    expect(file.status).toBe('failed');
    expect(file.message).toContain('[promise] new Promise created at before-all.test.js:5 is never resolved or rejected');
    expect(file.message).toContain('before-all.test.js:5:13');
    expect(file.assertionResults.every((t) => t.status === 'passed')).toBe(true);
  });

  test("a module-scope leak after 80 test definitions is shown at its line (jest-circus's own handlers' promises are not the file's)", () => {
    const file = run.file('after-definitions.test.js');
    expect(file.status).toBe('failed');
    expect(file.message).toContain('[promise] new Promise created at after-definitions.test.js:8 is never resolved or rejected');
    expect(file.assertionResults.every((t) => t.status === 'passed')).toBe(true);
  });

  test('a leak past the budget says so, names its scope and is printed once, for a test and for the file', () => {
    const test = failureText(run.test('keeps its 151st promise'));
    expect(count(test, '[promise] a chain of 1 promise(s) created by this test never settles (created after its first 100 promises, so without a creation stack)')).toBe(1);
    const file = run.file('past-budget.test.js').message;
    const fileLeak = '[promise] a chain of 1 promise(s) created by the file outside its tests never settles (created after its first 100 promises, so without a creation stack)';
    expect(count(file, fileLeak)).toBe(1);
    expect(file).not.toContain('<anonymous>:0:0');
  });
});
