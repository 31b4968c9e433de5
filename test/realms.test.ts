import * as path from 'node:path';
import { expectPassed, runJest, PROMISE_WATCHING } from './helpers/run-jest';

// What the detector keeps across files (caches of its own, records, stacks) never keeps an
// earlier test file's realm alive: the file's global, and through it every module it loaded
// and every object its module scope built, would otherwise stay on the heap for the rest of
// the worker's run and be marked by every collection.
describe.each(PROMISE_WATCHING)('realms of earlier files (Jest %i, promises %s)', (jest, _watching, env) => {
  test('the first file of a worker is let go once later files run', () => {
    const run = runJest('realms', { jest, env, args: ['--runInBand'] });
    expect(run.files.map((file) => path.basename(file.name))).toEqual(['a-first.test.js', 'b-second.test.js', 'c-last.test.js']);
    expectPassed(run, 'leaves a garbage promise pending (first file)');
    expectPassed(run, 'leaves a garbage promise pending (second file)');
    expectPassed(run, 'the realm of the first file has been let go');
  });
});
