import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { installProject, packForTests } from './helpers/install';
import { importedPackages, PEERS, SUBPATHS } from './helpers/manifest';
import { failureText, FIXTURES, ROOT, runJestIn, type JestRun, type JestVersion, JEST_VERSIONS } from './helpers/run-jest';

// The package as a user gets it: packed, installed into a fresh project next to that
// project's own Jest (30, or 29 with its own jest-environment-node/-jsdom), configured with
// the one-line config. The projects' files are test/fixtures/installed. No network: the
// other dependencies are linked from the repo (test/install.test.ts installs from the
// registry with npm, pnpm and Yarn).
const PROJECT_FILES = path.join(FIXTURES, 'installed');
const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');
const ATTW = path.join(ROOT, 'node_modules/@arethetypeswrong/cli/dist/index.js');
const OWN_BUILD = /jest-environment-leakcheck[/\\]build[/\\]/;
/** Whatever the tarball holds must be one of these. */
const SHIPPED = [
  /^(?:package\.json|README\.md|LICENSE|CHANGELOG\.md)$/,
  /^bin\/[\w-]+\.js$/,
  /^build\/(?:[\w-]+\/)*[\w-]+\.m?js$/,
  /^build\/types\/(?:[\w-]+\/)*[\w-]+\.d\.m?ts$/,
  /^[\w-]+\/package\.json$/,
];

const tarball = packForTests();

