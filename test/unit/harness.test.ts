import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { staleSources } from '../global-setup';
import { runJest } from '../helpers/run-jest';

// The test harness itself: a stale build is found, and one fixture file can be run alone.
describe('staleSources', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'leakcheck-stale-'));
    mkdirSync(path.join(root, 'src/sub'), { recursive: true });
    mkdirSync(path.join(root, 'build/sub'), { recursive: true });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const write = (file: string, secondsAgo: number): void => {
    writeFileSync(path.join(root, file), '');
    const at = Date.now() / 1000 - secondsAgo;
    utimesSync(path.join(root, file), at, at);
  };

  test('a source newer than its output, or without one, is stale; an up-to-date one is not', () => {
    write('src/fresh.ts', 60);
    write('build/fresh.js', 30);
    write('src/sub/edited.ts', 10);
    write('build/sub/edited.js', 30);
    write('src/new.ts', 10);
    write('src/types.d.ts', 0);
    expect(staleSources(root).sort()).toEqual([path.join('src', 'new.ts'), path.join('src', 'sub', 'edited.ts')]);
  });
});

test('runJest runs only the listed files of a fixture', () => {
  const run = runJest('retainers', { files: ['cache.test.js'] });
  expect(run.files.map((file) => path.basename(file.name))).toEqual(['cache.test.js']);
  expect(run.test('a dropped pending promise is garbage').status).toBe('passed');
});
