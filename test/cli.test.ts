// The `leakcheck` command: its help, its errors, and `merge` of sharded runs' reports.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { LeakReportDocument } from '../src/report/json';
import { FIXTURES, JEST_VERSIONS, ROOT, runJest } from './helpers/run-jest';

const CLI = path.join(ROOT, 'bin/leakcheck.js');

function leakcheck(args: readonly string[], cwd: string = ROOT): { status: number | null; stdout: string; stderr: string } {
  const child = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' } });
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}

describe('the leakcheck command line', () => {
  test('--help lists the commands and exits 0; no command prints it on stderr and exits 1', () => {
    const help = leakcheck(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: leakcheck <command> [options]');
    expect(help.stdout).toContain('merge <report.json>... [--output <file>]');
    expect(help.stdout).toContain('baseline [--prune] [--jest <path>] [-- <jest arguments>]');
    expect(leakcheck(['merge', '--help']).stdout).toContain('Usage: leakcheck');
    const none = leakcheck([]);
    expect(none.status).toBe(1);
    expect(none.stderr).toContain('Usage: leakcheck');
  });

  test('--version is the package version', () => {
    const { version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(leakcheck(['--version']).stdout.trim()).toBe(version);
  });

  test('an unknown command, an unknown option, a missing argument: exit 2 with what is wrong', () => {
    expect(leakcheck(['merj'])).toMatchObject({ status: 2, stderr: expect.stringContaining('unknown command "merj": the commands are merge and baseline.') as unknown });
    expect(leakcheck(['merge', '--ouput', 'x.json', 'a.json'])).toMatchObject({ status: 2, stderr: expect.stringContaining("Unknown option '--ouput'") as unknown });
    expect(leakcheck(['merge'])).toMatchObject({ status: 2, stderr: expect.stringContaining('merge needs the JSON reports to merge') as unknown });
    expect(leakcheck(['baseline', 'test/api'])).toMatchObject({
      status: 2,
      stderr: expect.stringContaining("Jest's arguments go after --, e.g. leakcheck baseline -- test/api") as unknown,
    });
  });

  test('merge: a file that is not a leak report, or the same shard twice, is an error naming it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'leakcheck-cli-'));
    try {
      writeFileSync(path.join(dir, 'other.json'), '{"numFailedTests": 0}');
      expect(leakcheck(['merge', 'other.json'], dir)).toMatchObject({
        status: 2,
        stderr: expect.stringContaining('other.json: not a leak report') as unknown,
      });
      expect(leakcheck(['merge', 'missing.json'], dir).stderr).toContain('missing.json: cannot read it as JSON');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.each(JEST_VERSIONS)('merge of sharded runs on Jest %s', (jest) => {
  let dir: string;
  const report = (name: string): LeakReportDocument => JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as LeakReportDocument;
  const run = (out: string, args: readonly string[] = []) =>
    runJest('reporter', {
      jest,
      args: ['--maxWorkers=2', ...args],
      env: { LEAKCHECK_REPORTER_OPTIONS: JSON.stringify({ outputFile: path.relative(path.join(FIXTURES, 'reporter'), path.join(dir, out)), annotations: false }) },
    });

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'leakcheck-shards-'));
    run('whole.json');
    run('shard-1.json', ['--shard=1/2']);
    run('shard-2.json', ['--shard=2/2']);
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  test('two shards merged are the unsharded run: the same records, files and totals', () => {
    const shards = [report('shard-1.json'), report('shard-2.json')];
    expect(shards.every((s) => s.files.length > 0 && s.files.length < 7)).toBe(true);
    const merged = leakcheck(['merge', 'shard-1.json', 'shard-2.json', '--output', 'merged.json'], dir);
    expect(merged.status).toBe(1);
    expect(report('merged.json')).toEqual(report('whole.json'));
    expect(merged.stderr).toContain('leakcheck: 11 leaked resources (timer ×11) failed 3 tests and 1 file.');
    expect(merged.stderr).toContain("leakcheck (warn): 1 leaked resource (timer) reported; it would fail in mode 'fail'.");
  });

  test('merge exits 0 when no leak failed; the same report twice is refused', () => {
    const clean = report('whole.json');
    writeFileSync(path.join(dir, 'clean.json'), JSON.stringify({ ...clean, records: clean.records.filter((r) => r.mode === 'warn'), files: clean.files.filter((f) => f.testFile === 'warned.test.js') }));
    const ok = leakcheck(['merge', 'clean.json'], dir);
    expect(ok.status).toBe(0);
    expect(ok.stderr).toContain("leakcheck (warn): 1 leaked resource (timer) reported; it would fail in mode 'fail'.");
    const twice = leakcheck(['merge', 'shard-1.json', 'shard-1.json'], dir);
    expect(twice.status).toBe(2);
    expect(twice.stderr).toMatch(/shard-1\.json and .*shard-1\.json both ran .*: each shard's report must be given once/);
  });
});
