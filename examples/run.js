#!/usr/bin/env node
// Runs the example project under jest-environment-leakcheck: shows Jest's own output (the
// real leak reports), then checks that the detector caught every leaky example and passed
// every fixed twin. Exits 0 only then, so `npm run example` doubles as a smoke test.
'use strict';

const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const EXAMPLES = __dirname;
const ROOT = path.resolve(EXAMPLES, '..');

// What each leaky example must be reported for. `scope: 'test'`: every test in the file
// fails naming the kind. `scope: 'file'`: the tests pass, the file fails naming it.
const LEAKY = {
  'test/leaky/poller.test.js': { kind: 'timer', scope: 'test', what: 'a forgotten polling interval' },
  'test/leaky/server.test.js': { kind: 'server', scope: 'test', what: 'an HTTP server left listening' },
  'test/leaky/background-job.test.js': { kind: 'child-process', scope: 'test', what: 'a spawned process left running' },
  'test/leaky/client.test.js': { kind: 'socket', scope: 'test', what: 'a client socket left connected' },
  'test/leaky/shared-server.test.js': { kind: 'server', scope: 'file', what: 'a server started in beforeAll, never closed' },
};
const FIXED_DIR = 'test/fixed/';

function jestBin() {
  const root = path.dirname(require.resolve('jest/package.json', { paths: [ROOT] }));
  return path.join(root, 'bin', 'jest.js');
}

/** Runs Jest once: its normal output goes to this terminal, the results to a JSON file. */
function runJest() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakcheck-examples-'));
  const outputFile = path.join(dir, 'results.json');
  try {
    // --forceExit: the leaky examples keep handles open on purpose.
    const child = spawnSync(process.execPath, [jestBin(), '--json', `--outputFile=${outputFile}`, '--forceExit'], {
      cwd: EXAMPLES,
      stdio: ['ignore', 'inherit', 'inherit'],
      timeout: 180_000,
    });
    if (child.error) throw child.error;
    if (!fs.existsSync(outputFile)) {
      throw new Error(`Jest wrote no results (exit ${child.status}, signal ${child.signal})`);
    }
    return JSON.parse(fs.readFileSync(outputFile, 'utf8'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Checks one file's results; returns the problems found (none = as expected). */
function check(file, result) {
  const tests = result.assertionResults;
  const problems = [];
  if (tests.length === 0) problems.push('ran no tests');
  const leaky = LEAKY[file];
  if (leaky === undefined) {
    if (!file.startsWith(FIXED_DIR)) return [`is not a known example (add it to LEAKY in ${path.relative(ROOT, __filename)})`];
    for (const t of tests) if (t.status !== 'passed') problems.push(`"${t.title}" ${t.status}: ${firstLine(t.failureMessages.join('\n'))}`);
    // A file can fail with all its tests passing: a leak outside any test.
    if (result.status !== 'passed' && problems.length === 0) problems.push(`the file failed: ${firstLine(result.message)}`);
    return problems;
  }
  const tag = `[${leaky.kind}]`;
  if (leaky.scope === 'test') {
    for (const t of tests) {
      if (t.status !== 'failed') problems.push(`"${t.title}" ${t.status}, expected it to fail with a ${tag} leak`);
      else if (!t.failureMessages.join('\n').includes(tag)) problems.push(`"${t.title}" failed without naming ${tag}`);
    }
  } else {
    if (result.status !== 'failed' || !result.message.includes('outside any test') || !result.message.includes(tag)) {
      problems.push(`the file should fail with a ${tag} leak from outside any test`);
    }
    for (const t of tests) if (t.status !== 'passed') problems.push(`"${t.title}" ${t.status}, expected it to pass`);
  }
  return problems;
}

function firstLine(text) {
  // Jest's messages may be coloured; the summary is not.
  const line = text.replace(/\u001b\[[0-9;]*m/g, '').split('\n').find((l) => l.trim() !== '' && !l.includes('●'));
  return line ? line.trim() : '(no message)';
}

function main() {
  console.log('Running the example project (examples/) under jest-environment-leakcheck…\n');
  const results = runJest();
  const byFile = new Map(results.testResults.map((r) => [path.relative(EXAMPLES, r.name).split(path.sep).join('/'), r]));

  const lines = [];
  let failures = 0;
  const note = (ok, text) => {
    if (!ok) failures++;
    lines.push(`  ${ok ? '✓' : '✗'} ${text}`);
  };
  for (const file of Object.keys(LEAKY)) if (!byFile.has(file)) note(false, `${file}: did not run`);
  if (![...byFile.keys()].some((f) => f.startsWith(FIXED_DIR))) note(false, `${FIXED_DIR}: no fixed examples ran`);
  for (const [file, result] of [...byFile].sort(([a], [b]) => a.localeCompare(b))) {
    const problems = check(file, result);
    const leaky = LEAKY[file];
    const n = result.assertionResults.length;
    const tests = `${n} test${n === 1 ? '' : 's'}`;
    let expectation;
    if (leaky === undefined) expectation = `${tests} passed`;
    else if (leaky.scope === 'test') expectation = `${tests} failed naming [${leaky.kind}] (${leaky.what})`;
    else expectation = `file failed naming [${leaky.kind}] (${leaky.what}); its ${tests} passed`;
    if (problems.length === 0) note(true, `${file}: ${expectation}`);
    else note(false, `${file}: expected: ${expectation}\n      ${problems.join('\n      ')}`);
  }

  console.log('\nleakcheck examples — what the detector had to report:');
  console.log(lines.join('\n'));
  if (failures > 0) {
    console.log(`\n${failures} expectation${failures === 1 ? '' : 's'} not met: the detector did not behave as expected.`);
    return 1;
  }
  console.log(`\nAll ${lines.length} expectations met: every leaky example was caught, every fixed twin passed.`);
  return 0;
}

try {
  process.exitCode = main();
} catch (error) {
  console.error(`examples/run.js: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
