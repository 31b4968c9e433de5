import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { installProject, packPackage, type Packed } from './helpers/install';
import { failureText, FIXTURES, ROOT, runJestIn, type JestRun, type JestVersion, JEST_VERSIONS } from './helpers/run-jest';

// The package as a user gets it: packed, installed into a fresh project next to that
// project's own Jest (30, or 29 with its own jest-environment-node/-jsdom), configured with
// the one-line config. The projects' files are test/fixtures/installed.
const PROJECT_FILES = path.join(FIXTURES, 'installed');
const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');
const OWN_BUILD = /jest-environment-leakcheck[/\\]build[/\\]/;

let packDir: string;
let packed: Packed;
const projects: string[] = [];

beforeAll(() => {
  packDir = mkdtempSync(path.join(tmpdir(), 'leakcheck-pack-'));
  packed = packPackage(packDir);
});

afterAll(() => {
  for (const dir of [packDir, ...projects]) if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the tarball holds the build, the entry points and the README, and no sources or tests', () => {
  expect(packed.files).toEqual(
    expect.arrayContaining([
      'package.json',
      'README.md',
      'build/index.js',
      'build/index.d.ts',
      'build/jest/environment.js',
      'build/jest/jsdom.js',
      'build/jest/jsdom.d.ts',
      'build/report/reporter.js',
      'build/api/globals.js',
      'jsdom.js',
      'jsdom.d.ts',
    ]),
  );
  expect(packed.files.filter((file) => /^(?:src|test|examples|bench)\//.test(file))).toEqual([]);
  expect(packed.files.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))).toEqual([]);
});

function versionOf(project: string, name: string): string {
  const manifest = JSON.parse(readFileSync(path.join(project, 'node_modules', name, 'package.json'), 'utf8')) as { version: string };
  return manifest.version;
}

function typecheck(dir: string, extra: readonly string[]): { status: number | null; output: string } {
  const child = spawnSync(process.execPath, [TSC, '-p', 'tsconfig.json', ...extra], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  return { status: child.status, output: `${child.stdout}${child.stderr}` };
}

describe.each(JEST_VERSIONS)('installed from the tarball, under Jest %i', (jest: JestVersion) => {
  let project: string;
  let node: JestRun;
  let jsdom: JestRun;
  beforeAll(() => {
    project = installProject(packed, jest);
    projects.push(project);
    cpSync(PROJECT_FILES, project, { recursive: true });
    node = runJestIn(path.join(project, 'node'), { jest });
    jsdom = runJestIn(path.join(project, 'jsdom'), { jest });
  });

  test(`the project has Jest ${jest}'s own environments, which the package resolves as peers`, () => {
    for (const name of ['jest', 'jest-environment-node', 'jest-environment-jsdom']) {
      expect(versionOf(project, name)).toMatch(new RegExp(`^${jest}\\.`));
    }
  });

  test("testEnvironment: 'leakcheck' fails a leaking test naming the leak, and passes its clean twin", () => {
    const leaking = node.test('leaks an interval');
    expect(leaking.status).toBe('failed');
    expect(failureText(leaking)).toContain('1 async resource created by this test is still alive after it finished.');
    expect(failureText(leaking)).toContain('[timer] setInterval every 1000 ms');
    expect(failureText(leaking)).toMatch(/leak\.test\.js:2:3/);
    expect(node.test('clears its interval')).toMatchObject({ status: 'passed', failureMessages: [] });
  });

  test("a user's failing assertion shows the user's line and none of the package's build frames", () => {
    const failing = node.test('fails its own assertion');
    expect(failing.status).toBe('failed');
    expect(failureText(failing)).toContain('Expected: 3');
    expect(failureText(failing)).toMatch(/leak\.test\.js:10:17/);
    expect(failureText(failing)).not.toMatch(OWN_BUILD);
    // What Jest prints: the file's formatted failures and the reporter's output.
    expect(node.file('leak.test.js').message).toMatch(/leak\.test\.js:10:17/);
    expect(node.file('leak.test.js').message).not.toMatch(OWN_BUILD);
    expect(node.stderr).toContain('fails its own assertion');
    expect(node.stderr).not.toMatch(OWN_BUILD);
  });

  test("testEnvironment: 'leakcheck/jsdom' fails a leaking window interval, and passes its clean twin", () => {
    const leaking = jsdom.test('leaks a window interval');
    expect(leaking.status).toBe('failed');
    expect(failureText(leaking)).toContain('[timer] setInterval every 5 ms');
    expect(failureText(leaking)).toMatch(/dom\.test\.js:2:10/);
    expect(jsdom.test('uses the DOM and clears its interval')).toMatchObject({ status: 'passed', failureMessages: [] });
    expect(jsdom.stderr).not.toMatch(OWN_BUILD);
  });

  // node16 reads the "exports" map; node10 (tsc's old default) the files themselves.
  test.each(jest === 30 ? ['node16', 'node10'] : ['node16'])(
    'the type declarations are usable from TypeScript (moduleResolution %s)',
    (resolution) => {
      const result = typecheck(path.join(project, 'types'), ['--module', resolution === 'node10' ? 'commonjs' : resolution, '--moduleResolution', resolution]);
      expect(result.output).toBe('');
      expect(result.status).toBe(0);
    },
  );
});