describe('the tarball', () => {
  test('holds the build, the entry points, the README, LICENSE and CHANGELOG, and nothing else', () => {
    expect(tarball.packed.files).toEqual(
      expect.arrayContaining(['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'build/index.js', 'build/index.mjs', 'build/types/index.d.ts', 'build/types/index.d.mts', 'bin/leakcheck.js']),
    );
    expect(tarball.packed.files.filter((file) => !SHIPPED.some((allowed) => allowed.test(file)))).toEqual([]);
    // No internal declarations: only the bundled public ones, under build/types.
    expect(tarball.packed.files.filter((file) => /\.d\.m?ts$/.test(file) && !file.startsWith('build/types/'))).toEqual([]);
  });

  test('every file "exports" names (and "main", "types", "bin") is in it', () => {
    const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { exports: unknown; main: string; types: string; bin: Record<string, string> };
    const targets = new Set<string>();
    const walk = (value: unknown): void => {
      if (typeof value === 'string') targets.add(value.replace(/^\.\//, ''));
      else if (typeof value === 'object' && value !== null) Object.values(value).forEach(walk);
    };
    walk(manifest.exports);
    walk([manifest.main, manifest.types, ...Object.values(manifest.bin)]);
    expect([...targets].filter((file) => !tarball.packed.files.includes(file))).toEqual([]);
  });

  test('its declarations import nothing but the peers (no @jest/*, no jest-validate, no internal modules)', () => {
    const extracted = mkdtempSync(path.join(tmpdir(), 'leakcheck-dts-'));
    tarball.projects.push(extracted);
    spawnSync('tar', ['-xzf', tarball.packed.tarball, '-C', extracted]);
    const imports = tarball.packed.files
      .filter((file) => /\.d\.m?ts$/.test(file))
      .flatMap((file) => importedPackages(readFileSync(path.join(extracted, 'package', file), 'utf8')).map((name) => `${file}: ${name}`));
    expect(imports.filter((line) => !PEERS.has(line.split(': ')[1]))).toEqual([]);
  });

  test('@arethetypeswrong/cli finds no problem in any entry point, under node10, node16 (CJS and ESM) and bundler', () => {
    const child = spawnSync(process.execPath, [ATTW, tarball.packed.tarball, '--format', 'json'], { encoding: 'utf8', timeout: 120_000 });
    const report = JSON.parse(child.stdout) as { analysis: { entrypoints: Record<string, unknown> }; problems: Record<string, unknown> };
    expect(Object.keys(report.analysis.entrypoints)).toEqual(expect.arrayContaining([...SUBPATHS]));
    expect(report.problems).toEqual({});
    expect(child.status).toBe(0);
  });
});

function versionOf(project: string, name: string): string {
  const manifest = JSON.parse(readFileSync(path.join(project, 'node_modules', name, 'package.json'), 'utf8')) as { version: string };
  return manifest.version;
}

function typecheck(dir: string, tsconfig: string): { status: number | null; output: string } {
  const child = spawnSync(process.execPath, [TSC, '-p', tsconfig], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  return { status: child.status, output: `${child.stdout}${child.stderr}` };
}

interface EntryCheck {
  readonly subpath: string;
  readonly names: readonly string[];
  readonly missing: readonly string[];
  readonly defaultIsSame: boolean;
  readonly defaultType: string;
}

describe.each(JEST_VERSIONS)('installed from the tarball, under Jest %i', (jest: JestVersion) => {
  let project: string;
  let node: JestRun;
  let esm: JestRun;
  let jsdom: JestRun;
  let handles: JestRun;
  beforeAll(() => {
    project = installProject(tarball.packed, jest);
    tarball.projects.push(project);
    cpSync(PROJECT_FILES, project, { recursive: true });
    node = runJestIn(path.join(project, 'node'), { jest });
    esm = runJestIn(path.join(project, 'esm'), { jest });
    jsdom = runJestIn(path.join(project, 'jsdom'), { jest });
    handles = runJestIn(path.join(project, 'handles'), { jest, args: ['--detectOpenHandles'] });
  });

  test(`the project has Jest ${jest}'s own environments, which the package resolves as peers`, () => {
    for (const name of ['jest', 'jest-environment-node', 'jest-environment-jsdom']) {
      expect(versionOf(project, name)).toMatch(new RegExp(`^${jest}\\.`));
    }
  });

  test("testEnvironment: 'leakcheck' fails a leaking test naming the leak, and passes its clean twin; the reporter counts it", () => {
    const leaking = node.test('leaks an interval');
    expect(leaking.status).toBe('failed');
    expect(failureText(leaking)).toContain('1 async resource created by this test is still alive after it finished.');
    expect(failureText(leaking)).toContain('[timer] setInterval every 1000 ms');
    expect(failureText(leaking)).toMatch(/leak\.test\.js:2:3/);
    expect(node.test('clears its interval')).toMatchObject({ status: 'passed', failureMessages: [] });
    expect(node.stderr).toMatch(/leakcheck: 1 leaked resource \(timer\) failed 1 test\./);
  });

  test('an ES module config (jest.config.mjs) loads the environment and the reporter by name', () => {
    expect(esm.test('leaks a timeout').status).toBe('failed');
    expect(failureText(esm.test('leaks a timeout'))).toContain('[timer] setTimeout of 60000 ms');
    expect(esm.test('clears its timeout')).toMatchObject({ status: 'passed', failureMessages: [] });
    expect(esm.stderr).toMatch(/leakcheck: 1 leaked resource \(timer\) failed 1 test\./);
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

  test("--detectOpenHandles shows a server's handle at the user's listen() call, with no frame of the package", () => {
    expect(handles.test('leaves a server listening, allowed').status).toBe('passed');
    expect(handles.stderr).toContain('TCPSERVERWRAP');
    const frames = handles.stderr.slice(handles.stderr.indexOf('TCPSERVERWRAP')).match(/^\s+at .*$/gm) ?? [];
    expect(frames[0]).toMatch(/^\s+at listen \(server\.test\.js:8:41\)$/);
    expect(handles.stderr).not.toMatch(OWN_BUILD);
    expect(handles.stderr).not.toContain('annotations.js');
  });

  test('import() of every entry point gives what require() gives: the same objects, the class as default', () => {
    const child = spawnSync(process.execPath, [path.join(project, 'entries.mjs')], { cwd: project, encoding: 'utf8', timeout: 60_000 });
    expect(child.stderr).toBe('');
    const checks = JSON.parse(child.stdout) as EntryCheck[];
    expect(checks.map((check) => check.subpath)).toEqual(SUBPATHS);
    for (const check of checks) {
      expect({ subpath: check.subpath, missing: check.missing, defaultIsSame: check.defaultIsSame }).toEqual({ subpath: check.subpath, missing: [], defaultIsSame: true });
    }
    expect(checks.find((check) => check.subpath === '.')).toMatchObject({ defaultType: 'function', names: expect.arrayContaining(['LeakcheckEnvironment', 'KINDS']) });
  });

  // node10 reads the files and the <entry>/package.json folders; node16 the "exports" map
  // (require and import types); bundler the import types.
  test.each(['node10', 'node16', 'bundler'])('the type declarations check with skipLibCheck: false (moduleResolution %s)', (resolution) => {
    const result = typecheck(path.join(project, 'types'), `tsconfig.${resolution}.json`);
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  });
});
